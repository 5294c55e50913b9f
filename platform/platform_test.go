package platform_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

const (
	componentTokenPath  = "/cgi-bin/component/api_component_token"
	authorizerTokenPath = "/cgi-bin/component/api_authorizer_token"
)

// Before WeChat has pushed a ticket, the platform cannot get its token:
// the error says so, and nothing is asked of WeChat.
func TestNoTicketYet(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	_, err := e.c.ComponentAccessToken(ctx)
	assert.ErrorIs(t, err, platform.ErrNoTicket)
	_, err = e.c.PreAuthCode(ctx)
	assert.ErrorIs(t, err, platform.ErrNoTicket)
	assert.Zero(t, e.fake.Calls(componentTokenPath))

	// Nor does an empty ticket (a ticket push without one) count as one.
	assert.ErrorIs(t, e.c.SetTicket(ctx, ""), wechat.ErrInvalidArgument)
	_, err = e.c.ComponentAccessToken(ctx)
	assert.ErrorIs(t, err, platform.ErrNoTicket)
}

// The pushed ticket is stored; the token fetched with it is cached until
// a margin before its expiry, then fetched again.
func TestComponentTokenCachedAndRefreshed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.ticket()
	assert.Equal(t, platform.InfoTypeVerifyTicket, e.events.last(t).InfoType)
	tok, err := e.c.ComponentAccessToken(ctx)
	require.NoError(t, err)
	for range 3 {
		again, err := e.c.ComponentAccessToken(ctx)
		require.NoError(t, err)
		assert.Equal(t, tok.Value, again.Value)
	}
	assert.Equal(t, 1, e.fake.Calls(componentTokenPath))
	assert.True(t, tok.ExpiresAt.Before(e.clock.Now().Add(2*time.Hour-5*time.Minute+time.Second)), "refreshed ahead of expiry")

	e.clock.Advance(2*time.Hour - 4*time.Minute)
	next, err := e.c.ComponentAccessToken(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, tok.Value, next.Value)
	assert.Equal(t, 2, e.fake.Calls(componentTokenPath))
}

// A ticket WeChat no longer takes (12 hours old) is ErrNoTicket too,
// with WeChat's errcode. It is not sent again: the calls that follow
// fail with ErrNoTicket at once, instead of each costing a request to
// api_component_token that WeChat refuses the same way. A new push
// mends it.
func TestExpiredTicket(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.ticket()
	require.NoError(t, e.c.SetTicket(ctx, "ticket@@@stale"))
	_, err := e.c.ComponentAccessToken(ctx)
	assert.ErrorIs(t, err, platform.ErrNoTicket)
	assert.ErrorIs(t, err, &wechat.APIError{Code: 61006})
	refused := e.fake.Calls(componentTokenPath)
	for range 3 {
		_, err = e.c.ComponentAccessToken(ctx)
		assert.ErrorIs(t, err, platform.ErrNoTicket)
	}
	assert.Equal(t, refused, e.fake.Calls(componentTokenPath), "no request with the refused ticket")

	e.ticket()
	_, err = e.c.ComponentAccessToken(ctx)
	assert.NoError(t, err)
}

// An account authorizes: the push's code is exchanged and its refresh
// token stored; its Client calls the account's APIs at once, with the
// token of the exchange (no refresh); an expired token is refreshed once
// with the stored refresh token.
func TestAuthorizedAccount(t *testing.T) {
	ctx := context.Background()
	refresh := platform.NewMemoryRefreshTokenStore()
	const appID = "wx1000000000000001"
	e, ac := authorized(t, appID, platform.WithRefreshTokenStore(refresh))

	ev := e.events.last(t)
	assert.Equal(t, platform.InfoTypeAuthorized, ev.InfoType)
	assert.Equal(t, appID, ev.AuthorizerAppID)
	require.NotNil(t, ev.Authorization, "the handler sees what the code gave")
	assert.Equal(t, appID, ev.Authorization.AuthorizerAppID)
	assert.Contains(t, ev.Authorization.FuncInfo, 1)
	stored, err := refresh.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.Equal(t, e.fake.RefreshToken(appID), stored)
	assert.Equal(t, e.fake.RefreshToken(appID), string(ev.Authorization.RefreshToken))

	menu := &wechat.Menu{Buttons: []wechat.Button{{Type: "click", Name: "今日歌曲", Key: "V1001_TODAY_MUSIC"}}}
	require.NoError(t, ac.CreateMenu(ctx, menu))
	got, err := ac.GetMenu(ctx)
	require.NoError(t, err)
	assert.Equal(t, "今日歌曲", got.Menu.Buttons[0].Name)
	assert.Equal(t, 1, e.fake.Account(appID).Calls("/cgi-bin/menu/create"), "the account's own state")
	assert.Zero(t, e.fake.Refreshes(appID), "the exchange's token was used")

	e.fake.ExpireTokens()
	_, err = ac.GetMenu(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, e.fake.Refreshes(appID))
}

// However many goroutines make an account's first call at once, one
// refresh reaches WeChat.
func TestAuthorizerRefreshOnce(t *testing.T) {
	ctx := context.Background()
	const appID = "wx1000000000000002"
	e, _ := authorized(t, appID)
	// A second process knows the refresh token but has no access token.
	_, ac := e.otherProcess(appID, e.fake.RefreshToken(appID))
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := ac.ListCallbackIPs(ctx)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, e.fake.Refreshes(appID))
}

// An account that revokes the platform: its cached token is dropped and
// its calls fail with ErrNotAuthorized, naming the account, before any
// request; authorizing again makes it usable at once.
func TestUnauthorizedAccount(t *testing.T) {
	ctx := context.Background()
	const appID = "wx1000000000000003"
	e, ac := authorized(t, appID)
	_, err := ac.ListCallbackIPs(ctx)
	require.NoError(t, err)

	require.NoError(t, e.fake.Unauthorize(ctx, appID))
	assert.Equal(t, platform.InfoTypeUnauthorized, e.events.last(t).InfoType)
	_, err = ac.ListCallbackIPs(ctx)
	assert.ErrorIs(t, err, platform.ErrNotAuthorized)
	var ae *platform.AuthorizerError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, appID, ae.AppID)
	assert.Equal(t, 1, e.fake.Account(appID).Calls("/cgi-bin/getcallbackip"), "no call with the revoked token")

	ac = e.authorize(appID)
	_, err = ac.ListCallbackIPs(ctx)
	assert.NoError(t, err)
}

// WeChat's own word that the account revoked the platform (61003), heard
// before the push, is ErrNotAuthorized too.
func TestNotAuthorizedByWeChat(t *testing.T) {
	ctx := context.Background()
	const appID = "wx1000000000000004"
	e, _ := authorized(t, appID)
	_, ac := e.otherProcess(appID, e.fake.RefreshToken(appID))
	e.fake.SetReceiver(wechattest.Receiver{}) // the unauthorized push is lost
	require.NoError(t, e.fake.Unauthorize(ctx, appID))
	_, err := ac.ListCallbackIPs(ctx)
	assert.ErrorIs(t, err, platform.ErrNotAuthorized)
	assert.ErrorIs(t, err, &wechat.APIError{Code: 61003})
}

// otherProcess is another instance of the platform, with stores of its
// own and a ticket, and that instance's Client of the account appID. Its
// refresh-token store holds refreshToken for the account, or nothing when
// it is empty.
func (e *env) otherProcess(appID, refreshToken string) (*platform.Client, *wechat.Client) {
	e.t.Helper()
	refresh := platform.NewMemoryRefreshTokenStore()
	if refreshToken != "" {
		require.NoError(e.t, refresh.SetRefreshToken(context.Background(), appID, refreshToken))
	}
	other, err := e.fake.Client(platform.WithRefreshTokenStore(refresh))
	require.NoError(e.t, err)
	ticket, err := e.fake.PushTicket(context.Background())
	require.NoError(e.t, err)
	require.NoError(e.t, other.SetTicket(context.Background(), ticket))
	ac, err := other.Authorizer(appID)
	require.NoError(e.t, err)
	return other, ac
}

// Without a refresh token the account's calls fail with
// ErrNoRefreshToken; RestoreRefreshTokens mends it from WeChat's list.
func TestMissingRefreshToken(t *testing.T) {
	ctx := context.Background()
	const appID = "wx1000000000000005"
	e, _ := authorized(t, appID)
	lost, ac := e.otherProcess(appID, "") // its store is empty
	_, err := ac.ListCallbackIPs(ctx)
	assert.ErrorIs(t, err, platform.ErrNoRefreshToken)
	assert.Zero(t, e.fake.Refreshes(appID), "nothing to refresh with")

	n, err := lost.RestoreRefreshTokens(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = ac.ListCallbackIPs(ctx)
	assert.NoError(t, err)
}

// A refresh token WeChat refuses (61023) is ErrNoRefreshToken with
// WeChat's errcode.
func TestRefusedRefreshToken(t *testing.T) {
	ctx := context.Background()
	const appID = "wx1000000000000006"
	e, _ := authorized(t, appID)
	_, ac := e.otherProcess(appID, "refreshtoken@@@stale")
	_, err := ac.ListCallbackIPs(ctx)
	assert.ErrorIs(t, err, platform.ErrNoRefreshToken)
	assert.ErrorIs(t, err, &wechat.APIError{Code: 61023})
}

// A new refresh token from api_authorizer_token replaces the stored one.
func TestRotatedRefreshTokenStored(t *testing.T) {
	ctx := context.Background()
	refresh := platform.NewMemoryRefreshTokenStore()
	const appID = "wx1000000000000007"
	e, ac := authorized(t, appID, platform.WithRefreshTokenStore(refresh))
	old := e.fake.RefreshToken(appID)
	e.fake.RotateRefreshToken(appID)
	e.fake.ExpireTokens()
	_, err := ac.ListCallbackIPs(ctx)
	require.NoError(t, err)
	stored, err := refresh.RefreshToken(ctx, appID)
	require.NoError(t, err)
	assert.NotEqual(t, old, stored)
	assert.Equal(t, e.fake.RefreshToken(appID), stored)

	e.fake.ExpireTokens()
	_, err = ac.ListCallbackIPs(ctx)
	assert.NoError(t, err, "refreshed with the new token")
}

// A refresh whose stored token another instance replaced after the
// refresh read it does not write an older token over the newer one:
// whether the other instance stored it while this refresh called WeChat
// (after the first read), or in the instant between the check before the
// write and the write (after the second), which the store's
// SwapRefreshToken closes.
func TestRefreshTokenStoredMeanwhileKept(t *testing.T) {
	for _, read := range []int{1, 2} {
		t.Run(fmt.Sprintf("after read %d", read), func(t *testing.T) {
			ctx := context.Background()
			store := &failingStore{MemoryRefreshTokenStore: platform.NewMemoryRefreshTokenStore()}
			const appID = "wx1000000000000009"
			e, ac := authorized(t, appID, platform.WithRefreshTokenStore(store))
			e.fake.RotateRefreshToken(appID)
			e.fake.ExpireTokens()
			store.overtakeRead(read, "refreshtoken@@@newer")
			_, err := ac.ListCallbackIPs(ctx)
			require.NoError(t, err, "the refresh's access token is used")
			stored, err := store.MemoryRefreshTokenStore.RefreshToken(ctx, appID)
			require.NoError(t, err)
			assert.Equal(t, "refreshtoken@@@newer", stored, "the newer token stays")
		})
	}
}

// failingStore is a RefreshTokenStore whose writes fail while broken,
// and where another instance may store a newer token just after a read:
// a refresh was paused past the account's lock (a GC pause, a VM
// migration), and the instance that took the lock over refreshed.
type failingStore struct {
	*platform.MemoryRefreshTokenStore
	mu     sync.Mutex
	broken bool
	newer  string // stored after the read reads counts down to, when not empty
	reads  int
}

var errStoreDown = errors.New("store down")

func (s *failingStore) SetRefreshToken(ctx context.Context, appID, token string) error {
	s.mu.Lock()
	broken := s.broken
	s.mu.Unlock()
	if broken {
		return errStoreDown
	}
	return s.MemoryRefreshTokenStore.SetRefreshToken(ctx, appID, token)
}

func (s *failingStore) SwapRefreshToken(ctx context.Context, appID, old, token string) (bool, error) {
	s.mu.Lock()
	broken := s.broken
	s.mu.Unlock()
	if broken {
		return false, errStoreDown
	}
	return s.MemoryRefreshTokenStore.SwapRefreshToken(ctx, appID, old, token)
}

func (s *failingStore) RefreshToken(ctx context.Context, appID string) (string, error) {
	t, err := s.MemoryRefreshTokenStore.RefreshToken(ctx, appID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reads--; s.newer != "" && s.reads == 0 {
		_ = s.MemoryRefreshTokenStore.SetRefreshToken(ctx, appID, s.newer)
		s.newer = ""
	}
	return t, err
}

func (s *failingStore) setBroken(b bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broken = b
}

// overtakeRead has another instance store newer just after the nth read
// from now.
func (s *failingStore) overtakeRead(n int, newer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.newer, s.reads = newer, n
}

// A new refresh token the store does not take is not lost: the process
// keeps it, refreshes with it, and stores it once the store works.
func TestRotatedRefreshTokenKeptWhenStoreFails(t *testing.T) {
	ctx := context.Background()
	store := &failingStore{MemoryRefreshTokenStore: platform.NewMemoryRefreshTokenStore()}
	const appID = "wx1000000000000008"
	e, ac := authorized(t, appID, platform.WithRefreshTokenStore(store))
	old := e.fake.RefreshToken(appID)

	store.setBroken(true)
	e.fake.RotateRefreshToken(appID)
	e.fake.ExpireTokens()
	_, err := ac.ListCallbackIPs(ctx)
	require.NoError(t, err)
	stored, _ := store.RefreshToken(ctx, appID)
	assert.Equal(t, old, stored, "the store did not take it")

	e.fake.ExpireTokens()
	_, err = ac.ListCallbackIPs(ctx)
	require.NoError(t, err, "refreshed with the kept token, not the stored one WeChat retired")

	store.setBroken(false)
	e.fake.ExpireTokens()
	_, err = ac.ListCallbackIPs(ctx)
	require.NoError(t, err)
	stored, _ = store.RefreshToken(ctx, appID)
	assert.Equal(t, e.fake.RefreshToken(appID), stored, "stored once the store worked")
}

// A new authorization supersedes a refresh token the process kept while
// the store failed: once the store takes the authorization's token, the
// kept one (which WeChat retired) is no longer used.
func TestKeptRefreshTokenSupersededByAuthorization(t *testing.T) {
	ctx := context.Background()
	store := &failingStore{MemoryRefreshTokenStore: platform.NewMemoryRefreshTokenStore()}
	const appID = "wx100000000000000a"
	e, ac := keptRefreshToken(t, store, appID)

	e.authorize(appID)
	e.fake.ExpireTokens()
	_, err := ac.ListCallbackIPs(ctx)
	require.NoError(t, err, "refreshed with the authorization's token, not the kept one")
	stored, _ := store.RefreshToken(ctx, appID)
	assert.Equal(t, e.fake.RefreshToken(appID), stored)
}

// RestoreRefreshTokens supersedes a refresh token the process kept while
// the store failed, as an authorization does.
func TestKeptRefreshTokenSupersededByRestore(t *testing.T) {
	ctx := context.Background()
	store := &failingStore{MemoryRefreshTokenStore: platform.NewMemoryRefreshTokenStore()}
	const appID = "wx100000000000000b"
	e, ac := keptRefreshToken(t, store, appID)

	e.fake.SetReceiver(wechattest.Receiver{}) // the authorized push is lost
	_, err := e.fake.Authorize(ctx, appID)
	require.NoError(t, err)
	n, err := e.c.RestoreRefreshTokens(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	e.fake.ExpireTokens()
	_, err = ac.ListCallbackIPs(ctx)
	require.NoError(t, err, "refreshed with the restored token, not the kept one")
}

// keptRefreshToken is authorized with store, after which WeChat rotated
// the account's refresh token while store was broken: the process keeps
// the new token in memory. store works again on return.
func keptRefreshToken(t *testing.T, store *failingStore, appID string) (*env, *wechat.Client) {
	t.Helper()
	e, ac := authorized(t, appID, platform.WithRefreshTokenStore(store))
	old := e.fake.RefreshToken(appID)
	store.setBroken(true)
	e.fake.RotateRefreshToken(appID)
	e.fake.ExpireTokens()
	_, err := ac.ListCallbackIPs(context.Background())
	require.NoError(t, err)
	stored, _ := store.RefreshToken(context.Background(), appID)
	require.Equal(t, old, stored, "the store did not take the rotated token")
	store.setBroken(false)
	return e, ac
}

// The authorization code of the redirect works with QueryAuth as the
// push's does; an account without it is an error of WeChat's.
func TestQueryAuth(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.ticket()
	e.fake.SetReceiver(wechattest.Receiver{}) // the code comes by the redirect only
	code, err := e.fake.Authorize(ctx, "wx1000000000000009")
	require.NoError(t, err)
	auth, err := e.c.QueryAuth(ctx, code)
	require.NoError(t, err)
	assert.Equal(t, "wx1000000000000009", auth.AuthorizerAppID)
	assert.NotEmpty(t, auth.AccessToken.Value)
	assert.True(t, auth.AccessToken.ExpiresAt.After(e.clock.Now()))
	_, err = e.c.QueryAuth(ctx, "queryauthcode@@@nope")
	assert.ErrorIs(t, err, &wechat.APIError{Code: 61009})
	_, err = e.c.QueryAuth(ctx, "")
	assert.ErrorIs(t, err, wechat.ErrInvalidArgument)
}

// The list, the profile, the options and the quota of the platform.
func TestAuthorizerListInfoOptions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.ticket()
	ids := []string{"wx2000000000000001", "wx2000000000000002"}
	for _, id := range ids {
		e.authorize(id)
	}
	var got []string
	for a, err := range e.c.Authorizers(ctx) {
		require.NoError(t, err)
		got = append(got, a.AppID)
		assert.Equal(t, e.fake.RefreshToken(a.AppID), string(a.RefreshToken))
		assert.Equal(t, e.clock.Now().Unix(), a.AuthTime.Unix())
	}
	assert.Equal(t, ids, got)

	info, err := e.c.AuthorizerInfo(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, e.fake.OriginalID(ids[0]), info.UserName)
	assert.Equal(t, 2, info.ServiceType)
	assert.Equal(t, ids[0], info.Authorization.AuthorizerAppID)

	require.NoError(t, e.c.SetAuthorizerOption(ctx, ids[0], platform.OptionLocationReport, "2"))
	v, err := e.c.AuthorizerOption(ctx, ids[0], platform.OptionLocationReport)
	require.NoError(t, err)
	assert.Equal(t, "2", v)
	require.NoError(t, e.c.ClearQuota(ctx))
}

// The Open Platform account APIs of package wechat work with an
// authorizer's Client.
func TestOpenAccountThroughAuthorizer(t *testing.T) {
	ctx := context.Background()
	_, ac := authorized(t, "wx2000000000000003")
	openID, err := ac.CreateOpenAccount(ctx)
	require.NoError(t, err)
	has, err := ac.HasOpenAccount(ctx)
	require.NoError(t, err)
	assert.True(t, has)
	got, err := ac.GetOpenAccount(ctx)
	require.NoError(t, err)
	assert.Equal(t, openID, got)
}

// Web authorization on an account's behalf, against the fake: the code
// of the account's user is exchanged with the component token, and the
// user's token reads their profile.
func TestOAuthOnBehalf(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.ticket()
	const appID = "wx2000000000000004"
	ac := e.authorize(appID, wechattest.WithFollowers(wechattest.Follower{OpenID: "o_ada", Nickname: "Ada"}))
	code := e.fake.Account(appID).AuthorizeCode("o_ada", wechat.ScopeUserInfo)
	tok, err := e.c.ExchangeOAuthCode(ctx, appID, code)
	require.NoError(t, err)
	assert.Equal(t, "o_ada", tok.OpenID)
	user, err := ac.GetOAuthUserInfo(ctx, tok.AccessToken, tok.OpenID, wechat.LangZhCN)
	require.NoError(t, err)
	assert.Equal(t, "Ada", user.Nickname)
	again, err := e.c.RefreshOAuthToken(ctx, appID, tok.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, "o_ada", again.OpenID)
	_, err = e.c.ExchangeOAuthCode(ctx, appID, "")
	assert.ErrorIs(t, err, wechat.ErrInvalidArgument)
}

// The authorization page of the fake takes the link's pre-authorization
// code and redirects with the code, which the push brought already.
func TestAuthorizeURLAgainstFake(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.ticket()
	link, err := e.c.AuthorizeURL(ctx, "https://platform.example/done", platform.AuthorizeOptions{BizAppID: "wx2000000000000005"})
	require.NoError(t, err)
	resp, err := noRedirect(e.fake).Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 302, resp.StatusCode)
	ev := e.events.last(t)
	assert.Equal(t, "wx2000000000000005", ev.AuthorizerAppID)
	require.NotNil(t, ev.Authorization)
	ac, err := e.c.Authorizer("wx2000000000000005")
	require.NoError(t, err)
	_, err = ac.ListCallbackIPs(ctx)
	assert.NoError(t, err)
}

// A base URL may carry a proxy's user and password, which the API calls
// send; the authorization links, which end up in a merchant's browser,
// leave them out.
func TestAuthorizeURLWithoutBaseURLPassword(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	ticket, err := e.fake.PushTicket(ctx)
	require.NoError(t, err)
	withPassword := strings.Replace(e.fake.URL, "://", "://proxyuser:s3cretpw@", 1)
	c, err := e.fake.Client(platform.WithBaseURL(withPassword))
	require.NoError(t, err)
	require.NoError(t, c.SetTicket(ctx, ticket))
	for _, page := range []func(context.Context, string, platform.AuthorizeOptions) (string, error){c.AuthorizeURL, c.MobileAuthorizeURL} {
		link, err := page(ctx, "https://platform.example/done", platform.AuthorizeOptions{})
		require.NoError(t, err)
		assert.NotContains(t, link, "s3cretpw")
		assert.NotContains(t, link, "proxyuser")
		assert.True(t, strings.HasPrefix(link, e.fake.URL+"/"), link)
	}
}

// The platform's own AppID names the platform, not an account: its
// Client would share the key of the component_access_token in the store,
// and drop that token when WeChat refused it as an account's.
func TestAuthorizerRefusesPlatformAppID(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.c.Authorizer(e.fake.ComponentAppID())
	assert.ErrorIs(t, err, wechat.ErrInvalidArgument)
}
