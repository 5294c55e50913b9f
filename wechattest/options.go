package wechattest

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/mpkit/wechat"
)

// config is what the options set; it is fixed once NewServer returns.
type config struct {
	appID      string
	appSecret  string
	tokenLife  time.Duration
	ticketLife time.Duration
	grace      time.Duration
	pageSize   int
	now        func() time.Time
	csWindow   bool             // WithCustomerServiceWindow
	quotas     map[string]int64 // WithQuota: daily limits by path
	component  componentConfig  // WithComponent (platform.go)

	followers  []Follower
	templates  []Template
	kfAccounts []KFAccount
	migrations map[string]map[string]string // from_appid → old openid → new openid
	autoReply  *wechat.AutoReplyRules       // WithAutoReplyRules
}

func defaultConfig() config {
	return config{
		appID:      DefaultAppID,
		appSecret:  DefaultAppSecret,
		tokenLife:  DefaultTokenLifetime,
		ticketLife: DefaultTokenLifetime,
		grace:      DefaultRetiredTokenGrace,
		pageSize:   DefaultPageSize,
		now:        time.Now,
		quotas:     make(map[string]int64),
		migrations: make(map[string]map[string]string),
		component:  defaultComponent(),
	}
}

// An Option configures a Server. An option given an invalid value makes
// NewServer panic with a message that names the option.
type Option func(*config) error

// WithAppID sets the AppID the server accepts, DefaultAppID by default.
func WithAppID(appID string) Option {
	return setCredential("WithAppID", "AppID", appID, func(c *config) *string { return &c.appID })
}

// WithAppSecret sets the AppSecret the server accepts, DefaultAppSecret by
// default.
func WithAppSecret(secret string) Option {
	return setCredential("WithAppSecret", "AppSecret", secret, func(c *config) *string { return &c.appSecret })
}

// setCredential is the option named option that sets the credential
// what, which must not be empty, to v in the field of the config that
// field returns.
func setCredential(option, what, v string, field func(*config) *string) Option {
	return func(c *config) error {
		if v == "" {
			return fmt.Errorf("%s: empty %s", option, what)
		}
		*field(c) = v
		return nil
	}
}

// WithTokenLifetime sets the lifetime of the access tokens the server
// issues (expires_in, rounded up to a whole second); it must be positive.
func WithTokenLifetime(d time.Duration) Option {
	return setLifetime("WithTokenLifetime", d, func(c *config) *time.Duration { return &c.tokenLife })
}

// WithTicketLifetime sets the lifetime of jsapi and wx_card tickets; it
// must be positive.
func WithTicketLifetime(d time.Duration) Option {
	return setLifetime("WithTicketLifetime", d, func(c *config) *time.Duration { return &c.ticketLife })
}

// setLifetime is the option named option that sets a lifetime, which
// must be positive, to d in the field of the config that field returns.
func setLifetime(option string, d time.Duration, field func(*config) *time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%s: lifetime %v is not positive", option, d)
		}
		*field(c) = d
		return nil
	}
}

// WithRetiredTokenGrace sets how long an access token keeps working after
// a newer cgi-bin/token call retired it, DefaultRetiredTokenGrace by
// default. Zero retires tokens at once; negative values are invalid.
func WithRetiredTokenGrace(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithRetiredTokenGrace: grace %v is negative", d)
		}
		c.grace = d
		return nil
	}
}

// WithClock sets the clock that decides when tokens, tickets, media, QR
// codes, web authorization codes and tokens, customer-service windows,
// short keys and rids expire, on which day quotas are counted, and that
// stamps created_at and update_time values. A test that advances it sees
// WeChat's expiry errors without waiting. Latency injected with
// SetLatency is real time regardless.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithPageSize sets the number of openids per page of user/get,
// user/tag/get and tags/members/getblacklist, DefaultPageSize (WeChat's
// 10000) by default, so that tests can page over a handful of followers.
// It must be positive.
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("WithPageSize: page size %d is not positive", n)
		}
		c.pageSize = n
		return nil
	}
}

// WithFollowers seeds the followers of the account, in subscription order.
// Every follower needs an OpenID; a repeated OpenID replaces the earlier
// one.
func WithFollowers(f ...Follower) Option {
	return func(c *config) error {
		for i, fl := range f {
			if fl.OpenID == "" {
				return fmt.Errorf("WithFollowers: follower %d has no OpenID", i)
			}
		}
		c.followers = append(c.followers, f...)
		return nil
	}
}

// WithTemplates seeds the account's private templates (模板消息), which
// message/template/send requires. Templates without an ID get one.
func WithTemplates(t ...Template) Option {
	return func(c *config) error {
		c.templates = append(c.templates, t...)
		return nil
	}
}

// WithMigration records that the followers of the account fromAppID were
// migrated to this one (公众号迁移): openIDs maps each of their openids
// under fromAppID to their openid under this account. changeopenid
// converts the openids of the map and answers "ori_openid error" for any
// other; a from_appid without a migration is answered 40013 (invalid
// appid). The new openids need not be followers: seed them with
// WithFollowers when a test goes on to use them. A later call for the
// same fromAppID replaces the earlier one.
func WithMigration(fromAppID string, openIDs map[string]string) Option {
	return func(c *config) error {
		if fromAppID == "" {
			return errors.New("WithMigration: empty from AppID")
		}
		c.migrations[fromAppID] = maps.Clone(openIDs)
		return nil
	}
}

// WithCustomerServiceWindow makes the fake enforce WeChat's
// customer-service window for every follower: message/custom/send and
// message/custom/typing to a follower answer 45015 unless a push that a
// linked Webhook delivered for them opened the window (see Webhook.Server
// and OpenCustomerServiceWindow).
//
// Without it the window is enforced only for followers the fake has seen
// pushes for, so that tests which seed followers and send at once keep
// working: a follower whose last push is more than 48 hours old, or who
// used up the messages it allows, gets 45015; one never seen is not
// limited.
func WithCustomerServiceWindow() Option {
	return func(c *config) error {
		c.csWindow = true
		return nil
	}
}

// WithQuota sets the daily call limit of the API at path (such as
// "/cgi-bin/message/custom/send"), so that a test reaches it with a few
// calls: the call after the last allowed one is answered 45009 until
// clear_quota or the next day by the server's clock. The path must be one
// the fake models and the limit positive.
func WithQuota(path string, limit int64) Option {
	return func(c *config) error {
		if limit <= 0 {
			return fmt.Errorf("WithQuota: limit %d of %s is not positive", limit, path)
		}
		if path == "" || path[0] != '/' {
			return fmt.Errorf("WithQuota: path %q does not start with /", path)
		}
		c.quotas[path] = limit
		return nil
	}
}
