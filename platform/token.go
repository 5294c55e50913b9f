package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// ticketLifetime is how long a component_verify_ticket is valid, as
// documented: WeChat pushes a new one every ten minutes, and advises to
// go on with the last one while none arrives.
const ticketLifetime = 12 * time.Hour

// ticketKey is where the ticket is kept in the platform's store.
const ticketKey = "component_verify_ticket"

// Codes of WeChat's that the platform turns into its own errors.
const (
	codeNotAuthorized       = 61003 // component is not authorized by this account
	codeTicketExpired       = 61005 // component ticket is expired
	codeTicketInvalid       = 61006 // component ticket is invalid
	codeRefreshTokenInvalid = 61023 // refresh_token is invalid
)

// SetTicket stores a component_verify_ticket, as Events does with the
// ones WeChat pushes, for every instance that shares the token store. It
// replaces the ticket stored before and is valid for 12 hours.
func (c *Client) SetTicket(ctx context.Context, ticket string) error {
	if ticket == "" {
		return fmt.Errorf("%w: empty ticket", wechat.ErrInvalidArgument)
	}
	t := wechat.Token{Value: ticket, ExpiresAt: c.now().Add(ticketLifetime)}
	// Kept first, for the look-ups of the store that find no ticket (see
	// ticket): the store's Token may hand this call the answer of a
	// look-up already under way, ErrNoTicket, and the next look-up must
	// then find this ticket rather than none again.
	c.mu.Lock()
	c.pushedTicket = t
	c.mu.Unlock()
	put := func(context.Context) (wechat.Token, error) { return t, nil }
	replaced := false
	for range setTicketAttempts {
		cur, err := c.tokens.Token(ctx, ticketKey, put)
		if errors.Is(err, ErrNoTicket) {
			continue // a look-up that began before: the next one finds t
		}
		if err != nil || cur.Value == ticket || replaced {
			return err
		}
		// The store holds an older ticket: drop it (only if it is still
		// the one read) and store the new one.
		if err := c.tokens.Invalidate(ctx, ticketKey, cur.Value); err != nil {
			return err
		}
		replaced = true
	}
	return fmt.Errorf("%w: the store did not take the new one", ErrNoTicket)
}

// setTicketAttempts bounds SetTicket's calls of the store's Token: one
// that shares a look-up begun before, one that replaces an older ticket,
// and the one that stores the new ticket.
const setTicketAttempts = 4

// ticket returns the stored ticket, or ErrNoTicket. A store that has none
// is given the ticket SetTicket had last in this process, while it is
// valid: it is WeChat's latest as far as the process knows, and WeChat
// advises to go on with the last ticket while no new one arrives.
func (c *Client) ticket(ctx context.Context) (string, error) {
	t, err := c.tokens.Token(ctx, ticketKey, func(context.Context) (wechat.Token, error) {
		c.mu.Lock()
		pushed := c.pushedTicket
		c.mu.Unlock()
		if pushed.Valid(c.now()) {
			return pushed, nil
		}
		return wechat.Token{}, ErrNoTicket
	})
	return t.Value, err
}

// dropTicket forgets a ticket WeChat refused, so that the calls that
// follow fail with ErrNoTicket at once rather than each spend a request
// of api_component_token on it: from the store only while it still holds
// that ticket (another instance may have stored a new one), and from the
// process.
func (c *Client) dropTicket(ctx context.Context, ticket string) {
	c.mu.Lock()
	if c.pushedTicket.Value == ticket {
		c.pushedTicket = wechat.Token{}
	}
	c.mu.Unlock()
	if err := c.tokens.Invalidate(ctx, ticketKey, ticket); err != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "platform: dropping a refused component_verify_ticket failed", slog.String("error", err.Error()))
	}
}

type componentTokenRequest struct {
	AppID  string `json:"component_appid"`
	Secret string `json:"component_appsecret"`
	Ticket string `json:"component_verify_ticket"`
}

type componentTokenReply struct {
	Token     string      `json:"component_access_token"`
	ExpiresIn lenient.Int `json:"expires_in"`
}

// fetchComponentToken asks WeChat for a component_access_token with the
// stored ticket: the access token function of the platform's own Client,
// whose store caches it.
func (c *Client) fetchComponentToken(ctx context.Context) (string, time.Duration, error) {
	if c.secret == "" {
		return "", 0, fmt.Errorf("%w: the platform's AppSecret (WithAppSecret)", wechat.ErrMissingConfig)
	}
	ticket, err := c.ticket(ctx)
	if err != nil {
		return "", 0, err
	}
	var r componentTokenReply
	err = c.callID(ctx, endpoint.APIComponentToken, componentTokenRequest{c.appID, c.secret, ticket}, &r)
	if code := apiCode(err); code == codeTicketExpired || code == codeTicketInvalid {
		c.dropTicket(ctx, ticket)
		return "", 0, fmt.Errorf("%w: WeChat refused the stored one: %w", ErrNoTicket, err)
	}
	if err != nil {
		return "", 0, err
	}
	c.logger.LogAttrs(ctx, slog.LevelInfo, "platform: fetched component_access_token", slog.Int64("expires_in", int64(r.ExpiresIn)))
	return r.Token, lifetime(r.ExpiresIn), nil
}

// lifetime turns a reply's expires_in into a duration that does not
// overflow: seconds beyond what a time.Duration holds become the longest
// one, which the account's Client clamps to wechat.MaxTokenLifetime (and
// logs) as it clamps any lifetime longer than WeChat documents. Seconds
// below the shortest one become it, so that a hugely negative expires_in
// stays negative (refused, as any of zero or less is) rather than wrap
// around to a long positive lifetime.
func lifetime(expiresIn lenient.Int) time.Duration {
	const most = lenient.Int(math.MaxInt64 / int64(time.Second))
	return time.Duration(max(min(expiresIn, most), -most)) * time.Second
}

// callID calls the endpoint id with body, through the platform's Client.
func (c *Client) callID(ctx context.Context, id endpoint.ID, body, result any) error {
	ep := endpoint.Get(id)
	return c.component.Call(ctx, ep.Method, ep.Path, nil, body, result)
}

// apiCode returns the errcode of err, 0 if it is no *wechat.APIError.
func apiCode(err error) int {
	var ae *wechat.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

// RefreshTokenStore keeps the authorizer_refresh_token of each account
// authorized to one platform (give each platform a store, or a prefix, of
// its own). They are the platform's durable state: a refresh token lost
// is an account that has to authorize again (or be restored with
// RestoreRefreshTokens), so keep them in a store that survives restarts
// and is shared by every instance. The platform stores every token WeChat
// issues, including a new one api_authorizer_token hands back.
//
// Implementations are safe for concurrent use; MemoryRefreshTokenStore is
// one, redisstore.RefreshTokenStore another. wechattest.TestRefreshTokenStore
// checks one of your own against this contract.
type RefreshTokenStore interface {
	// RefreshToken returns the token stored for appID. It returns an
	// error matching ErrNoRefreshToken when none was stored, and one
	// matching ErrNotAuthorized when the last change was Revoke.
	RefreshToken(ctx context.Context, appID string) (string, error)
	// SetRefreshToken stores token for appID, replacing any, and lifts
	// a revocation: the account authorized the platform (again).
	SetRefreshToken(ctx context.Context, appID, token string) error
	// Revoke forgets the token of appID and remembers that the account
	// revoked the platform, until SetRefreshToken.
	Revoke(ctx context.Context, appID string) error
}

// A RefreshTokenSwapper is a RefreshTokenStore that can replace an
// account's token in one step, only while it is the one expected. A
// refresh that WeChat gave a new refresh token stores it with
// SwapRefreshToken when the store has it, so that a refresh paused past
// the account's lock (a long GC pause, a VM migration) cannot write its
// older token over one another instance stored meanwhile. Without it the
// platform reads the stored token before it writes, which leaves an
// instant between the two. MemoryRefreshTokenStore and
// redisstore.RefreshTokenStore implement it; a store that embeds one of
// them, to change SetRefreshToken, gets its SwapRefreshToken too, and
// must change that as well.
type RefreshTokenSwapper interface {
	RefreshTokenStore
	// SwapRefreshToken stores token for appID if old is the token
	// stored, and reports whether it did. An account with another
	// token, none, or revoked is left as it is.
	SwapRefreshToken(ctx context.Context, appID, old, token string) (bool, error)
}

// MemoryRefreshTokenStore is a RefreshTokenStore in memory, the default:
// private to the process and lost when it ends. The zero value is not
// usable; call NewMemoryRefreshTokenStore.
type MemoryRefreshTokenStore struct {
	mu      sync.Mutex
	tokens  map[string]string
	revoked map[string]bool
}

// NewMemoryRefreshTokenStore returns an empty MemoryRefreshTokenStore.
func NewMemoryRefreshTokenStore() *MemoryRefreshTokenStore {
	return &MemoryRefreshTokenStore{tokens: make(map[string]string), revoked: make(map[string]bool)}
}

// String describes the store without its tokens.
func (s *MemoryRefreshTokenStore) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("platform.MemoryRefreshTokenStore{accounts:%d, revoked:%d}", len(s.tokens), len(s.revoked))
}

// Format prints String for every verb, so that %+v and %#v (and log/slog,
// which formats with %+v) do not show the tokens.
func (s *MemoryRefreshTokenStore) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }

// RefreshToken implements RefreshTokenStore.
func (s *MemoryRefreshTokenStore) RefreshToken(_ context.Context, appID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.revoked[appID] {
		return "", ErrNotAuthorized
	}
	t, ok := s.tokens[appID]
	if !ok {
		return "", ErrNoRefreshToken
	}
	return t, nil
}

// SetRefreshToken implements RefreshTokenStore.
func (s *MemoryRefreshTokenStore) SetRefreshToken(_ context.Context, appID, token string) error {
	if token == "" {
		return fmt.Errorf("%w: empty refresh token", wechat.ErrInvalidArgument)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[appID] = token
	delete(s.revoked, appID)
	return nil
}

// SwapRefreshToken implements RefreshTokenSwapper.
func (s *MemoryRefreshTokenStore) SwapRefreshToken(_ context.Context, appID, old, token string) (bool, error) {
	if token == "" {
		return false, fmt.Errorf("%w: empty refresh token", wechat.ErrInvalidArgument)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[appID]; !ok || t != old || s.revoked[appID] {
		return false, nil
	}
	s.tokens[appID] = token
	return true, nil
}

// Revoke implements RefreshTokenStore.
func (s *MemoryRefreshTokenStore) Revoke(_ context.Context, appID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, appID)
	s.revoked[appID] = true
	return nil
}

// Authorizer returns the Client that calls WeChat for the authorized
// account appID: every API method of package wechat (menus, messages,
// users, materials, …) with the account's authorizer_access_token. The
// token is cached in the platform's token store (one fetch for every
// instance that shares it), refreshed through api_authorizer_token with
// the account's stored refresh token ahead of its expiry, and refreshed
// again when WeChat rejects it (40001, 42001), as any Client's token is.
// When there is no token to be had, the methods fail with an
// *AuthorizerError that matches ErrNotAuthorized, ErrNoRefreshToken or
// ErrNoTicket.
//
// The Client is built once per account and kept; it has no AppSecret and
// serves no webhook (Messages does, for every account). The platform's
// own AppID is an ErrInvalidArgument: it names no account.
func (c *Client) Authorizer(appID string) (*wechat.Client, error) {
	if appID == "" || appID == c.appID {
		return nil, fmt.Errorf("%w: AppID %q is not an account's", wechat.ErrInvalidArgument, appID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ac := c.authorizers[appID]; ac != nil {
		return ac, nil
	}
	ac, err := c.newClient(appID, wechat.WithAccessTokenFunc(func(ctx context.Context) (string, time.Duration, error) {
		return c.fetchAuthorizerToken(ctx, appID)
	}), wechat.WithoutDedup())
	if err != nil {
		return nil, err
	}
	c.authorizers[appID] = ac
	return ac, nil
}

type authorizerTokenRequest struct {
	ComponentAppID string `json:"component_appid"`
	AppID          string `json:"authorizer_appid"`
	RefreshToken   string `json:"authorizer_refresh_token"`
}

type authorizerTokenReply struct {
	AccessToken  string      `json:"authorizer_access_token"`
	ExpiresIn    lenient.Int `json:"expires_in"`
	RefreshToken string      `json:"authorizer_refresh_token"`
}

// fetchAuthorizerToken gets the account an authorizer_access_token: the
// one an authorization code just gave (QueryAuth), or a new one from
// api_authorizer_token with its refresh token. It is the access token
// function of the account's Client, whose store caches the result.
func (c *Client) fetchAuthorizerToken(ctx context.Context, appID string) (string, time.Duration, error) {
	if s, ok := c.takeSeed(appID); ok {
		return s.Value, s.ExpiresAt.Sub(c.now()), nil
	}
	rt, pending, err := c.refreshToken(ctx, appID)
	if err != nil {
		return "", 0, &AuthorizerError{AppID: appID, Err: err}
	}
	var r authorizerTokenReply
	err = c.callID(ctx, endpoint.APIAuthorizerToken, authorizerTokenRequest{c.appID, appID, rt}, &r)
	switch apiCode(err) {
	case codeNotAuthorized:
		err = fmt.Errorf("%w: %w", ErrNotAuthorized, err)
	case codeRefreshTokenInvalid:
		err = fmt.Errorf("%w: WeChat refused the stored one: %w", ErrNoRefreshToken, err)
	}
	if err != nil {
		return "", 0, &AuthorizerError{AppID: appID, Err: err}
	}
	switch {
	case r.RefreshToken != "" && r.RefreshToken != rt:
		// WeChat replaced the refresh token: the old one no longer
		// works, so this one must not be lost.
		replaced := rt
		if pending {
			replaced = "" // the store never had it
		}
		err = c.saveRefreshToken(ctx, appID, replaced, r.RefreshToken)
	case pending:
		err = c.saveRefreshToken(ctx, appID, "", rt)
	}
	if err != nil {
		return "", 0, &AuthorizerError{AppID: appID, Err: err}
	}
	return r.AccessToken, lifetime(r.ExpiresIn), nil
}

// refreshToken returns the account's refresh token: one WeChat gave that
// the store did not take yet (pending), or the stored one.
func (c *Client) refreshToken(ctx context.Context, appID string) (token string, pending bool, err error) {
	c.mu.Lock()
	t, ok := c.pending[appID]
	c.mu.Unlock()
	if ok {
		return t, true, nil
	}
	t, err = c.refresh.RefreshToken(ctx, appID)
	return t, false, err
}

// storeRefreshToken stores the account's refresh token and, once the
// store has it, drops the one kept in memory (pending), which it
// supersedes.
func (c *Client) storeRefreshToken(ctx context.Context, appID, token string) error {
	if err := c.refresh.SetRefreshToken(ctx, appID, token); err != nil {
		return err
	}
	c.mu.Lock()
	delete(c.pending, appID)
	c.mu.Unlock()
	return nil
}

// saveRefreshToken stores a refresh token a refresh of the account's
// access token obtained. When the store fails the token is kept in
// memory, used for the account's next refresh and stored then: it is
// logged at ERROR meanwhile, since the process is the only holder of a
// credential that cannot be had again.
//
// Storing a refresh token lifts a revocation, which is right for an
// authorization but not for a refresh that was on its way to WeChat when
// the account was revoked: then the token is dropped and the error
// matches ErrNotAuthorized, so that the refresh gives no access token
// either. The account's lock orders this against Revoke.
//
// replaced is the stored token the refresh used, if it used one. When the
// store holds another by now, an instance that took the account's lock
// over while this refresh was paused past it (a long GC pause, a VM
// migration) has stored a newer token, and this older one must not
// overwrite it. A RefreshTokenSwapper checks and writes in one step; with
// another store, a pause between the check and the write can still let
// the older token in.
func (c *Client) saveRefreshToken(ctx context.Context, appID, replaced, token string) error {
	l := c.accountLock(appID)
	l.Lock()
	defer l.Unlock()
	stored, err := c.refresh.RefreshToken(ctx, appID)
	switch {
	case errors.Is(err, ErrNotAuthorized):
		// Revoked, here or by another instance: a token kept while
		// the store failed must not be refreshed with either.
		c.mu.Lock()
		delete(c.pending, appID)
		c.mu.Unlock()
		return err
	case err == nil && replaced != "" && stored != replaced:
		c.keptNewer(ctx, appID)
		return nil
	}
	if sw, ok := c.refresh.(RefreshTokenSwapper); ok && replaced != "" {
		var swapped bool
		if swapped, err = sw.SwapRefreshToken(ctx, appID, replaced, token); err == nil {
			if !swapped {
				c.keptNewer(ctx, appID) // changed in the instant since the read
			}
			return nil
		}
	} else if err = c.storeRefreshToken(ctx, appID, token); err == nil {
		return nil
	}
	c.mu.Lock()
	c.pending[appID] = token
	c.mu.Unlock()
	c.logger.LogAttrs(ctx, slog.LevelError, "platform: storing a new authorizer_refresh_token failed; it is kept in memory until the store takes it",
		slog.String("appid", appID), slog.String("error", err.Error()))
	return nil
}

// keptNewer logs a refresh token not stored because the stored one
// changed during the refresh: another instance stored a newer one, or
// revoked the account.
func (c *Client) keptNewer(ctx context.Context, appID string) {
	c.logger.LogAttrs(ctx, slog.LevelWarn, "platform: the stored authorizer_refresh_token changed during this refresh (another instance stored a newer one, or the account was revoked); it is left as it is",
		slog.String("appid", appID))
}

// accountLock returns the lock that orders, for the account appID, a
// revocation and the storing of a refresh token a refresh obtained: one
// of a fixed set (FNV-1a of the AppID), so that the accounts cost no
// memory of their own.
func (c *Client) accountLock(appID string) *sync.Mutex {
	h := uint32(2166136261)
	for i := 0; i < len(appID); i++ {
		h = (h ^ uint32(appID[i])) * 16777619
	}
	return &c.accountLocks[h%uint32(len(c.accountLocks))]
}

// takeSeed returns, once, the access token an authorization code gave the
// account, if it is still valid.
func (c *Client) takeSeed(appID string) (wechat.Token, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.seeds[appID]
	delete(c.seeds, appID)
	return s, ok && s.ExpiresAt.After(c.now())
}

// Revoke stops the platform from using the account's tokens: its refresh
// token is forgotten (and the revocation stored, so that every instance
// sharing the RefreshTokenStore knows), its cached access token dropped
// from the token store, and its Client's calls fail with ErrNotAuthorized
// until it authorizes again. Events calls it for the unauthorized push.
func (c *Client) Revoke(ctx context.Context, appID string) error {
	if appID == "" {
		return fmt.Errorf("%w: empty AppID", wechat.ErrInvalidArgument)
	}
	l := c.accountLock(appID)
	l.Lock()
	err := c.refresh.Revoke(ctx, appID)
	c.mu.Lock()
	delete(c.seeds, appID)
	delete(c.pending, appID)
	c.mu.Unlock()
	l.Unlock()
	ac, aerr := c.Authorizer(appID)
	if aerr != nil {
		return errors.Join(err, aerr)
	}
	// A forced refresh drops the cached token (if the store still holds
	// it) and then finds the account revoked.
	if _, rerr := ac.RefreshAccessToken(ctx); rerr != nil && !errors.Is(rerr, ErrNotAuthorized) && err == nil {
		err = rerr
	}
	return err
}

// routeStore is the token store of the Messages webhook's Client, whose
// AppID is the platform's: a push's customer-service replies and typing
// (wechat.SendAsCustomerMessage, WithTyping) go with the token of the
// account the push is for, which AuthorizerAppID finds in the context.
type routeStore struct{ c *Client }

var (
	errNoAuthorizer = errors.New("platform: no authorizer in the context (the Messages handler sets it)")
	errForeignKey   = errors.New("platform: the Messages client keeps only an access token")
)

// accessTokenKeyPrefix begins the key a wechat.Client keeps its access
// token under. The Messages Client asks for nothing else today; a
// jsapi_ticket asked of routeStore must fail rather than be answered with
// an access token.
const accessTokenKeyPrefix = "wechat:access_token:"

// Token implements wechat.TokenStore: the access token of the account
// whose push is being served (AuthorizerAppID), fetched through the
// platform. The Client's own fetch is never used; any key but the
// access token's is refused.
func (s routeStore) Token(ctx context.Context, key string, _ wechat.FetchFunc) (wechat.Token, error) {
	if key != accessTokenKeyPrefix+s.c.appID {
		return wechat.Token{}, fmt.Errorf("%w (asked for %q)", errForeignKey, key)
	}
	appID := AuthorizerAppID(ctx)
	if appID == "" {
		return wechat.Token{}, errNoAuthorizer
	}
	ac, err := s.c.Authorizer(appID)
	if err != nil {
		return wechat.Token{}, err
	}
	return ac.AccessToken(ctx)
}

// Invalidate drops the account's token, which the Client keys by AppID
// as any Client does: the key it is given is the platform's own.
func (s routeStore) Invalidate(ctx context.Context, key, value string) error {
	appID := AuthorizerAppID(ctx)
	prefix, ok := strings.CutSuffix(key, s.c.appID)
	if appID == "" || !ok {
		return nil
	}
	return s.c.tokens.Invalidate(ctx, prefix+appID, value)
}
