// Package redisstore keeps in Redis what the processes of an application
// must share: as a wechat.TokenStore, one access_token and one
// jsapi_ticket, with one refresh per expiry reaching WeChat however many
// processes ask; as a wechat.DedupStore, the pushes their webhooks have
// seen, so that each push is handled once whichever process WeChat's
// retries land on. One Store serves both:
//
//	store, err := redisstore.New(rdb, "myapp:prod:")
//	client, err := wechat.New(..., wechat.WithTokenStore(store), wechat.WithDedupStore(store))
//
// # Tokens
//
// WeChat issues one access_token per AppID: fetching a new one retires the
// previous one a few minutes later, and the daily quota of token requests
// is small. Processes that each cache their own token log one another out
// and spend the quota; processes that share a Store do not.
//
// When a token is missing or expired, the processes race for a lock in
// Redis (SET NX with a lease, released only by its owner). The winner
// fetches the token and saves it with a TTL that ends at its expiry; the
// others poll Redis until the token appears, each for no longer than its
// own context allows. Within one process a single goroutine does the
// locking and polling for everyone. A holder that dies leaves the lock to
// expire after the lease; a holder that lives renews the lease until its
// fetch returns, or until the fetch timeout, when it gives up a fetch that
// has not returned and releases the lock. A holder that was paused past
// its lease (a long GC pause, SIGSTOP, a VM migration) may find the lock
// taken by another process when it resumes: it then does not save what it
// fetched, so that it cannot overwrite a newer token with an older one.
//
// # Pushes
//
// WeChat gives a push 5 seconds, then sends it again, three attempts in
// all, and a load balancer may hand each attempt to another process.
// Behind one, webhooks with a private store would each run the handler,
// and a retry could not return the reply of a handler that runs
// elsewhere. With a shared Store the first attempt runs the handler; a
// retry on another process finds the push in Redis, polls it, and
// returns the reply passively as soon as the handler has stored it; and
// the last attempt gives the push up at its deadline, atomically against
// the handler's end, so that while Redis answers a reply is either
// returned by an attempt or handed to the late-reply callback
// (wechat.WithLateReplyFunc) of the process that ran the handler, never
// both.
//
// Each push is one hash under prefix + key, read or written by one Redis
// command or Lua script per call, with a TTL of the push's ttl from its
// first attempt: until the push's timestamp is no longer accepted
// (wechat.WithTimestampWindow, five minutes by default), so that a
// captured push posted again is not handled again, and at least four
// times an attempt (20 seconds with the webhook's defaults). It holds the
// handler's reply once it is done: the plaintext XML of the passive
// reply, the conversation's content even when the push came encrypted
// (safe mode). Redis must be trusted with that content for those
// minutes; after them Redis deletes it. The errors of
// these methods do not name the push, whose key contains the sender's
// OpenID. When Redis fails, the webhook handles the push anyway and logs
// the error: a push handled twice is better than one lost.
//
// # Redis clients
//
// Every call returns when its context ends, and the refresh that runs
// detached from its callers is bounded by the lease and the fetch timeout,
// whatever options the Redis client was built with. But go-redis itself
// stops a command at its context's deadline only when the client has
// ContextTimeoutEnabled; without it, a command the Store has given up on
// keeps a goroutine and a connection until the client's ReadTimeout (five
// seconds by default, more with retries) ends it. Build the client with
// ContextTimeoutEnabled, and with timeouts near a second, since a healthy
// Redis answers the Store's small commands in milliseconds:
//
//	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
//		Addrs:                 []string{"127.0.0.1:6379"},
//		ContextTimeoutEnabled: true,
//		DialTimeout:           2 * time.Second,
//		ReadTimeout:           time.Second,
//		WriteTimeout:          time.Second,
//		PoolTimeout:           2 * time.Second,
//	})
//
// The Store does not own its Redis client: close the client yourself.
package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mpkit/wechat"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Defaults for the Options.
const (
	DefaultLease        = 10 * time.Second
	DefaultPollInterval = 50 * time.Millisecond
	DefaultFetchTimeout = 30 * time.Second
)

// ErrUnavailable reports that the Store could not use Redis: it was
// unreachable, timed out or answered with an error. The Redis error is
// wrapped too, so errors.Is and errors.As see both. Token also reports it
// when the refresh lock stays taken longer than a live holder with this
// Store's options keeps it (the lease and the fetch timeout), as a lock
// set by hand, or by a Store with a much longer lease, can be.
var ErrUnavailable = errors.New("redis unavailable")

// Store is a wechat.TokenStore, a wechat.DedupStore and a
// wechat.ReplyTracker kept in Redis. It
// is safe for concurrent use; build one per process and Redis client and
// share it between the Clients of that process. Create it with New.
type Store struct {
	rdb          redis.UniversalClient
	prefix       string
	lease        time.Duration
	pollInterval time.Duration
	fetchTimeout time.Duration
	logger       *slog.Logger

	// One flight per key in this process: its goroutines share one lock
	// attempt and one polling loop instead of each polling Redis.
	group singleflight.Group

	// Lua scripts, run with EVALSHA (EVAL the first time after a Redis
	// restart has emptied the script cache).
	read          *redis.Script
	lock          *redis.Script
	compareDelete *redis.Script
	compareExtend *redis.Script
	save          *redis.Script
	arrive        *redis.Script
	finish        *redis.Script
	giveUp        *redis.Script
	take          *redis.Script
	claimLate     *redis.Script
}

var _ wechat.TokenStore = (*Store)(nil)

// An Option configures a Store.
type Option func(*Store) error

// WithLease sets how long the refresh lock is held without renewal:
// DefaultLease by default. The holder renews it every third of the lease
// while its fetch runs, so the lease only bounds how long the others wait
// for a holder that died. It must be at least 10ms.
func WithLease(d time.Duration) Option {
	return func(s *Store) error {
		if d < 10*time.Millisecond {
			return fmt.Errorf("%w: redisstore: lease %v is shorter than 10ms", wechat.ErrInvalidConfig, d)
		}
		s.lease = d
		return nil
	}
}

// WithPollInterval sets how often a process that waits for another one's
// refresh looks for the new token: DefaultPollInterval by default.
func WithPollInterval(d time.Duration) Option {
	return positive("poll interval", d, func(s *Store) *time.Duration { return &s.pollInterval })
}

// WithFetchTimeout bounds a fetch from WeChat: DefaultFetchTimeout by
// default. The fetch runs apart from the context of the caller that
// started it, because other callers wait on it, so this is what stops it.
// A fetch that ignores its context is given up at this timeout (left to
// return in a goroutine of its own, its token unused), so that the lock,
// renewed while the fetch runs, is released.
func WithFetchTimeout(d time.Duration) Option {
	return positive("fetch timeout", d, func(s *Store) *time.Duration { return &s.fetchTimeout })
}

// positive is an Option that sets the duration field returns to d, which
// must be positive; name says what d is in the error.
func positive(name string, d time.Duration, field func(*Store) *time.Duration) Option {
	return func(s *Store) error {
		if d <= 0 {
			return fmt.Errorf("%w: redisstore: %s %v is not positive", wechat.ErrInvalidConfig, name, d)
		}
		*field(s) = d
		return nil
	}
}

// WithLogger sets the logger for failures the Store absorbs: a token that
// could not be saved (it is still returned), a token not saved because its
// fetch outlasted the lock, and a lock that could not be released (its
// lease ends it). Nothing is logged by default, and tokens never are.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) error {
		if l == nil {
			return fmt.Errorf("%w: redisstore: nil logger", wechat.ErrInvalidConfig)
		}
		s.logger = l
		return nil
	}
}

// New returns a Store that keeps tokens in rdb, which may be a single
// node, a Sentinel or a Cluster client. Every key the Store writes begins
// with prefix, which keeps applications or environments that share a Redis
// apart, for example "myapp:prod:". A token, or a push a webhook has seen,
// is kept under prefix + key, where key is the one the wechat.Client
// chooses (it includes the AppID), and a token's lock under "{" + prefix + key + "}:lock", a name that a Cluster
// hashes to the token's slot. If prefix has a hash tag of its own, such as
// "{myapp}:", the lock is prefix + key + ":lock" instead, which shares it.
// A prefix that contains "}" but no hash tag, such as "myapp}:" or "{}:",
// is refused: no lock name could share the token's slot, so on a Cluster
// no token would ever be saved and every call would fetch one from
// WeChat. It is refused whatever rdb is, so that a Store that works on a
// single node keeps working when its Redis becomes a Cluster.
//
// New fails with an error wrapping wechat.ErrInvalidConfig if rdb is nil,
// prefix is refused or an option is invalid. It does not contact Redis.
func New(rdb redis.UniversalClient, prefix string, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: redisstore: nil Redis client", wechat.ErrInvalidConfig)
	}
	if strings.Contains(prefix, "}") && !hasHashTag(prefix) {
		return nil, fmt.Errorf("%w: redisstore: prefix %q has a \"}\" outside a hash tag, which would put a token and its lock in different Cluster slots", wechat.ErrInvalidConfig, prefix)
	}
	s := &Store{
		rdb:           rdb,
		prefix:        prefix,
		lease:         DefaultLease,
		pollInterval:  DefaultPollInterval,
		fetchTimeout:  DefaultFetchTimeout,
		logger:        slog.New(slog.DiscardHandler),
		read:          redis.NewScript(readScript),
		lock:          redis.NewScript(lockScript),
		compareDelete: redis.NewScript(compareDeleteScript),
		compareExtend: redis.NewScript(compareExtendScript),
		save:          redis.NewScript(saveScript),
		arrive:        redis.NewScript(arriveScript),
		finish:        redis.NewScript(finishScript),
		giveUp:        redis.NewScript(giveUpScript),
		take:          redis.NewScript(takeScript),
		claimLate:     redis.NewScript(claimLateScript),
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readScript returns the token and its remaining lifetime in milliseconds
// in one atomic step, or nil when there is none.
const readScript = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}
`

// lockScript takes the lock KEYS[1] for its owner ARGV[1] with a lease of
// ARGV[2] milliseconds, returning 1, or returns 0 if another holds it. A
// lock without a TTL was not written by a Store (a key restored or copied
// without its TTL, or set by hand) and would otherwise block every
// refresh for good: it is given the lease, as if its holder had just
// died.
const lockScript = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return 1
end
if redis.call('PTTL', KEYS[1]) == -1 then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`

// compareDeleteScript deletes KEYS[1] only if it still holds ARGV[1]. It
// releases a lock only for its owner, and invalidates a token only if it
// is still the rejected one.
const compareDeleteScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`

// compareExtendScript renews the lease of a lock only for its owner.
const compareExtendScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`

// saveScript saves a fetched token (KEYS[1]) only while its fetcher
// (ARGV[1]) still holds the lock (KEYS[2]), so that a holder paused past
// its lease cannot overwrite the token saved by the process that took the
// lock after it. A lock that nobody holds over a missing token is as good
// as the fetcher's own: nobody else is fetching, and nothing newer can be
// overwritten, so the token is saved then too rather than fetched again by
// the next caller. It returns 1 when it saved ARGV[2] with a TTL of ARGV[3]
// milliseconds; otherwise the token stored and its remaining lifetime, as
// readScript does, or 0 when there is none.
//
// PTTL is negative for a missing key and for one without a TTL, which
// load treats as missing too.
const saveScript = `
local lock = redis.call('GET', KEYS[2])
if lock == ARGV[1] or (not lock and redis.call('PTTL', KEYS[1]) < 0) then
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
	return 1
end
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
return {v, redis.call('PTTL', KEYS[1])}
`

// lockKey returns the name of the lock of the token kept under tokenKey.
// The save script reads the lock and writes the token in one step, which a
// Cluster allows only for keys in one hash slot. A Cluster hashes a key by
// its hash tag, the text between its first "{" and the next "}", when that
// is not empty, and otherwise by the whole key. So the lock shares the
// token's tag if it has one, and otherwise has the token's whole name as
// its tag, which works unless that name contains "}": New refuses a prefix
// that would, and the keys a wechat.Client chooses have no braces.
func lockKey(tokenKey string) string {
	if hasHashTag(tokenKey) || strings.Contains(tokenKey, "}") {
		return tokenKey + ":lock"
	}
	return "{" + tokenKey + "}:lock"
}

// hasHashTag reports whether a Cluster hashes key by a hash tag.
func hasHashTag(key string) bool {
	i := strings.IndexByte(key, '{')
	return i >= 0 && strings.IndexByte(key[i+1:], '}') > 0
}

// Token implements wechat.TokenStore. It returns the token stored under
// key if there is one, and otherwise makes sure that one process fetches
// it while the others wait. An error wraps ErrUnavailable when Redis
// failed, or is the caller's context error when ctx ended first: Token
// returns when ctx ends even if Redis has not answered, whatever the
// options of the Redis client.
func (s *Store) Token(ctx context.Context, key string, fetch wechat.FetchFunc) (wechat.Token, error) {
	t, ok, err := s.load(ctx, key, redisError)
	if err != nil {
		if ctx.Err() != nil {
			return wechat.Token{}, ctx.Err()
		}
		return wechat.Token{}, err
	}
	if ok {
		return t, nil
	}
	if err := ctx.Err(); err != nil {
		return wechat.Token{}, err
	}
	// The flight outlives the caller that started it, since others may
	// be waiting on it; values such as trace ids are kept.
	detached := context.WithoutCancel(ctx)
	ch := s.group.DoChan(key, func() (any, error) {
		return s.refresh(detached, key, fetch)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return wechat.Token{}, r.Err
		}
		return r.Val.(wechat.Token), nil
	case <-ctx.Done():
		return wechat.Token{}, ctx.Err()
	}
}

// Invalidate implements wechat.TokenStore: it deletes the token stored
// under key only if its value is still value, so a token that another
// process has just refreshed is kept. Like Token, it returns when ctx
// ends, with an error wrapping ctx's, even if Redis has not answered.
func (s *Store) Invalidate(ctx context.Context, key, value string) error {
	if _, err := s.run(ctx, s.compareDelete, []string{s.prefix + key}, value); err != nil {
		return redisError("invalidating", key, err)
	}
	return nil
}

// load reads the token under key; ok is false when there is none. A
// failed read is wrapped by wrap: redisError or refreshError.
func (s *Store) load(ctx context.Context, key string, wrap func(op, key string, err error) error) (t wechat.Token, ok bool, err error) {
	res, err := s.run(ctx, s.read, []string{s.prefix + key})
	if errors.Is(err, redis.Nil) {
		return wechat.Token{}, false, nil
	}
	if err != nil {
		return wechat.Token{}, false, wrap("reading", key, err)
	}
	if pair, isPair := res.([]any); !isPair || len(pair) != 2 {
		return wechat.Token{}, false, fmt.Errorf("redisstore: reading %s: %w: unexpected reply to the read script", key, ErrUnavailable)
	}
	t, ok = storedToken(res)
	return t, ok, nil
}

// storedToken decodes the reply of readScript and saveScript that gives a
// stored token and its remaining lifetime in milliseconds; ok is false for
// any other reply, and for a key that has no TTL.
func storedToken(res any) (t wechat.Token, ok bool) {
	pair, _ := res.([]any)
	if len(pair) != 2 {
		return wechat.Token{}, false
	}
	value, _ := pair[0].(string)
	ttl, _ := pair[1].(int64)
	// A key without a TTL (-1) was not written by a Store: treat it as
	// expired so that a refresh replaces it.
	if value == "" || ttl <= 0 {
		return wechat.Token{}, false
	}
	// Redis, not this host's clock, decides when the token expires, so
	// processes whose clocks disagree still agree on the token.
	return wechat.Token{Value: value, ExpiresAt: time.Now().Add(time.Duration(ttl) * time.Millisecond)}, true
}

// refresh runs once per key and process at a time. It waits until the
// token appears or this process wins the lock, then fetches the token.
func (s *Store) refresh(ctx context.Context, key string, fetch wechat.FetchFunc) (wechat.Token, error) {
	// A live holder's fetch ends within fetchTimeout and a dead holder's
	// lock within the lease: waiting longer means something is wrong.
	wctx, cancel := context.WithTimeout(ctx, s.lease+s.fetchTimeout)
	defer cancel()
	owner := rand.Text() // identifies this holder, so that only it releases the lock
	lockKey := lockKey(s.prefix + key)
	timer := time.NewTimer(s.pollInterval)
	defer timer.Stop()
	for {
		t, ok, err := s.load(wctx, key, refreshError)
		if err != nil {
			return wechat.Token{}, err
		}
		if ok {
			return t, nil
		}
		// If wctx ends while this is in flight, a lock it takes anyway
		// is left to its lease, since nobody else knows owner.
		res, err := s.run(wctx, s.lock, []string{lockKey}, owner, s.lease.Milliseconds())
		if err != nil {
			return wechat.Token{}, refreshError("locking", key, err)
		}
		if won, _ := res.(int64); won == 1 {
			return s.fetchLocked(ctx, key, lockKey, owner, fetch)
		}
		timer.Reset(s.pollInterval)
		select {
		case <-timer.C:
		case <-wctx.Done():
			// Only the Store's own bound ends wctx, not a caller's
			// deadline, so the error must not look like one.
			return wechat.Token{}, fmt.Errorf("redisstore: waiting for another process to refresh %s: %w: the lock stayed taken past the lease and the fetch timeout", key, ErrUnavailable)
		}
	}
}

// fetchLocked fetches and saves the token while this process holds the
// lock, and releases the lock afterwards.
func (s *Store) fetchLocked(ctx context.Context, key, lockKey, owner string, fetch wechat.FetchFunc) (wechat.Token, error) {
	stop := s.keepLease(ctx, lockKey, owner)
	defer func() {
		stop()
		s.release(ctx, key, lockKey, owner)
	}()

	// The previous holder may have saved the token and released the lock
	// between our read and our lock.
	fctx, cancel := context.WithTimeout(ctx, s.fetchTimeout)
	defer cancel()
	t, ok, err := s.load(fctx, key, refreshError)
	if err != nil {
		return wechat.Token{}, err
	}
	if ok {
		return t, nil
	}

	// A fetch that ignores its context must not hold the lock for good,
	// renewed while it hangs: it is given up at the fetch timeout, left to
	// end in a goroutine of its own, and the lock is released.
	t, err = call(fctx, fetch)
	if err != nil {
		if err == fctx.Err() {
			err = fmt.Errorf("redisstore: fetching %s: no token within the fetch timeout of %v: %w", key, s.fetchTimeout, err)
		}
		return wechat.Token{}, err
	}
	// Save before releasing the lock, so that whoever takes the lock next
	// finds the token. A token that could not be saved is still good.
	ttl := time.Until(t.ExpiresAt)
	if ttl < time.Millisecond {
		return t, nil
	}
	sctx, cancel := context.WithTimeout(ctx, s.lease)
	defer cancel()
	res, err := s.run(sctx, s.save, []string{s.prefix + key, lockKey}, owner, t.Value, ttl.Milliseconds())
	if err != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "redisstore: saving the fetched token failed; it is returned but not shared",
			slog.String("key", key), slog.String("error", err.Error()))
		return t, nil
	}
	if saved, ok := res.(int64); ok && saved == 1 {
		return t, nil
	}
	// The lease ended while this process could not renew it, and another
	// process has taken the lock since. Two tokens are then valid for a
	// while: WeChat keeps the older one working for about five minutes
	// after issuing the newer. Which of the two is the newer cannot be
	// told: usually it is the other process's, fetched after the lease
	// ended while this one was paused with its answer unread, but it is
	// this one's if its request left only after the pause. The token in
	// Redis is the one to return: it works now either way (the newer for
	// its whole life, the older for minutes after a fetch that has only
	// just returned), while ours is dead already if it was the older and
	// the pause outlasted those minutes. It is also the one every other
	// process is using, and if it is the older, the first API call it
	// fails invalidates it for all of them.
	if stored, ok := storedToken(res); ok {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "redisstore: lost the refresh lock before saving the fetched token; returning the token another process saved",
			slog.String("key", key))
		return stored, nil
	}
	// The process that holds the lock now is still fetching: it will save
	// its token, which ours must not overwrite. Ours is valid meanwhile.
	s.logger.LogAttrs(ctx, slog.LevelWarn, "redisstore: lost the refresh lock before saving the fetched token; it is returned but not shared",
		slog.String("key", key))
	return t, nil
}

// keepLease renews the lock every third of the lease until stop is called,
// so that a fetch slower than the lease does not let another process in.
// fetchLocked calls stop once the fetch has returned or been given up at
// the fetch timeout, and the token saved, which waits a lease at most: a
// lock is held for the fetch timeout and a lease, and then released.
func (s *Store) keepLease(ctx context.Context, lockKey, owner string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(s.lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				rctx, cancel := context.WithTimeout(ctx, s.lease/3)
				// A failed renewal is not fatal: the next tick retries, and
				// at worst another process fetches too.
				_, _ = s.run(rctx, s.compareExtend, []string{lockKey}, owner, s.lease.Milliseconds())
				cancel()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// release deletes the lock if this process still owns it.
func (s *Store) release(ctx context.Context, key, lockKey, owner string) {
	rctx, cancel := context.WithTimeout(ctx, s.lease)
	defer cancel()
	if _, err := s.run(rctx, s.compareDelete, []string{lockKey}, owner); err != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "redisstore: releasing the refresh lock failed; its lease will end it",
			slog.String("key", key), slog.String("error", err.Error()))
	}
}

// run runs a script through call.
func (s *Store) run(ctx context.Context, script *redis.Script, keys []string, args ...any) (any, error) {
	return call(ctx, func(ctx context.Context) (any, error) {
		return script.Run(ctx, s.rdb, keys, args...).Result()
	})
}

// call runs cmd, which sends one Redis command or script (or, in
// fetchLocked, fetches a token), and returns when cmd has returned or ctx
// has ended, whichever comes first.
//
// go-redis ignores context deadlines and cancellation unless its client
// was built with ContextTimeoutEnabled: with the default options, a
// command to a Redis that hangs fails only after the client's ReadTimeout
// of five seconds, or later when go-redis retries it. The Store must keep
// to its callers' deadlines and to its own timeouts whatever options its
// client was given, and without that option go-redis cannot interrupt a
// command once sent. So call leaves a command that outlives ctx running in
// a goroutine of its own and returns ctx's error. go-redis ends the
// command at the client's own timeouts (or at ctx's deadline, with
// ContextTimeoutEnabled) and closes its connection rather than reuse one
// with a reply still to come; the goroutine leaves the result in a
// buffered channel that nobody reads, and exits. An abandoned command thus
// holds what its caller would have held blocked in it, one goroutine and
// one connection, for no longer, while the caller goes on.
//
// An abandoned command may still take effect after its caller has given
// up. Each token command the Store sends is harmless then: a read changes
// nothing, the save, the renewal and the deletions compare before they
// write, and a lock taken that way ends with its lease. The dedup scripts
// are not all so: the webhook reads an error as the worst case for the
// user (a reply lost rather than sent twice), and a Finish that took
// effect is claimed through the store again (see wechat.ReplyTracker),
// but a Take, GiveUp or ClaimLate that took effect after its caller gave
// up may leave a reply marked taken that no attempt carried.
func call[T any](ctx context.Context, cmd func(context.Context) (T, error)) (T, error) {
	if ctx.Done() == nil {
		// Nothing can end ctx, so there is nothing to return early for.
		return cmd(ctx)
	}
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := cmd(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// refreshError wraps a failed Redis command that a refresh sent under one
// of the Store's own timeouts. The refresh runs detached from its callers,
// so a deadline there is not theirs: Redis did not answer within the
// lease or the fetch timeout, which is Redis failing, and is reported as
// go-redis reports its own timeouts, as ErrUnavailable without a context
// error that a caller would take for its own.
func refreshError(op, key string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("redisstore: %s %s: %w: no answer in time", op, key, ErrUnavailable)
	}
	return redisError(op, key, err)
}

// redisError wraps a failed Redis command. Context errors are not Redis's
// fault and are not marked ErrUnavailable.
func redisError(op, key string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("redisstore: %s %s: %w", op, key, err)
	}
	return fmt.Errorf("redisstore: %s %s: %w: %w", op, key, ErrUnavailable, err)
}
