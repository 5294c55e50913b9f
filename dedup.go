package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"sync"
	"time"
)

// Attempts WeChat makes at a push: it gives each about 5 seconds, then
// drops the connection and sends the same push again, three attempts in
// all. If none is answered the user sees "该公众号提供的服务出现故障，请稍后再试".
const pushAttempts = 3

// A DedupStore remembers the pushes a webhook has seen for as long as
// WeChat may retry them, so that each push is handled once however many
// attempts reach the webhook, and the attempts that follow the first can
// answer with its reply. Share one store between the processes behind a
// load balancer (redisstore.Store is one) so that a retry that lands on
// another process is recognised too; the default is an in-memory store
// private to the Client (NewMemoryDedupStore).
//
// Keys are chosen by the webhook and include the AppID. The replies kept
// are the plaintext XML of passive replies. A push is kept through
// WeChat's attempts and for as long as its timestamp is accepted
// (WithTimestampWindow, five minutes by default), so that a captured
// push posted again is answered as a retry, not handled again.
// Implementations must make each method atomic for its key: Finish and
// GiveUp in particular decide between them whether a reply is delivered
// or late. wechattest.TestDedupStore checks one of your own against this
// contract.
type DedupStore interface {
	// Arrive records an attempt at the push key, made at now, and
	// returns what is known of the push, this attempt counted. The
	// first attempt (Attempt 1) runs the handler. The record is kept
	// for ttl after the first attempt.
	Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (PushState, error)

	// Finish stores reply, the handler's answer to the push (nil for
	// none), for the attempts that are waiting or still to come. It
	// returns false and stores nothing if the push was given up first:
	// then no attempt can deliver the reply. A second Finish replaces
	// the reply: the webhook takes a reply back with Finish(nil) before
	// handing it on as late (a store that is not a ReplyTracker). The
	// store may keep reply itself: the caller does not modify it
	// afterwards.
	Finish(ctx context.Context, key string, reply []byte) (stored bool, err error)

	// GiveUp marks the push as answered without its reply, which the
	// last attempt does at its deadline, unless Finish came first: then
	// it returns the finished state, whose reply can still be sent.
	GiveUp(ctx context.Context, key string) (PushState, error)

	// State returns what is known of the push without recording an
	// attempt. A push the store does not know is the zero PushState.
	State(ctx context.Context, key string) (PushState, error)
}

// A ReplyTracker is a DedupStore that also records whether an attempt
// took a push's reply, so that a reply the handler finished after WeChat
// dropped the first attempt reaches the user once: passively, by the
// attempt that took it, or else late (WithLateReplyFunc). A store shared
// between processes that is not one cannot tell an attempt that another
// process counted and WeChat dropped from one that carried the reply;
// the webhook then takes it to have carried it, and a reply no attempt
// carried reaches nobody. MemoryDedupStore and redisstore.Store are
// ReplyTrackers.
//
// An attempt takes a reply when Arrive, GiveUp or Take returns a
// finished state: implementations record the take in the same atomic
// step, and ClaimLate decides against it. A reply taken is still given
// to the attempts after, until ClaimLate: WeChat may have dropped the
// attempt that took it. The states a ReplyTracker returns report the take
// (PushState.Taken), this call's included: the attempt WeChat dropped
// asks State now and then, so that its wait ends as soon as an attempt
// at any process took the reply.
type ReplyTracker interface {
	DedupStore

	// Take returns what State does, for an attempt that answers with
	// the reply of a finished push: it records that the reply was
	// taken.
	Take(ctx context.Context, key string) (PushState, error)

	// ClaimLate is called once WeChat's attempts at a finished push are
	// over, to hand its reply on as late unless an attempt took it. It
	// reports taken true when an attempt took the reply, or when the
	// store no longer has the push or its reply (a reply is better lost
	// than sent twice). Otherwise it removes the reply and records it
	// taken, so that an attempt that comes after is answered without it
	// and a second claim finds it taken, and reports false: the caller
	// hands the reply on. Only ClaimLate removes a reply it records
	// taken: after a ClaimLate that failed, the webhook reads State to
	// tell whether it took effect.
	ClaimLate(ctx context.Context, key string) (taken bool, err error)
}

var _ ReplyTracker = (*MemoryDedupStore)(nil)

// PushState is what a DedupStore knows of one push.
type PushState struct {
	// Attempt counts the attempts recorded, the latest included.
	Attempt int
	// First is when the first attempt arrived.
	First time.Time
	// Done reports that the handler finished; Reply is its answer.
	Done bool
	// Reply is the plaintext XML of the passive reply, nil for none.
	Reply []byte
	// GivenUp reports that the push was answered without its reply.
	GivenUp bool
	// Taken reports that an attempt took the finished reply, or the late
	// claim handed it on (see ReplyTracker, whose states report it; other
	// stores may leave it false).
	Taken bool
}

// Defaults of NewMemoryDedupStore.
const (
	// DefaultDedupEntries bounds the pushes a MemoryDedupStore keeps.
	DefaultDedupEntries = 100_000
	// DefaultDedupBytes bounds the reply bytes it keeps.
	DefaultDedupBytes = 32 << 20
)

// MemoryDedupStore is a DedupStore private to one process, the default.
// It is bounded: a push is forgotten when its time is up, and when more
// pushes or reply bytes arrive than its limits allow, the oldest are
// forgotten first, so that no load can grow it without bound (a push
// forgotten early may be handled again if WeChat retries it, or if it is
// posted again: with DefaultDedupEntries and the default timestamp
// window, pushes are forgotten before their five minutes above about 330
// a second, and before WeChat's retries are over above 5,000 a second).
// It is a ReplyTracker.
// The zero value is not usable; call NewMemoryDedupStore.
type MemoryDedupStore struct {
	mu sync.Mutex
	// pushes gives the sequence number of each live push's entry.
	pushes map[string]uint64
	// ring holds the entries in the order the pushes first arrived: the
	// entry of sequence number n, for head <= n < tail, is
	// ring[n&(len(ring)-1)]. Entries are values, not a pointer each, so
	// that a push costs the store no allocation of its own and the
	// collector one slice to scan rather than an object per push.
	ring       []memoryPush
	head, tail uint64
	maxEntries int
	maxBytes   int
	bytes      int
	// now is the latest time an Arrive gave: the store's clock, so that
	// it follows the Client's (WithClock).
	now time.Time
}

type memoryPush struct {
	key     string
	expires time.Time
	state   PushState
	// dead reports that lookup forgot the push before the ring reached
	// its entry: its key is no longer in the map, or belongs to a newer
	// entry. A live entry is always the one the map gives for its key.
	dead bool
	// done is closed when the push finishes or is forgotten: the
	// attempts of this process wait on it. Made when the first waits.
	done chan struct{}
	// waiters counts the attempts waiting on done, and state.Taken
	// reports that an attempt was given the finished state to answer
	// with: a reply that no attempt waits for or took is handed on as
	// late (see claimWatched).
	waiters int
	// watch, set by finishWatched, keeps whether an attempt took the reply past
	// the push's forgetting, for the late claim that comes after.
	watch *lateWatch
}

// lateWatch is what a late claim learns of a push the store forgot
// before the claim came: its limits may push it out, or its time run
// out, while the claim waits for WeChat's attempts to be over.
// forgotten is guarded by the store's lock.
type lateWatch struct {
	forgotten bool
	// took is closed once the reply is taken: an attempt answered with
	// it, or the claim handed it on. The claim's answer is then known,
	// forgotten or not, and its wait for WeChat's attempts ends early.
	took chan struct{}
}

// taken reports whether w's reply was taken.
func (w *lateWatch) taken() bool {
	select {
	case <-w.took:
		return true
	default:
		return false
	}
}

// markTaken records that an attempt answers with p's reply, or that the
// late claim handed it on, and tells p's watch, if any.
func (p *memoryPush) markTaken() {
	if p.state.Taken {
		return
	}
	p.state.Taken = true
	if p.watch != nil {
		close(p.watch.took)
	}
}

// forget records in p's watch, if any, that p is forgotten.
func (p *memoryPush) forget() {
	if p.watch != nil {
		p.watch.forgotten = true
	}
}

// release wakes the attempts waiting for p.
func (p *memoryPush) release() {
	if p.done != nil {
		select {
		case <-p.done:
		default:
			close(p.done)
		}
	}
}

// NewMemoryDedupStore returns an empty MemoryDedupStore that keeps at
// most maxEntries pushes and maxBytes bytes of replies (either zero or
// less means its default).
func NewMemoryDedupStore(maxEntries, maxBytes int) *MemoryDedupStore {
	if maxEntries <= 0 {
		maxEntries = DefaultDedupEntries
	}
	if maxBytes <= 0 {
		maxBytes = DefaultDedupBytes
	}
	return &MemoryDedupStore{pushes: make(map[string]uint64), maxEntries: maxEntries, maxBytes: maxBytes}
}

// Arrive implements DedupStore.
func (s *MemoryDedupStore) Arrive(_ context.Context, key string, now time.Time, ttl time.Duration) (PushState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.After(s.now) {
		s.now = now
	}
	s.expire(now)
	if n := len(s.ring); n > minRing && s.tail-s.head < uint64(n/4) {
		// A burst is over: give back what it grew the ring to.
		s.resize(n / 2)
	}
	p := s.lookup(key)
	if p == nil {
		for len(s.pushes) >= s.maxEntries {
			s.dropOldest()
		}
		if n := len(s.ring); s.tail-s.head == uint64(n) {
			s.resize(max(minRing, 2*n))
		}
		p = s.entry(s.tail)
		*p = memoryPush{key: key, expires: now.Add(ttl), state: PushState{First: now}}
		s.pushes[key] = s.tail
		s.tail++
	}
	p.state.Attempt++
	if p.state.Done {
		p.markTaken() // the attempt answers with the reply
	}
	return p.state, nil
}

// entry returns the entry of sequence number n.
func (s *MemoryDedupStore) entry(n uint64) *memoryPush {
	return &s.ring[n&uint64(len(s.ring)-1)]
}

// minRing is the length of a new ring, and the least it shrinks to.
const minRing = 16

// resize moves the entries to a ring of length n, a power of two that
// holds them: twice the length when the ring is full, half when it is a
// quarter full, so that a push costs the moves amortized once. An
// entry's place depends on the ring's length, its sequence number does
// not: the map needs no change.
func (s *MemoryDedupStore) resize(n int) {
	old := s.ring
	s.ring = make([]memoryPush, n)
	for seq := s.head; seq < s.tail; seq++ {
		*s.entry(seq) = old[seq&uint64(len(old)-1)]
	}
}

// Finish implements DedupStore. A reply whose capacity is its length,
// as the webhook's are, is kept as it is; any other is copied to one of
// its own length, since the caller's larger buffer would be kept for the
// push's whole time.
func (s *MemoryDedupStore) Finish(_ context.Context, key string, reply []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finish(s.lookup(key), reply), nil
}

// finishWatched is Finish for a reply the webhook may hand on as late: it
// returns the watch of the push for the late claim (claimWatched) as well,
// which keeps whether an attempt took the reply after the store forgot
// the push. It is taken under the lock the reply is stored with, so that
// no attempt can take the reply unwatched. A push not found is watched
// as forgotten, its reply untaken: it was not stored.
func (s *MemoryDedupStore) finishWatched(key string, reply []byte) (bool, *lateWatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup(key)
	if p == nil {
		return false, &lateWatch{forgotten: true, took: make(chan struct{})}
	}
	if p.watch == nil {
		p.watch = &lateWatch{took: make(chan struct{})}
		if p.state.Taken {
			close(p.watch.took) // a reply an earlier Finish stored was taken
		}
	}
	return s.finish(p, reply), p.watch
}

// finish stores the reply of p, nil when the store forgot it, and reports
// whether it did. The store's lock is held.
func (s *MemoryDedupStore) finish(p *memoryPush, reply []byte) bool {
	if p == nil {
		// Forgotten (expired or pushed out): nothing waits for it.
		return false
	}
	if p.state.GivenUp {
		return false
	}
	if len(reply) > s.maxBytes {
		reply = nil // cannot be kept; the attempts that follow get "success"
	}
	// p is in the ring at or after its head: the loop stops there.
	for s.bytes+len(reply) > s.maxBytes && s.entry(s.head) != p {
		s.dropOldest()
	}
	p.state.Done = true
	s.bytes -= len(p.state.Reply) // a second Finish replaces the first's reply
	if reply != nil && cap(reply) > len(reply) {
		reply = append(make([]byte, 0, len(reply)), reply...)
	}
	p.state.Reply = reply
	s.bytes += len(reply)
	p.release()
	return true
}

// wait returns a channel closed when the push key finishes or is
// forgotten; the webhook's attempts wait on it instead of polling. It is
// closed already for a push the store does not know or that is done. An
// attempt that waits calls leave with seq when it stops waiting.
func (s *MemoryDedupStore) wait(key string) (done <-chan struct{}, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup(key)
	if p == nil || p.state.Done {
		c := make(chan struct{})
		close(c)
		return c, 0
	}
	if p.done == nil {
		p.done = make(chan struct{})
	}
	p.waiters++
	return p.done, s.pushes[key] + 1
}

// leave ends the wait of an attempt at the push key; seq is what wait
// returned, zero for a wait that did not count. A push forgotten meanwhile
// (or replaced by a newer one of the key) is left as it is.
func (s *MemoryDedupStore) leave(key string, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.pushes[key]; seq != 0 && ok && n+1 == seq {
		if p := s.entry(n); p.waiters > 0 {
			p.waiters--
		}
	}
}

// Take implements ReplyTracker.
func (s *MemoryDedupStore) Take(_ context.Context, key string) (PushState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup(key)
	if p == nil {
		return PushState{}, nil
	}
	if p.state.Done {
		p.markTaken()
	}
	return p.state, nil
}

// ClaimLate implements ReplyTracker. An attempt that waits for the push
// in this process (a Client's webhook over this store waits on it rather
// than polling) takes the reply as it wakes: the reply counts as taken.
func (s *MemoryDedupStore) ClaimLate(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup(key)
	if p == nil || !p.state.Done || p.state.Taken || p.waiters > 0 {
		return true, nil
	}
	s.handOn(p)
	return false, nil
}

// handOn removes the reply of p, which the caller hands on as late, and
// records it taken, so that a second claim does not hand it on again.
// The store's lock is held.
func (s *MemoryDedupStore) handOn(p *memoryPush) {
	s.bytes -= len(p.state.Reply)
	p.state.Reply = nil
	p.markTaken()
}

// claimWatched decides, once WeChat's attempts at the push key are over,
// whether its finished reply is handed on as late: taken reports that an
// attempt took it, busy that an attempt still waits for it (it takes it
// on waking; ask again later). Otherwise the reply is removed, so that an
// attempt that comes now is answered "success", and the caller hands it
// on: this store's lock orders the claim and every attempt's take. w is
// what finishWatched returned for the push: forgotten since, the push is no
// longer the one of key, and w tells whether an attempt took its reply.
func (s *MemoryDedupStore) claimWatched(key string, w *lateWatch) (taken, busy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p *memoryPush
	if !w.forgotten {
		p = s.lookup(key) // which may forget it now
	}
	switch {
	case w.forgotten:
		return w.taken(), false // no attempt can take the reply now
	case p.waiters > 0:
		return false, true
	case p.state.Taken:
		return true, false
	}
	s.handOn(p)
	return false, false
}

// GiveUp implements DedupStore.
func (s *MemoryDedupStore) GiveUp(_ context.Context, key string) (PushState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookup(key)
	if p == nil {
		return PushState{GivenUp: true}, nil
	}
	if !p.state.Done {
		p.state.GivenUp = true
	} else {
		p.markTaken() // the last attempt answers with the reply
	}
	return p.state, nil
}

// State implements DedupStore.
func (s *MemoryDedupStore) State(_ context.Context, key string) (PushState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.lookup(key); p != nil {
		return p.state, nil
	}
	return PushState{}, nil
}

// lookup returns the live push of key. One whose time is up but that the
// ring has not reached yet (a store shared by Clients with different
// ttls) is forgotten here; its entry stays in the ring, dead, until the
// ring reaches it.
func (s *MemoryDedupStore) lookup(key string) *memoryPush {
	n, ok := s.pushes[key]
	if !ok {
		return nil
	}
	p := s.entry(n)
	if !s.now.Before(p.expires) {
		delete(s.pushes, key)
		s.bytes -= len(p.state.Reply)
		p.release()
		p.forget()
		p.state.Reply, p.done, p.watch, p.dead = nil, nil, nil, true
		return nil
	}
	return p
}

// expire forgets the pushes whose time is up. They expire in the order
// they arrived, since they share one ttl.
func (s *MemoryDedupStore) expire(now time.Time) {
	for s.head < s.tail && !now.Before(s.entry(s.head).expires) {
		s.dropOldest()
	}
}

// dropOldest forgets the push that arrived first, unless lookup has
// already: then its key may belong to a newer entry, which stays.
func (s *MemoryDedupStore) dropOldest() {
	p := s.entry(s.head)
	if !p.dead {
		delete(s.pushes, p.key)
		s.bytes -= len(p.state.Reply)
		p.release()
		p.forget()
	}
	*p = memoryPush{} // nothing of it stays reachable
	s.head++
}

// pushKey is the key a push is deduplicated on, scoped by the account (its
// AppID and original ID):
// a message by its MsgId, an event (which has none) by its sender,
// CreateTime, Event and EventKey, as WeChat's documentation says to, and
// the job an event reports on where it names one (the MsgID of the
// job-finish events, the publish_id of PUBLISHJOBFINISH, the MsgIDs of
// subscribe_msg_sent_event), so that two jobs finishing in one second
// are two pushes; an event of a kind this package does not model by all
// it carries. A number that did not parse is keyed by its text.
func pushKey(appID string, m *Message) string {
	// The AppID and the original ID (ToUserName) both: one Client of a
	// third-party platform receives the pushes of many accounts.
	var buf [128]byte
	b := append(buf[:0], "wechat:push:"...)
	b = append(b, appID...)
	b = append(b, ':')
	b = append(b, m.ToUserName...)
	if m.MsgType != MsgTypeEvent {
		if m.MsgID != 0 {
			b = append(b, ":m:"...)
			return string(strconv.AppendUint(b, m.MsgID, 10))
		}
		if raw, ok := m.Lookup("MsgId"); ok && raw != "" {
			return string(append(append(b, ":m:"...), raw...))
		}
	}
	b = append(b, ":e:"...)
	b = append(b, m.FromUserName...)
	b = append(b, 0)
	if m.CreateTime != 0 {
		b = strconv.AppendInt(b, m.CreateTime, 10)
	} else if raw, ok := m.Lookup("CreateTime"); ok {
		b = append(b, raw...)
	}
	b = append(b, 0)
	b = append(b, m.MsgType...)
	b = append(b, 0)
	b = append(b, m.Event...)
	b = append(b, 0)
	b = append(b, m.EventKey...)
	if m.MsgID != 0 {
		b = append(b, 0)
		b = strconv.AppendUint(b, m.MsgID, 10)
	}
	if m.PublishEventInfo != nil {
		b = append(b, 0)
		b = append(b, m.PublishEventInfo.PublishID...)
	}
	// A subscribe notification's delivery result names its message in
	// its list, not at the top: two notifications sent to one user in
	// one second differ only there.
	for _, s := range m.SubscribeMsgSentEvent {
		b = append(b, 0)
		b = strconv.AppendUint(b, s.MsgID, 10)
	}
	// An event this package does not model (the card events, among
	// others) may differ from another of the same sender, second and
	// Event only in what it carries: a user who claims two cards at once
	// makes two user_get_card pushes, told apart by their UserCardCode.
	// So what it carries is in the key, hashed; WeChat's attempts at one
	// push carry the same.
	if m.MsgType == MsgTypeEvent && !m.known() {
		b = appendContentHash(b, m.Raw)
	}
	return string(b)
}

// appendContentHash appends to b, after a separator, a hash of the names
// and text of the elements of the XML document raw, in hex; nothing when
// raw does not parse.
func appendContentHash(b, raw []byte) []byte {
	nodes, err := parseXML(string(raw), nil)
	if err != nil {
		return b
	}
	h := sha256.New()
	for _, n := range nodes {
		io.WriteString(h, n.name)
		h.Write([]byte{0})
		io.WriteString(h, n.text)
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	// 128 bits: the pushes hashed are WeChat's, signed, so only chance
	// could make two collide.
	return hex.AppendEncode(append(b, 0), h.Sum(sum[:0])[:16])
}
