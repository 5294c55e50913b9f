package wechat

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// Defaults of the webhook's timing.
const (
	// DefaultReplyTimeout is how long an attempt at a push waits for the
	// handler's reply: just under the 5 seconds WeChat waits, the rest
	// left for the network.
	DefaultReplyTimeout = 4500 * time.Millisecond
	// DefaultHandlerTimeout is the deadline of the handler's context.
	// A handler is not bound to an attempt: one that needs a language
	// model for 30 seconds still gets its answer to the user (see
	// SlowReplyMode).
	DefaultHandlerTimeout = 60 * time.Second
)

// SlowReplyMode says what the webhook does when the handler has not
// replied by the deadline of an attempt (WithReplyTimeout). Whatever the
// mode, the handler runs once per push and its reply reaches the user at
// most once.
type SlowReplyMode int

const (
	// WaitForRetry, the default, lets WeChat retry: the attempt is not
	// answered, so WeChat sends the push again after its 5 seconds; the
	// retry joins the running handler instead of starting another, and
	// returns its reply passively as soon as it is ready. That gives a
	// handler about 15 seconds over WeChat's three attempts. The last
	// attempt is answered "success" before WeChat gives up, so that the
	// user never sees "该公众号提供的服务出现故障"; a reply that comes later
	// still goes to the WithLateReplyFunc callback. It works for every
	// account type, including unverified subscription accounts, which may
	// not send customer-service messages. It needs deduplication (on by
	// default); with WithoutDedup the webhook answers "success" at the
	// deadline instead.
	WaitForRetry SlowReplyMode = iota

	// SendAsCustomerMessage answers "success" at the deadline and, when
	// the handler is done, sends its reply to the user as a
	// customer-service message (text, image, voice, video, music and news
	// map to their customer-service kinds; see Client.SendReply), which
	// the 48-hour window of the user's last message allows. It needs the
	// Client's AppSecret and an account that may send customer-service
	// messages (verified subscription and service accounts). With
	// WithTyping the user sees "typing" in the meantime. A send that
	// fails is logged and handed to the WithLateReplyFunc callback.
	SendAsCustomerMessage
)

// String returns the mode's name.
func (m SlowReplyMode) String() string {
	switch m {
	case WaitForRetry:
		return "WaitForRetry"
	case SendAsCustomerMessage:
		return "SendAsCustomerMessage"
	}
	return fmt.Sprintf("SlowReplyMode(%d)", int(m))
}

// LateReply is a reply the webhook could not return passively: the
// handler finished after the push's last attempt was answered, or no
// attempt came to take it.
type LateReply struct {
	// Message is the push the handler answered.
	Message *Message
	// Reply is the handler's reply; nil if it returned none.
	Reply Reply
	// Err is the handler's error or panic, or why the customer-service
	// send failed.
	Err error
	// Sent reports that Reply reached the user as a customer-service
	// message (SendAsCustomerMessage).
	Sent bool
}

// WithReplyTimeout sets how long an attempt at a push waits for the
// handler's reply before the webhook answers for it as its SlowReplyMode
// says: DefaultReplyTimeout by default. WeChat gives an attempt 5
// seconds; keep it under that. Tests shorten it to play WeChat's retries
// in milliseconds (wechattest.Webhook's Timeout).
func WithReplyTimeout(d time.Duration) Option {
	return positive(d, "reply timeout", func(c *Client) *time.Duration { return &c.replyTimeout })
}

// WithHandlerTimeout sets the deadline of the context a webhook handler
// gets: DefaultHandlerTimeout by default. That context is not cancelled
// when WeChat drops the connection, only at this deadline.
func WithHandlerTimeout(d time.Duration) Option {
	return positive(d, "handler timeout", func(c *Client) *time.Duration { return &c.handlerTimeout })
}

// WithSlowReplyMode sets what the webhook does with a handler that
// overruns an attempt: WaitForRetry by default.
func WithSlowReplyMode(m SlowReplyMode) Option {
	return func(c *Client) error {
		if m != WaitForRetry && m != SendAsCustomerMessage {
			return fmt.Errorf("%w: unknown %v", ErrInvalidConfig, m)
		}
		c.slowMode = m
		return nil
	}
}

// WithTyping makes a webhook in SendAsCustomerMessage mode show the user
// "typing" (SetTyping) while a handler runs past the deadline.
func WithTyping() Option {
	return func(c *Client) error {
		c.typing = true
		return nil
	}
}

// WithLateReplyFunc sets the function a webhook hands every late reply to:
// in WaitForRetry mode one that came after the last attempt was
// answered, or that no attempt took by the end of WeChat's attempts
// (about three of them after the first arrived: its retries went to
// another process, or were lost), in SendAsCustomerMessage mode each
// reply it sent, or failed to send, as a customer-service message. It is
// called on the handler's goroutine, with the handler's context (one
// without its deadline if that has passed while the attempts ran out).
// Without it a late reply is logged.
func WithLateReplyFunc(f func(ctx context.Context, late LateReply)) Option {
	return func(c *Client) error {
		if f == nil {
			return fmt.Errorf("%w: nil late reply func", ErrInvalidConfig)
		}
		c.lateReply = f
		return nil
	}
}

// WithDedupStore sets where the webhook keeps the pushes it has seen (see
// DedupStore): a private MemoryDedupStore by default. Share one store,
// such as redisstore.Store, between the processes behind a load
// balancer, so that a retry that lands on another process joins the
// first attempt's handler instead of running it again.
func WithDedupStore(s DedupStore) Option {
	return func(c *Client) error {
		if s == nil {
			return fmt.Errorf("%w: nil DedupStore (use WithoutDedup)", ErrInvalidConfig)
		}
		c.dedup, c.dedupOff = s, false
		return nil
	}
}

// WithoutDedup turns deduplication off: every attempt WeChat makes at a
// push runs the handler, and WaitForRetry cannot join a running handler,
// so a handler that overruns is answered "success" at the deadline.
func WithoutDedup() Option {
	return func(c *Client) error {
		c.dedup, c.dedupOff = nil, true
		return nil
	}
}

// wechatWait is how long WeChat waits for the answer to an attempt,
// whatever the reply timeout.
const wechatWait = 5 * time.Second

// span is how long WeChat gives an attempt: the reply timeout is nine
// tenths of it (4.5 s of 5 s by default).
func (c *Client) span() time.Duration { return c.replyTimeout * 10 / 9 }

// dedupTTL is how long a push that arrives at now is remembered: the
// three attempts and a span to spare, and for as long as its timestamp
// (Unix seconds, signed with it) is accepted. A push posted again later
// in the window is a replay of a captured request, not one of WeChat's
// attempts: remembered, it is answered as a retry is, and the handler
// does not run twice.
func (c *Client) dedupTTL(timestamp int64, now time.Time) time.Duration {
	ttl := (pushAttempts + 1) * c.span()
	if c.timestampWindow > 0 {
		// In seconds, as checkTimestamp compares: it accepts the second
		// timestamp+window whole. The timestamp is within the window of
		// now, so only a window of over a century could overflow, and
		// its negative sum leaves the attempts' ttl.
		left := c.timestampWindow + time.Duration(timestamp-now.Unix()+1)*time.Second
		ttl = max(ttl, left)
	}
	return ttl
}

// push is one attempt at a push that passed verification and parsed.
type push struct {
	w         http.ResponseWriter
	r         *http.Request
	msg       *Message
	encrypted bool
	token     int // the token and key of an encrypted push, for the reply
	key       int
	nonce     string
	timestamp int64 // the query's, in Unix seconds (see dedupTTL)
	// unrecorded reports that the store failed to record this attempt:
	// the store then does not know the push, and a Finish that finds
	// none says nothing of other attempts.
	unrecorded bool
	// arrived is when the attempt came, set before a call to a store
	// that may take time (not MemoryDedupStore): the attempt's deadline
	// counts from it (see remaining).
	arrived time.Time

	hctx handlerContext // the handler's, when this attempt runs it
}

// remaining is what is left of d, a time from the attempt's arrival:
// WeChat's clock started then, not when the dedup store answered.
func (p *push) remaining(d time.Duration) time.Duration {
	if p.arrived.IsZero() {
		return d
	}
	return d - time.Since(p.arrived)
}

// flight is a push whose handler runs in this process; the attempts
// that arrive meanwhile wait for it to land. Its fields are guarded by
// the lock of its flights.
type flight struct {
	// done is made when the first attempt waits, closed when the flight
	// lands: a push without retries costs no channel.
	done   chan struct{}
	landed bool
	reply  []byte // the plaintext reply, once landed
	// remote reports that another process runs the handler: waiters
	// poll the store instead.
	remote bool
	// What this process knows of the push without the store, for when
	// the store fails: when its first attempt came, how many came, and
	// whether the last gave it up.
	first    time.Time
	attempts int
	gaveUp   bool
	// unrecorded counts the attempts whose Arrive the store failed:
	// the store's count of attempts lacks them (see claimLate).
	unrecorded int
	// claimed reports that an attempt of this process runs the handler.
	// The store names the attempt it counted first, and that need not
	// be the one that opened the flight: two attempts' Arrives may
	// reach it in either order.
	claimed bool
	// waiters counts the attempts waiting for the flight to land, and
	// taken reports that one was given its reply: a reply that no
	// attempt here waits for or took may go late (see claimLate).
	waiters int
	taken   bool
	// late reports that claimLate took the reply back to hand it on:
	// an attempt here that the store gives the reply to after that
	// (its Arrive was still on the network) must not carry it too.
	late bool
	// took, made for a late claim (tookChan), is closed once an
	// attempt here took the reply.
	took chan struct{}
}

// flights are the pushes whose handlers run in this process.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

// join counts an attempt, made at now, at the flight of key, registering
// a new flight for the first; created reports which, and local is what
// this process knows of the push.
func (fs *flights) join(key string, now time.Time) (f *flight, created bool, local PushState) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f = fs.m[key]; f == nil {
		if fs.m == nil {
			fs.m = make(map[string]*flight)
		}
		f = &flight{first: now}
		fs.m[key] = f
		created = true
	}
	f.attempts++
	return f, created, PushState{Attempt: f.attempts, First: f.first}
}

// giveUp marks f as answered without its reply, unless it has landed;
// then it returns the reply, and landed true.
func (fs *flights) giveUp(f *flight) (reply []byte, landed bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.landed && !f.remote {
		f.markTaken()
		return f.reply, true
	}
	f.gaveUp = true
	return nil, false
}

// wait returns a channel closed when f lands. The attempt that waits
// calls leave when it stops waiting.
func (fs *flights) wait(f *flight) <-chan struct{} {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.done == nil {
		f.done = make(chan struct{})
		if f.landed {
			close(f.done)
		}
	}
	f.waiters++
	return f.done
}

// leave ends an attempt's wait for f.
func (fs *flights) leave(f *flight) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f.waiters--
}

// result returns what f landed with, for an attempt that answers with it;
// call it once the wait channel is closed.
func (fs *flights) result(f *flight) (reply []byte, remote bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !f.remote {
		f.markTaken()
	}
	return f.reply, f.remote
}

// unrecord counts an attempt at f that the store failed to record.
func (fs *flights) unrecord(f *flight) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f.unrecorded++
}

// took records that an attempt that joined f answers with the reply the
// store gave it, and reports whether it may: not once the reply went
// late.
func (fs *flights) took(f *flight) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f.markTaken()
	return !f.late
}

// markTaken records that an attempt here answers with f's reply, and
// tells f's late claim, if any. The flights' lock is held.
func (f *flight) markTaken() {
	if f.taken {
		return
	}
	f.taken = true
	if f.took != nil {
		close(f.took)
	}
}

// tookChan returns a channel closed once an attempt here took f's reply,
// for f's late claim.
func (fs *flights) tookChan(f *flight) <-chan struct{} {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.took == nil {
		f.took = make(chan struct{})
		if f.taken {
			close(f.took)
		}
	}
	return f.took
}

// claimLate decides, once WeChat's attempts are over, whether the reply
// f landed with is for late delivery as far as this process knows: taken
// reports that an attempt here took it, busy that one still waits for it
// (ask again later). Otherwise the reply is removed from f, so that no
// attempt here takes it now, and attempts is how many attempts of this
// process joined f that the store counted too.
func (fs *flights) claimLate(f *flight) (taken, busy bool, attempts int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	switch {
	case f.waiters > 0:
		return false, true, 0
	case f.taken:
		return true, false, 0
	}
	f.reply, f.taken, f.late = nil, true, true
	return false, false, f.attempts - f.unrecorded
}

// claim makes the attempt the store counted first the one of this
// process that runs the handler, unless another attempt here does
// already (ok false). It returns the flight to land when the handler is
// done: f, or nil if f has landed already, taken for another process's
// by an attempt the store counted after this one; its followers poll the
// store, which gets this attempt's reply.
func (fs *flights) claim(f *flight) (lead *flight, ok bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.claimed {
		return nil, false
	}
	f.claimed = true
	if f.landed {
		return nil, true
	}
	return f, true
}

// landRemote lands f as another process's flight, unless an attempt of
// this process claimed it: then it reports false, and f lands when that
// attempt's handler is done.
func (fs *flights) landRemote(key string, f *flight) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.claimed {
		return false
	}
	fs.landLocked(key, f, nil, true)
	return true
}

// land publishes the flight's result and forgets it. It reports whether
// an attempt of this process gave the push up first.
func (fs *flights) land(key string, f *flight, reply []byte, remote bool) (gaveUp bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.landLocked(key, f, reply, remote)
}

// landLocked is land with fs.mu held.
func (fs *flights) landLocked(key string, f *flight, reply []byte, remote bool) (gaveUp bool) {
	if fs.m[key] == f {
		delete(fs.m, key)
	}
	f.reply, f.remote, f.landed = reply, remote, true
	if f.done != nil {
		close(f.done)
	}
	return f.gaveUp
}

// storeContext bounds a call of the DedupStore: a store that hangs must
// not use up the attempt it serves. The call outlives WeChat's connection,
// so that a reply is kept after WeChat has dropped the first attempt. The
// in-memory store never waits, so it costs no timer.
func (c *Client) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := c.dedup.(*MemoryDedupStore); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), c.replyTimeout/10)
}

// storeFailed logs a DedupStore error; the webhook goes on without it.
func (c *Client) storeFailed(ctx context.Context, what string, err error) {
	c.logger.LogAttrs(ctx, slog.LevelWarn, "wechat: webhook dedup store failed "+what+"; going on without it",
		slog.String("error", err.Error()))
}

// dispatch hands a push to the handler once, however many attempts
// arrive, and answers each attempt.
func (wh *webhook) dispatch(p *push) {
	c := wh.c
	if wh.h == nil {
		wh.answer(p, nil)
		return
	}
	if c.dedup == nil {
		wh.lead(p, "", nil)
		return
	}
	ctx := p.r.Context()
	key := pushKey(c.appID, p.msg)
	now := c.now()
	if ms, ok := c.dedup.(*MemoryDedupStore); ok {
		// The in-memory store is this process's own: its entries are the
		// flights, and it cannot fail.
		st, _ := ms.Arrive(ctx, key, now, c.dedupTTL(p.timestamp, now))
		if st.Attempt <= 1 {
			wh.lead(p, key, nil)
		} else {
			wh.retried(p, key, st)
		}
		return
	}
	p.arrived = time.Now()
	f, created, local := wh.flights.join(key, now)
	sctx, cancel := c.storeContext(ctx)
	st, err := c.dedup.Arrive(sctx, key, now, c.dedupTTL(p.timestamp, now))
	cancel()
	if err != nil {
		// Fail open: a push handled twice is better than one lost. What
		// this process has seen of the push stands in for the store.
		c.storeFailed(ctx, "to record an attempt", err)
		st, p.unrecorded = local, true
		wh.flights.unrecord(f)
	}
	switch {
	case !created && (st.Done || st.GivenUp):
		// The push is over (the watchdog gave it up, its reply went as
		// a customer-service message, or it is done): nothing is
		// waited for.
		if st.Done && !wh.flights.took(f) && !c.tracked() {
			// This process's late claim took the flight's reply back.
			// A ReplyTracker decides for itself: its claim, coming after
			// this Arrive, finds the reply taken, and the attempt
			// carries it.
			st.Reply = nil // it goes late
		}
		wh.retried(p, key, st)
	case st.Attempt <= 1 && (created || err == nil):
		// The store counted this attempt first. For one that joined a
		// flight, its Arrive overtook that of the attempt that opened
		// it, which will take the push for another process's: this one
		// runs the handler, or no attempt would.
		if lf, ok := wh.flights.claim(f); ok {
			wh.lead(p, key, lf)
		} else {
			wh.follow(p, key, f, st)
		}
	case !created:
		wh.follow(p, key, f, st)
	default:
		// Another process runs the handler: let the attempts of this
		// process that arrive meanwhile poll the store too. Unless an
		// attempt here was counted first and runs it.
		if wh.flights.landRemote(key, f) {
			wh.retried(p, key, st)
		} else {
			wh.follow(p, key, f, st)
		}
	}
}

// retried answers a retry of a push this process does not run the
// handler of: at once when the push is done or given up, else by
// waiting for the reply (follow).
func (wh *webhook) retried(p *push, key string, st PushState) {
	switch {
	case st.Done:
		wh.answer(p, st.Reply)
	case st.GivenUp:
		wh.answer(p, nil)
	default:
		wh.follow(p, key, nil, st)
	}
}

// lead runs the handler for the first attempt at a push, on the
// request's goroutine, with a context that outlives WeChat's connection.
// In WaitForRetry mode the attempt is answered when the reply is ready,
// however late: WeChat will have retried, and the retry takes the reply
// from the flight. Otherwise a watchdog answers "success" at the deadline.
func (wh *webhook) lead(p *push, key string, f *flight) {
	c := wh.c
	hctx := &p.hctx
	hctx.init(p.r.Context(), c.handlerTimeout)
	defer hctx.end(context.Canceled)
	arrived := p.arrived
	if arrived.IsZero() {
		// Not read before MemoryDedupStore, which answers at once: the
		// handler's context was started now.
		arrived = hctx.deadline.Add(-c.handlerTimeout)
	}

	var g *watchdog
	if c.slowMode == SendAsCustomerMessage || c.dedup == nil {
		g = &watchdog{wh: wh, p: p, key: key}
		t := time.AfterFunc(p.remaining(c.replyTimeout), g.expire)
		defer t.Stop()
	}
	reply, err := serveMessage(hctx, wh.h, p.msg)
	if err != nil {
		wh.logFailure(hctx, p.msg, "wechat: webhook handler failed", err)
		reply = nil
	}
	out := wh.render(hctx, p.msg, reply)

	answered := g != nil && g.finish()
	var k kept
	switch {
	case answered:
		// The watchdog answered "success" for the attempt, and gave the
		// push up: no attempt may carry the reply.
		k.route = goesLate
		if f != nil {
			wh.flights.land(key, f, nil, false)
		}
	case key == "":
		k.route = answeredHere
	default:
		// WeChat dropped this attempt: the reply, or the handler's
		// error, waits for a retry that may never come to this process
		// (a load balancer sent it elsewhere, or it was lost). A handler
		// that gave neither has nothing to hand on. An attempt still
		// open may carry the reply, however long it took: WeChat waits
		// its own 5 seconds, which a reply timeout set shorter does not
		// change, so the span says nothing of whether WeChat is there.
		dropped := p.r.Context().Err() != nil && (reply != nil || err != nil)
		k = wh.keep(p, key, f, out, dropped, arrived)
	}
	switch {
	case answered:
	case k.route == goesLate:
		// The attempt may still be open: it must not carry a reply that
		// goes late as well.
		wh.answer(p, nil)
	default:
		wh.answer(p, out)
	}
	lctx := context.Context(hctx)
	switch k.route {
	case answeredHere:
		return
	case keptForAttempts:
		if wh.carriedLater(p, key, f, arrived, k, out) {
			return
		}
		if hctx.Err() != nil {
			// The handler's deadline came while the attempts ran out:
			// the late reply still gets a context it can send with.
			lctx = context.WithoutCancel(hctx)
		}
	}
	wh.late(lctx, p.msg, reply, err)
}

// A replyRoute is where the reply of a push's handler goes.
type replyRoute int

const (
	// answeredHere: the attempt that ran the handler answers with the
	// reply, and attempts that come later (replays) are given it too.
	answeredHere replyRoute = iota
	// keptForAttempts: WeChat dropped the attempt that ran the handler;
	// the reply is kept for a retry to take, and goes late if none does
	// while WeChat's attempts last (carriedLater).
	keptForAttempts
	// goesLate: no attempt may carry the reply; it goes to
	// WithLateReplyFunc.
	goesLate
)

// kept is what keep decided for a reply, and what it leaves for the late
// claim: the memory store's watch of the push (nil for another store)
// and whether the store holds the reply.
type kept struct {
	route  replyRoute
	watch  *lateWatch
	stored bool
	// unsure reports that Finish failed: the store may hold the reply
	// all the same (a call that outlived its deadline).
	unsure bool
}

// keep stores the handler's rendered reply out for the push's attempts,
// lands the flight f (if this process has one), and decides where the
// reply goes: answered by this attempt, kept for retries (dropped: WeChat
// has dropped this attempt), or late, when the last attempt gave the push
// up first or the store forgot it.
func (wh *webhook) keep(p *push, key string, f *flight, out []byte, dropped bool, arrived time.Time) kept {
	c := wh.c
	if past := time.Since(arrived); past >= (pushAttempts+1)*c.span() && (dropped || past >= wechatWait) {
		// Past WeChat's attempts none can take the reply. When no retry
		// reached this webhook, none gave the push up either: the
		// handler does, as the last attempt would have, so that the
		// reply goes late instead of into the store for nobody. This
		// attempt counts as over when its connection is, or when it has
		// outlived WeChat's own wait (a proxy may keep the connection
		// after WeChat hung up); before that WeChat may still be there,
		// when a short reply timeout makes short spans, and the attempt
		// carries the reply.
		sctx, cancel := c.storeContext(p.r.Context())
		if _, err := c.dedup.GiveUp(sctx, key); err != nil {
			c.storeFailed(&p.hctx, "to give a push up", err)
		}
		cancel()
	}
	var k kept
	var serr error
	if ms, ok := c.dedup.(*MemoryDedupStore); ok && dropped {
		// Watched as it is stored: a retry may take the reply at once,
		// and the store forget the push before the claim begins; the
		// watch keeps that it was taken.
		k.stored, k.watch = ms.finishWatched(key, out)
	} else {
		sctx, cancel := c.storeContext(p.r.Context())
		k.stored, serr = c.dedup.Finish(sctx, key, out)
		cancel()
	}
	if serr != nil {
		c.storeFailed(&p.hctx, "to keep a reply", serr)
		k.unsure = true
	}
	// A reply the store did not take was given up by the last attempt,
	// or forgotten after WeChat's retries: no attempt may carry it.
	// Without the store (it failed now, or when this attempt arrived, so
	// that it has no push to take the reply for), this process's attempts
	// tell. The store holds the reply then even for an attempt it failed
	// to record: a retry it did record opened the push there, and
	// attempts elsewhere may carry it.
	usable := k.stored || serr != nil || p.unrecorded
	carried := out
	if !usable {
		carried = nil
	}
	gaveUp := f != nil && wh.flights.land(key, f, carried, false)
	switch {
	case gaveUp || !usable:
		k.route = goesLate
	case dropped:
		k.route = keptForAttempts
	default:
		k.route = answeredHere
	}
	return k
}

// carriedLater waits until WeChat's attempts at the push are over, the
// first having arrived at arrived, for the reply out the handler finished
// after WeChat dropped the first attempt, and reports whether an attempt
// took it meanwhile. If none did, it makes sure none can now, and the
// caller hands the reply on as late: the reply goes one way, never both.
// Attempts of this process are known exactly, by the lock of the memory
// store, whose push k.watch watches (nil for another store), or of the
// flight f (nil if it was another process's). k.stored reports that a
// shared store holds the reply too, where an attempt that another process
// counted is taken to have carried it, or to give the push up: that
// process decides. k.unsure reports that the handler's Finish failed, yet
// may have stored the reply: a ReplyTracker is given it again and
// decides.
func (wh *webhook) carriedLater(p *push, key string, f *flight, arrived time.Time, k kept, out []byte) bool {
	w, inStore := k.watch, k.stored
	c := wh.c
	// An attempt here that took the reply settles the claim at once:
	// the claims below find it taken, however long they would wait.
	var took <-chan struct{}
	switch {
	case w != nil:
		took = w.took
	case f != nil:
		took = wh.flights.tookChan(f)
	}
	// A take at another process is known to a ReplyTracker only: ask it
	// now and then, so that the wait ends with such a take too.
	t, tracker := c.dedup.(ReplyTracker)
	var ask <-chan time.Time
	if w == nil && inStore && tracker {
		tick := time.NewTicker(min(c.span()/5, time.Second))
		defer tick.Stop()
		ask = tick.C
	}
	wait := time.Until(arrived.Add(pushAttempts * c.span()))
	for {
		if wait > 0 && wh.awaitClaim(p, key, wait, took, ask) {
			return true
		}
		// An attempt that waits takes the reply as it wakes, or gives up
		// within its own span: ask again after that.
		wait = c.span()
		if w != nil {
			taken, busy := c.dedup.(*MemoryDedupStore).claimWatched(key, w)
			if busy {
				continue
			}
			return taken
		}
		attempts := 1
		if f != nil {
			taken, busy, n := wh.flights.claimLate(f)
			if busy {
				continue
			}
			if taken {
				return true
			}
			attempts = n
		}
		if !inStore && !(k.unsure && tracker) {
			return false
		}
		ctx := p.r.Context()
		if !inStore {
			// The failed Finish may have stored the reply, and an
			// attempt at another process taken it. Stored again, the
			// reply is claimed as one stored at once would be: a take
			// stays recorded. A store that fails again, or that has no
			// push to store it in (the last attempt gave it up before
			// any Finish, or it is gone), gave no attempt the reply: it
			// goes late.
			sctx, cancel := c.storeContext(ctx)
			stored, err := t.Finish(sctx, key, out)
			cancel()
			if err != nil {
				c.storeFailed(ctx, "to keep a reply", err)
				return false
			}
			if !stored {
				return false
			}
		}
		if tracker {
			// The store knows whether an attempt took the reply, at any
			// process, and its claim orders that against every take.
			return wh.claimInStore(ctx, t, key)
		}
		// Take the reply back first, then count the attempts: one that
		// the store counted before took the reply, or its process
		// decides. One that came in between read no reply but counts
		// too, so that the reply, in that instant, may reach nobody,
		// never two.
		sctx, cancel := c.storeContext(ctx)
		_, err := c.dedup.Finish(sctx, key, nil)
		cancel()
		if err != nil {
			// The store may still hold the reply, for an attempt that
			// comes now (one still waiting at another process, or a
			// replay): handed on as well, it could reach the user twice.
			c.storeFailed(ctx, "to take a reply back", err)
			return true
		}
		sctx, cancel = c.storeContext(ctx)
		st, err := c.dedup.State(sctx, key)
		cancel()
		if err != nil {
			c.storeFailed(ctx, "to read a push", err)
			return false
		}
		return st.Attempt > attempts
	}
}

// claimInStore asks the ReplyTracker t whether an attempt took the reply to
// the push key, claiming it to hand on as late if none did. A claim that
// fails may have taken effect all the same (a call that outlived its
// deadline): the push's state tells, as only the claim removes a reply
// it marks taken, and a claim that did not take effect is made once
// more. Where the store cannot tell, the reply is taken to have been
// carried: better lost than sent twice.
func (wh *webhook) claimInStore(ctx context.Context, t ReplyTracker, key string) (taken bool) {
	c := wh.c
	for try := 0; ; try++ {
		sctx, cancel := c.storeContext(ctx)
		taken, err := t.ClaimLate(sctx, key)
		cancel()
		if err == nil {
			return taken
		}
		c.storeFailed(ctx, "to claim a reply", err)
		sctx, cancel = c.storeContext(ctx)
		st, err := t.State(sctx, key)
		cancel()
		switch {
		case err != nil || !st.Done:
			return true // the store may still hold the reply
		case st.Taken:
			// A reply an attempt took is still in the store; one the
			// failed claim took is not. (A handler's error with no reply
			// reads as claimed: handed on, it repeats nothing the user
			// saw.)
			return len(st.Reply) > 0
		case try > 0:
			return true
		}
	}
}

// awaitClaim waits d for the time of a late claim and reports whether
// the reply was taken meanwhile: by an attempt of this process (took
// closed), or, at each tick of ask, by one the store recorded.
func (wh *webhook) awaitClaim(p *push, key string, d time.Duration, took <-chan struct{}, ask <-chan time.Time) bool {
	c := wh.c
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
			return false
		case <-took:
			return true
		case <-ask:
			sctx, cancel := c.storeContext(p.r.Context())
			st, err := c.dedup.State(sctx, key)
			cancel()
			if err == nil && st.Taken {
				return true
			}
		}
	}
}

// follow answers a retry of a push whose handler runs elsewhere: in this
// process (f) or another (f is nil; the store is polled). It returns the
// reply as soon as there is one. At its deadline the last attempt gives
// the push up and answers "success", so that WeChat shows the user no
// error; an earlier one is left unanswered, so that WeChat retries, until
// WeChat drops it.
func (wh *webhook) follow(p *push, key string, f *flight, st PushState) {
	c := wh.c
	ctx := p.r.Context()
	last := st.Attempt >= pushAttempts || c.now().Sub(st.First) >= (pushAttempts-1)*c.span()
	if c.slowMode == SendAsCustomerMessage {
		last = true // the first attempt was answered; never hold WeChat
	}
	deadline := time.NewTimer(p.remaining(c.replyTimeout))
	defer deadline.Stop()
	var poll <-chan time.Time
	var ticker *time.Ticker
	defer func() {
		if ticker != nil {
			ticker.Stop()
		}
	}()
	startPolling := func() {
		ticker = time.NewTicker(pollInterval(c.replyTimeout))
		poll = ticker.C
	}
	var done <-chan struct{}
	ms, memory := c.dedup.(*MemoryDedupStore)
	switch {
	case f != nil:
		done = wh.flights.wait(f)
		defer wh.flights.leave(f)
	case memory:
		var seq uint64
		done, seq = ms.wait(key)
		defer ms.leave(key, seq)
	default:
		startPolling()
	}
	held := false
	for {
		select {
		case <-done:
			if ctx.Err() != nil {
				// WeChat dropped the attempt as the reply came: select
				// chose at random between the two. Taken by an attempt
				// nobody hears, the reply would reach nobody.
				return
			}
			if f == nil {
				// The memory store's entry finished, or was forgotten.
				if s, _ := ms.Take(ctx, key); s.Done {
					wh.answer(p, s.Reply)
					return
				}
				done = nil
				continue
			}
			reply, remote := wh.flights.result(f)
			if remote {
				// The flight turned out to be another process's.
				done = nil
				startPolling()
				continue
			}
			wh.answer(p, reply)
			return
		case <-poll:
			if ctx.Err() != nil {
				return // as above: a take would lose the reply
			}
			sctx, cancel := c.storeContext(ctx)
			s, err := c.takeState(sctx, key)
			cancel()
			switch {
			case err != nil:
			case s.Done:
				wh.answer(p, s.Reply)
				return
			case s.GivenUp:
				wh.answer(p, nil) // answered already; nothing will come
				return
			}
		case <-deadline.C:
			if ctx.Err() != nil {
				return // as above: a give-up would take a reply that came
			}
			if held {
				// WeChat (or whatever is in between) did not drop the
				// attempt: answering it ends WeChat's retries, so it is
				// the last, and gives the push up like one.
				c.logger.LogAttrs(ctx, slog.LevelWarn, "wechat: webhook attempt was not dropped; answering it as the last",
					slog.String("msg_type", string(p.msg.MsgType)))
			}
			if last || held {
				wh.answer(p, wh.giveUp(ctx, key, f))
				return
			}
			// Leave the attempt unanswered so that WeChat retries, but
			// take the reply if it comes before WeChat hangs up.
			held = true
			deadline.Reset(c.span())
		case <-ctx.Done():
			return // WeChat dropped the attempt; the next one takes over
		}
	}
}

// giveUp gives the push up for its last attempt, in the store and in this
// process, unless the handler is done: then it returns the reply, which
// the attempt can still carry.
func (wh *webhook) giveUp(ctx context.Context, key string, f *flight) []byte {
	c := wh.c
	sctx, cancel := c.storeContext(ctx)
	s, err := c.dedup.GiveUp(sctx, key)
	cancel()
	if err != nil {
		c.storeFailed(ctx, "to give a push up", err)
	} else if s.Done {
		if f != nil && !wh.flights.took(f) && !c.tracked() {
			return nil // it goes late (see dispatch)
		}
		return s.Reply
	}
	if f != nil {
		if reply, landed := wh.flights.giveUp(f); landed {
			return reply
		}
	}
	return nil
}

// tracked reports whether the dedup store is a ReplyTracker, which
// decides alone whether a reply was taken.
func (c *Client) tracked() bool {
	_, ok := c.dedup.(ReplyTracker)
	return ok
}

// takeState reads the push key for an attempt that answers with its reply
// if it is done: a ReplyTracker records the take.
func (c *Client) takeState(ctx context.Context, key string) (PushState, error) {
	if t, ok := c.dedup.(ReplyTracker); ok {
		return t.Take(ctx, key)
	}
	return c.dedup.State(ctx, key)
}

// pollInterval is how often a retry looks for a reply another process
// is preparing: often enough to answer within a twentieth of an attempt.
func pollInterval(replyTimeout time.Duration) time.Duration {
	return max(replyTimeout/20, time.Millisecond)
}

// render returns the plaintext XML of reply, nil for none or for one that
// cannot be rendered (logged). The result's capacity is its length: the
// dedup store keeps it as it is (see MemoryDedupStore.Finish) for the
// push's whole time, so it is not a buffer sized for any reply. A reply of
// this package's types is rendered into a buffer the webhook reuses, then
// copied; any other Reply gets a buffer of its own, since its AppendXML
// might keep what it is given.
func (wh *webhook) render(ctx context.Context, msg *Message, reply Reply) []byte {
	if reply == nil {
		return nil
	}
	var buf *[]byte
	own := ownReply(reply)
	if own {
		buf, _ = wh.replyBuffers.Get().(*[]byte)
	}
	if buf == nil {
		// What every reply was given before buffers were reused.
		b := make([]byte, 0, 512)
		buf = &b
	}
	b, err := appendReply(reply, (*buf)[:0])
	if err != nil {
		wh.logFailure(ctx, msg, "wechat: webhook reply not sent", err)
		return nil
	}
	out := make([]byte, len(b))
	copy(out, b)
	if own && cap(b) <= maxReplyBuffer {
		*buf = b
		wh.replyBuffers.Put(buf)
	}
	return out
}

// appendReply calls reply.AppendXML, turning a panic into an error: a
// Reply of the application's own runs its code here, after the handler
// returned, and its panic is the handler's failure like one in
// ServeMessage (see serveMessage), not a request left without an answer
// and a push its retries wait for.
func appendReply(reply Reply, b []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("wechat: reply panic: %v\n%s", p, debug.Stack())
		}
	}()
	return reply.AppendXML(b)
}

// maxReplyBuffer bounds the buffers render keeps for reuse: a rare long
// reply (a news reply of eight articles) does not hold its buffer.
const maxReplyBuffer = 16 << 10

// ownReply reports whether reply is of this package's types, whose
// AppendXML keeps nothing of the buffer it appends to.
func ownReply(reply Reply) bool {
	for _, f := range replyForms {
		if f.owns(reply) {
			return true
		}
	}
	return false
}

// answer writes the reply (plaintext XML, nil for none) to the attempt,
// encrypted when the push was.
func (wh *webhook) answer(p *push, plain []byte) {
	if plain == nil {
		writeSuccess(p.w, false)
		return
	}
	out := plain
	if p.encrypted {
		// The timestamp is formatted on the stack: seal keeps no part of it.
		var ts [20]byte
		var err error
		out, err = wh.c.keys.seal(rand.Reader, plain, p.token, p.key, string(strconv.AppendInt(ts[:0], wh.c.now().Unix(), 10)), p.nonce)
		if err != nil {
			wh.logFailure(p.r.Context(), p.msg, "wechat: webhook reply not sent", err)
			writeSuccess(p.w, false)
			return
		}
	}
	setHeaders(p.w.Header(), contentTypeXML, "")
	_, _ = p.w.Write(out)
}

// late delivers a reply that no attempt could return: as a
// customer-service message in SendAsCustomerMessage mode, and to the
// WithLateReplyFunc callback.
func (wh *webhook) late(ctx context.Context, msg *Message, reply Reply, herr error) {
	c := wh.c
	lr := LateReply{Message: msg, Reply: reply, Err: herr}
	if c.slowMode == SendAsCustomerMessage && reply != nil && herr == nil {
		if err := c.SendReply(ctx, reply); err != nil {
			lr.Err = err
			wh.logFailure(ctx, msg, "wechat: webhook could not send a late reply as a customer-service message", err)
		} else {
			lr.Sent = true
		}
	}
	if c.lateReply != nil {
		c.lateReply(ctx, lr)
		return
	}
	if !lr.Sent && reply != nil && lr.Err == nil {
		wh.logFailure(ctx, msg, "wechat: webhook reply came after the last attempt and was dropped (see WithLateReplyFunc)", context.DeadlineExceeded)
	}
}

// watchdog answers "success" for a handler that overruns the deadline
// (SendAsCustomerMessage, or no dedup). Its lock decides whether the
// handler or the deadline came first, and keeps the request's goroutine
// from returning while the watchdog writes.
type watchdog struct {
	wh  *webhook
	p   *push
	key string

	mu       sync.Mutex
	returned bool // the handler returned
	answered bool // the deadline came first and the response is written
}

func (g *watchdog) expire() {
	g.mu.Lock()
	if g.returned {
		g.mu.Unlock()
		return
	}
	g.answered = true
	wh, p, c := g.wh, g.p, g.wh.c
	ctx := p.r.Context()
	if g.key != "" {
		// Given up before "success" is written, and before the handler
		// can finish (it waits for the lock): a retry that comes anyway
		// must not get the reply that goes as a customer-service
		// message, nor wait for it.
		sctx, cancel := c.storeContext(ctx)
		if _, err := c.dedup.GiveUp(sctx, g.key); err != nil {
			c.storeFailed(ctx, "to give a push up", err)
		}
		cancel()
	}
	c.logger.LogAttrs(ctx, slog.LevelWarn, "wechat: webhook handler did not reply in time; answered success",
		slog.String("msg_type", string(p.msg.MsgType)), slog.Uint64("msg_id", p.msg.MsgID), slog.String("mode", c.slowMode.String()))
	writeSuccess(p.w, true)
	_ = http.NewResponseController(p.w).Flush()
	g.mu.Unlock()

	if c.typing && c.slowMode == SendAsCustomerMessage && p.msg.FromUserName != "" {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.replyTimeout)
		defer cancel()
		if err := c.SetTyping(tctx, p.msg.FromUserName, true); err != nil {
			wh.logFailure(tctx, p.msg, "wechat: webhook could not show typing", err)
		}
	}
}

// finish reports, once the handler has returned, whether the watchdog
// answered first.
func (g *watchdog) finish() (answered bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.returned = true
	return g.answered
}
