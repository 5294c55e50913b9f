package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPushKey(t *testing.T) {
	msg := func(xml string) *Message {
		m, err := ParseMessage([]byte(xml))
		require.NoError(t, err)
		return m
	}
	text := msg(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>a</Content><MsgId>42</MsgId></xml>`)
	assert.Equal(t, "wechat:push:wx1:gh:m:42", pushKey("wx1", text))
	assert.NotEqual(t, pushKey("wx1", text), pushKey("wx2", text), "scoped by the account")
	assert.Equal(t, "wechat:push::gh:m:42", pushKey("", text), "the original ID without an AppID")
	other := *text
	other.ToUserName = "gh_other"
	assert.NotEqual(t, pushKey("wx1", text), pushKey("wx1", &other), "and by the original ID, for a platform's many accounts")

	event := func(e, key string) *Message {
		return msg(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1700000000</CreateTime>` +
			`<MsgType>event</MsgType><Event>` + e + `</Event><EventKey>` + key + `</EventKey></xml>`)
	}
	subscribe, click, click2 := event("subscribe", ""), event("CLICK", "V1"), event("CLICK", "V2")
	keys := map[string]bool{pushKey("wx1", subscribe): true, pushKey("wx1", click): true, pushKey("wx1", click2): true}
	assert.Len(t, keys, 3, "a subscribe and clicks from one user in one second are different pushes")
	assert.Equal(t, pushKey("wx1", click), pushKey("wx1", event("CLICK", "V1")), "a retry has the same key")
	assert.Contains(t, pushKey("wx1", click), "o1\x001700000000\x00event\x00CLICK\x00V1")

	// Two job-finish events in one second are told apart by their jobs.
	job := func(id string) *Message {
		return msg(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1700000000</CreateTime>` +
			`<MsgType>event</MsgType><Event>MASSSENDJOBFINISH</Event><MsgID>` + id + `</MsgID></xml>`)
	}
	assert.NotEqual(t, pushKey("wx1", job("1")), pushKey("wx1", job("2")))

	// Numbers that do not parse key by their text.
	odd := msg(`<xml><FromUserName>o1</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType><MsgId>99999999999999999999</MsgId></xml>`)
	assert.Equal(t, "wechat:push:wx1::m:99999999999999999999", pushKey("wx1", odd))
}

func TestMemoryDedupStore(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s := NewMemoryDedupStore(3, 10)

	st, err := s.Arrive(ctx, "a", now, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, PushState{Attempt: 1, First: now}, st)
	st, _ = s.Arrive(ctx, "a", now.Add(5*time.Second), time.Minute)
	assert.Equal(t, PushState{Attempt: 2, First: now}, st)

	stored, err := s.Finish(ctx, "a", []byte("reply"))
	require.NoError(t, err)
	assert.True(t, stored)
	st, _ = s.State(ctx, "a")
	assert.Equal(t, PushState{Attempt: 2, First: now, Done: true, Reply: []byte("reply")}, st)
	st, _ = s.GiveUp(ctx, "a")
	assert.True(t, st.Done, "GiveUp after Finish returns the reply")
	assert.False(t, st.GivenUp)

	// GiveUp first: the reply is late and not kept.
	_, _ = s.Arrive(ctx, "b", now, time.Minute)
	st, _ = s.GiveUp(ctx, "b")
	assert.True(t, st.GivenUp)
	stored, _ = s.Finish(ctx, "b", []byte("late"))
	assert.False(t, stored)

	// Entries expire after their ttl.
	_, _ = s.Arrive(ctx, "c", now, time.Second)
	st, _ = s.Arrive(ctx, "c", now.Add(2*time.Second), time.Second)
	assert.Equal(t, 1, st.Attempt, "c expired and arrives anew")

	// At most 3 pushes: the oldest go first.
	for _, k := range []string{"d", "e", "f"} {
		_, _ = s.Arrive(ctx, k, now.Add(3*time.Second), time.Minute)
	}
	assert.Len(t, s.pushes, 3)
	st, _ = s.State(ctx, "a")
	assert.Zero(t, st, "a was pushed out")

	// At most 10 reply bytes: storing more pushes out older replies.
	_, _ = s.Finish(ctx, "d", []byte("123456"))
	_, _ = s.Finish(ctx, "e", []byte("123456"))
	st, _ = s.State(ctx, "d")
	assert.Zero(t, st, "d went to make room for e's reply")
	assert.LessOrEqual(t, s.bytes, 10)
	stored, _ = s.Finish(ctx, "f", []byte(strings.Repeat("x", 11)))
	assert.True(t, stored, "a reply over the limit is stored as none")
	st, _ = s.State(ctx, "f")
	assert.True(t, st.Done)
	assert.Empty(t, st.Reply)
}

// 1,000 pushes, each sent three times, from 16 goroutines: each handler
// runs once, every attempt gets the push's own reply, and the store stays
// within its bounds.
func TestWebhookDedupUnderLoad(t *testing.T) {
	const pushes, goroutines = 1000, 16
	store := NewMemoryDedupStore(0, 0)
	c, _ := newWebhookClient(t, WithInsecurePlaintext(), WithDedupStore(store))
	var mu sync.Mutex
	runs := map[uint64]int{}
	wh := c.Webhook(HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
		mu.Lock()
		runs[m.MsgID]++
		mu.Unlock()
		return m.ReplyText(fmt.Sprint("reply to ", m.MsgID)), nil
	}))
	v := safeVector(t)
	body := func(id int) []byte {
		return []byte(fmt.Sprintf(`<xml><ToUserName>gh</ToUserName><FromUserName>o%d</FromUserName><CreateTime>%s</CreateTime>`+
			`<MsgType>text</MsgType><Content>hi</Content><MsgId>%d</MsgId></xml>`, id%7, nowTS, 1_000_000+id))
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var peakEntries, peakBytes int
	var failures []string
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery(v.Token, nowTS, "2"), body(id))
				want := fmt.Sprint("reply to ", 1_000_000+id)
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%d: %d %s", id, rec.Code, rec.Body))
					mu.Unlock()
				}
				store.mu.Lock()
				peakEntries, peakBytes = max(peakEntries, len(store.pushes)), max(peakBytes, store.bytes)
				store.mu.Unlock()
			}
		}()
	}
	// Each push three times, the retries interleaved with other pushes.
	for round := range 3 {
		for id := range pushes {
			jobs <- (id + round*37) % pushes
		}
	}
	close(jobs)
	wg.Wait()
	assert.Empty(t, failures)
	assert.Len(t, runs, pushes)
	for id, n := range runs {
		if n != 1 {
			t.Errorf("push %d handled %d times", id, n)
		}
	}
	t.Logf("peak of the in-memory store: %d pushes, %d reply bytes (limits %d, %d)", peakEntries, peakBytes, DefaultDedupEntries, DefaultDedupBytes)
	assert.LessOrEqual(t, peakEntries, pushes)
	assert.LessOrEqual(t, peakBytes, DefaultDedupBytes)

	// Past their time the pushes are forgotten.
	ttl := c.dedupTTL(webhookNow.Unix(), webhookNow)
	c.now = func() time.Time { return webhookNow.Add(ttl + time.Second) }
	_, _ = store.Arrive(context.Background(), "next", c.now(), ttl)
	assert.Len(t, store.pushes, 1)
}

// A subscribe and a CLICK from one user in one second are two pushes,
// each handled; a retry of either is not.
func TestWebhookDedupEvents(t *testing.T) {
	c, _ := newWebhookClient(t, WithInsecurePlaintext())
	h := echoHandler()
	wh := c.Webhook(h)
	v := safeVector(t)
	ev := func(e, key string) []byte {
		return []byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>` + nowTS + `</CreateTime>` +
			`<MsgType>event</MsgType><Event>` + e + `</Event><EventKey>` + key + `</EventKey></xml>`)
	}
	for _, b := range [][]byte{ev("subscribe", ""), ev("CLICK", "V1"), ev("subscribe", ""), ev("CLICK", "V1")} {
		rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery(v.Token, nowTS, "2"), b)
		assert.Equal(t, 200, rec.Code)
	}
	require.Len(t, h.calls(), 2)
	assert.Equal(t, EventSubscribe, h.calls()[0].Event)
	assert.Equal(t, EventClick, h.calls()[1].Event)

	// WithoutDedup: every attempt runs the handler.
	c, _ = newWebhookClient(t, WithInsecurePlaintext(), WithoutDedup())
	h = echoHandler()
	wh = c.Webhook(h)
	for range 2 {
		serve(wh, http.MethodPost, "/wechat?"+plainQuery(v.Token, nowTS, "2"), ev("subscribe", ""))
	}
	assert.Len(t, h.calls(), 2)
}

func TestSlowReplyOptions(t *testing.T) {
	for _, opt := range []Option{WithReplyTimeout(0), WithHandlerTimeout(-time.Second), WithSlowReplyMode(7),
		WithLateReplyFunc(nil), WithDedupStore(nil)} {
		_, err := New(opt)
		assert.ErrorIs(t, err, ErrInvalidConfig)
	}
	assert.Equal(t, "WaitForRetry", WaitForRetry.String())
	assert.Equal(t, "SendAsCustomerMessage", SendAsCustomerMessage.String())
	assert.Equal(t, "SlowReplyMode(7)", SlowReplyMode(7).String())
	c, err := New(WithReplyTimeout(900 * time.Millisecond))
	require.NoError(t, err)
	assert.Equal(t, time.Second, c.span())
}

// failingStore is a DedupStore whose every call fails, at once or after
// hanging until its context ends.
type failingStore struct{ hang bool }

func (s failingStore) fail(ctx context.Context) error {
	if s.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New("store down")
}

func (s failingStore) Arrive(ctx context.Context, _ string, _ time.Time, _ time.Duration) (PushState, error) {
	return PushState{}, s.fail(ctx)
}
func (s failingStore) Finish(ctx context.Context, _ string, _ []byte) (bool, error) {
	return false, s.fail(ctx)
}
func (s failingStore) GiveUp(ctx context.Context, _ string) (PushState, error) {
	return PushState{}, s.fail(ctx)
}
func (s failingStore) State(ctx context.Context, _ string) (PushState, error) {
	return PushState{}, s.fail(ctx)
}

// When the store fails, the webhook still handles each push (fail open)
// and answers in time: a store that hangs costs a bounded share of the
// attempt, and the attempts of this process still join one handler,
// answer the last attempt, and hand a late reply to the callback.
func TestWebhookDedupStoreFailure(t *testing.T) {
	for _, hang := range []bool{false, true} {
		t.Run(fmt.Sprint("hang=", hang), func(t *testing.T) {
			const reply = 200 * time.Millisecond
			var late []LateReply
			var mu sync.Mutex
			c, logs := newWebhookClient(t, WithInsecurePlaintext(), WithDedupStore(failingStore{hang: hang}), WithReplyTimeout(reply),
				WithLateReplyFunc(func(_ context.Context, lr LateReply) { mu.Lock(); late = append(late, lr); mu.Unlock() }))
			var runs atomic.Int32
			var delay atomic.Int64
			wh := c.Webhook(HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
				runs.Add(1)
				time.Sleep(time.Duration(delay.Load()))
				return m.ReplyText("r"), nil
			}))
			v := safeVector(t)
			target := "/wechat?" + plainQuery(v.Token, nowTS, "2")

			// A fast handler is answered within the attempt.
			start := time.Now()
			rec := serve(wh, http.MethodPost, target, fixture(t, "inbound/text.xml"))
			assert.Equal(t, 200, rec.Code)
			assert.Contains(t, rec.Body.String(), "<Content><![CDATA[r]]></Content>")
			assert.Less(t, time.Since(start), reply, "the store's failure used up the attempt")
			assert.Contains(t, logs.String(), "dedup store")

			// A handler slower than all three attempts: the attempts of
			// this process join it, the last is answered success in
			// time, and the reply goes to the callback.
			runs.Store(0)
			delay.Store(int64(6 * reply))
			body := []byte(strings.Replace(string(fixture(t, "inbound/text.xml")), "1234567890123456", "77", 1))
			var wg sync.WaitGroup
			answers := make([]*httptest.ResponseRecorder, 3)
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = serve(wh, http.MethodPost, target, body)
				}()
				time.Sleep(c.span()) // WeChat's next attempt
			}
			wg.Wait()
			assert.Equal(t, int32(1), runs.Load(), "one handler for the three attempts")
			assert.Equal(t, "success", answers[2].Body.String(), "the last attempt is answered")
			require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(late) == 1 }, 10*reply, 10*time.Millisecond)
		})
	}
}

// A push forgotten at lookup, its time up before the ring reached it (a
// store shared by Clients with different ttls), and arriving anew keeps
// its new entry when the ring later reaches the old one: dropping the old
// slot forgets neither the new entry nor its reply's bytes a second
// time, and the bound pushes out the next oldest push instead.
func TestMemoryDedupStoreStaleRingSlot(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s := NewMemoryDedupStore(3, 100)

	_, _ = s.Arrive(ctx, "long", now, time.Hour)
	_, _ = s.Arrive(ctx, "short", now, time.Second)
	_, _ = s.Finish(ctx, "short", []byte("12345"))
	later := now.Add(2 * time.Second)
	_, _ = s.Arrive(ctx, "other", later, time.Hour) // the ring stops at "long"
	st, _ := s.Arrive(ctx, "short", later, time.Hour)
	require.Equal(t, 1, st.Attempt, "short was forgotten and arrives anew")
	_, _ = s.Finish(ctx, "short", []byte("abc"))
	require.Equal(t, 3, s.bytes)

	// Two more pushes: the bound drops "long", then reaches the stale slot
	// of the first "short", which must go without touching the new one.
	_, _ = s.Arrive(ctx, "new1", later, time.Hour)
	_, _ = s.Arrive(ctx, "new2", later, time.Hour)
	st, _ = s.State(ctx, "short")
	assert.Equal(t, PushState{Attempt: 1, First: later, Done: true, Reply: []byte("abc")}, st, "the new entry of short is kept")
	st, _ = s.State(ctx, "other")
	assert.Zero(t, st, "other, the oldest live push, went instead")
	assert.Len(t, s.pushes, 3)
	assert.Equal(t, 3, s.bytes, "the reply bytes held")
}

// postPlain posts body to wh as WeChat does in plain mode, signed afresh.
func postPlain(t *testing.T, wh http.Handler, nonce string, body []byte) int {
	t.Helper()
	rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, nonce), body)
	return rec.Code
}

// Two subscribe notifications sent to one user in one second are two
// pushes of subscribe_msg_sent_event, told apart only by the MsgID of
// their List: each is a delivery result the application must see, and
// neither is a retry of the other.
func TestWebhookSubscribeMsgSentEventsInOneSecond(t *testing.T) {
	c, _ := newWebhookClient(t, WithInsecurePlaintext())
	h := &recordingHandler{}
	wh := c.Webhook(h)
	sent := func(msgID string) []byte {
		return []byte(`<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>` +
			`<CreateTime>` + nowTS + `</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_sent_event]]></Event>` +
			`<SubscribeMsgSentEvent><List><TemplateId><![CDATA[T1]]></TemplateId><MsgID>` + msgID + `</MsgID>` +
			`<ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List></SubscribeMsgSentEvent></xml>`)
	}
	require.Equal(t, http.StatusOK, postPlain(t, wh, "1", sent("1700827132819554304")))
	require.Equal(t, http.StatusOK, postPlain(t, wh, "2", sent("1700827132819554305")))
	require.Equal(t, http.StatusOK, postPlain(t, wh, "3", sent("1700827132819554305")), "WeChat's retry of the second")

	var got []uint64
	for _, m := range h.calls() {
		require.Len(t, m.SubscribeMsgSentEvent, 1)
		got = append(got, m.SubscribeMsgSentEvent[0].MsgID)
	}
	assert.Equal(t, []uint64{1700827132819554304, 1700827132819554305}, got,
		"each delivery result reaches the handler once; the retry does not")
}

// An event this package does not model is told apart by what it carries:
// a user who claims two cards in one second (卡券领取事件, user_get_card,
// https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Coupons_Vouchers_and_Cards_Event_Push_Messages.html)
// makes two pushes with one sender, CreateTime and Event, which differ in
// their CardId and UserCardCode. Each is handled; a retry of either is
// not.
func TestWebhookUnmodelledEventsInOneSecond(t *testing.T) {
	c, _ := newWebhookClient(t, WithInsecurePlaintext())
	h := &recordingHandler{}
	wh := c.Webhook(h)
	card := func(cardID, code string) []byte {
		return []byte(`<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>` +
			`<CreateTime>` + nowTS + `</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_get_card]]></Event>` +
			`<CardId><![CDATA[` + cardID + `]]></CardId><IsGiveByFriend>0</IsGiveByFriend><UserCardCode><![CDATA[` + code + `]]></UserCardCode>` +
			`<FriendUserName><![CDATA[]]></FriendUserName><OuterId>0</OuterId><OldUserCardCode><![CDATA[]]></OldUserCardCode>` +
			`<IsRestoreMemberCard>0</IsRestoreMemberCard><IsRecommendByFriend>0</IsRecommendByFriend><SourceScene><![CDATA[SOURCE_SCENE_IMAGE_MSG]]></SourceScene></xml>`)
	}
	require.Equal(t, http.StatusOK, postPlain(t, wh, "1", card("p1Pj9jr90_SQRaVqYI239Ka1erkI", "226009850808")))
	require.Equal(t, http.StatusOK, postPlain(t, wh, "2", card("p1Pj9jr90_SQRaVqYI239Ka1erkI", "226009850809")))
	require.Equal(t, http.StatusOK, postPlain(t, wh, "3", card("p1Pj9jrTHvtMuOeDUCKZiPSyIvCs", "226009850810")))
	require.Equal(t, http.StatusOK, postPlain(t, wh, "4", card("p1Pj9jr90_SQRaVqYI239Ka1erkI", "226009850809")), "WeChat's retry of the second")

	var got []string
	for _, m := range h.calls() {
		code, _ := m.Lookup("UserCardCode")
		got = append(got, code)
	}
	assert.Equal(t, []string{"226009850808", "226009850809", "226009850810"}, got,
		"each claim reaches the handler once; the retry does not")
}

// A handler that finishes after every attempt WeChat could make at its
// push has given up waiting (three spans of WithReplyTimeout) has a late
// reply, whether or not WeChat's retries reached this webhook: when none
// did (they went to another process, or were lost), nothing gave the
// push up, but no attempt can carry the reply either, and it must reach
// WithLateReplyFunc rather than vanish into a dropped connection.
func TestWebhookLateReplyWithoutRetries(t *testing.T) {
	late := make(chan LateReply, 1)
	c, _ := newWebhookClient(t, WithInsecurePlaintext(), WithReplyTimeout(20*time.Millisecond),
		WithLateReplyFunc(func(_ context.Context, lr LateReply) { late <- lr }))
	ctx, hangUp := context.WithCancel(context.Background())
	h := &recordingHandler{reply: func(m *Message) (Reply, error) {
		hangUp()                           // WeChat drops the connection, as it does after 5 seconds
		time.Sleep(200 * time.Millisecond) // past 3 × 22ms and the dedup record of 4
		return m.ReplyText("at last"), nil
	}}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, "1"),
		bytes.NewReader(fixture(t, "inbound/text.xml")))
	rec := httptest.NewRecorder()
	c.Webhook(h).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	select {
	case lr := <-late:
		require.NotNil(t, lr.Reply)
		assert.Equal(t, "at last", lr.Reply.(*TextReply).Content)
		assert.False(t, lr.Sent)
	default:
		t.Fatal("the late reply was written to the first attempt, which WeChat dropped long ago, and went nowhere else")
	}
}

// racingStore is a shared DedupStore (not the in-memory fast path) whose
// first Arrive reaches the store after the second: the network to the
// store reorders them, as it may when WeChat's retry comes while the
// first attempt's Arrive is still on its way.
type racingStore struct {
	*MemoryDedupStore
	mu       sync.Mutex
	calls    int
	firstIn  chan struct{} // closed when the first Arrive starts
	secondDn chan struct{} // closed when the second Arrive is done
}

func (s *racingStore) Arrive(ctx context.Context, key string, now time.Time, ttl time.Duration) (PushState, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if n == 1 {
		close(s.firstIn)
		select {
		case <-s.secondDn:
		case <-time.After(150 * time.Millisecond): // the second waits for the first
		}
		return s.MemoryDedupStore.Arrive(ctx, key, now, ttl)
	}
	st, err := s.MemoryDedupStore.Arrive(ctx, key, now, ttl)
	if n == 2 {
		close(s.secondDn)
	}
	return st, err
}

// Two attempts at one push in one process whose Arrives reach a shared
// store out of order: the second attempt's is counted first. The process
// must still run the handler, once: the attempt that came first leads,
// the other follows it.
func TestWebhookAttemptsRacingToASharedStore(t *testing.T) {
	store := &racingStore{MemoryDedupStore: NewMemoryDedupStore(0, 0), firstIn: make(chan struct{}), secondDn: make(chan struct{})}
	c, _ := newWebhookClient(t, WithInsecurePlaintext(), WithDedupStore(store), WithReplyTimeout(500*time.Millisecond))
	h := echoHandler()
	wh := c.Webhook(h)
	text := fixture(t, "inbound/text.xml")
	answers := make(chan string, 2)
	post := func(nonce string) {
		answers <- serve(wh, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, nonce), text).Body.String()
	}
	go post("1")
	<-store.firstIn
	go post("2")
	for range 2 {
		select {
		case body := <-answers:
			r, err := ParseReply([]byte(body))
			require.NoError(t, err)
			require.NotNil(t, r, "an attempt answered %q: the handler never ran", body)
			assert.Equal(t, "echo: this is a test", r.(*TextReply).Content)
		case <-time.After(10 * time.Second):
			t.Fatal("no answer")
		}
	}
	assert.Len(t, h.calls(), 1)
}

// failingArriveStore is a shared store whose Arrive fails (Redis was
// unreachable for a moment) while its other calls reach it.
type failingArriveStore struct{ *MemoryDedupStore }

func (s failingArriveStore) Arrive(context.Context, string, time.Time, time.Duration) (PushState, error) {
	return PushState{}, errors.New("store unreachable")
}

// When recording the attempt failed, the webhook goes on without the
// store, and the store's Finish then finds no push: that is not a push
// given up by another attempt. The reply goes to the attempt, and only
// there: not to WithLateReplyFunc as well, which would deliver it twice.
func TestWebhookArriveFailedReplyOnce(t *testing.T) {
	var late []LateReply
	var mu sync.Mutex
	c, logs := newWebhookClient(t, WithInsecurePlaintext(), WithDedupStore(failingArriveStore{NewMemoryDedupStore(0, 0)}),
		WithLateReplyFunc(func(_ context.Context, lr LateReply) {
			mu.Lock()
			late = append(late, lr)
			mu.Unlock()
		}))
	wh := c.Webhook(echoHandler())
	rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, "1"), fixture(t, "inbound/text.xml"))
	require.Equal(t, http.StatusOK, rec.Code)
	r, err := ParseReply(rec.Body.Bytes())
	require.NoError(t, err)
	require.NotNil(t, r, "the attempt carries the reply")
	assert.Equal(t, "echo: this is a test", r.(*TextReply).Content)
	assert.Contains(t, logs.String(), "dedup store failed to record an attempt")
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, late, "the reply the attempt carried is not late too")
}

// The memory store decides between an attempt taking a finished reply
// and the reply going late under one lock: a claim while an attempt
// waits leaves the reply to it; one after an attempt took it finds it
// taken; one with neither takes the reply back, so that an attempt that
// arrives after it is answered without the reply, and a second claim
// does not hand it on again.
func TestMemoryDedupStoreClaimLate(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	reply := []byte("<xml>r</xml>")
	newPush := func(t *testing.T) *MemoryDedupStore {
		s := NewMemoryDedupStore(0, 0)
		_, err := s.Arrive(ctx, "k", now, time.Minute)
		require.NoError(t, err)
		return s
	}

	t.Run("waiting attempt", func(t *testing.T) {
		s := newPush(t)
		done, seq := s.wait("k")
		stored, w := s.finishWatched("k", reply)
		require.True(t, stored)
		<-done
		taken, busy := s.claimWatched("k", w)
		assert.True(t, busy, "the woken attempt has not taken the reply yet")
		assert.False(t, taken)
		st, err := s.Take(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, reply, st.Reply, "the waiting attempt carries the reply")
		s.leave("k", seq)
		taken, busy = s.claimWatched("k", w)
		assert.True(t, taken)
		assert.False(t, busy)
	})

	t.Run("retry after finish", func(t *testing.T) {
		s := newPush(t)
		_, w := s.finishWatched("k", reply)
		st, _ := s.Arrive(ctx, "k", now, time.Minute)
		require.Equal(t, reply, st.Reply)
		taken, _ := s.claimWatched("k", w)
		assert.True(t, taken, "the retry took the reply")
	})

	t.Run("no attempt", func(t *testing.T) {
		s := newPush(t)
		_, w := s.finishWatched("k", reply)
		taken, busy := s.claimWatched("k", w)
		assert.False(t, taken)
		assert.False(t, busy)
		st, _ := s.Arrive(ctx, "k", now, time.Minute)
		assert.True(t, st.Done)
		assert.Nil(t, st.Reply, "a retry after the claim gets no reply")
		assert.Zero(t, s.bytes)
		taken, _ = s.claimWatched("k", w)
		assert.True(t, taken, "a second claim does not hand the reply on again")
	})

	// The store of one entry forgets the push when another arrives; the
	// push is then posted again, a new push of the same key.
	forget := func(t *testing.T, s *MemoryDedupStore) {
		_, err := s.Arrive(ctx, "other", now, time.Minute)
		require.NoError(t, err)
		st, err := s.Arrive(ctx, "k", now, time.Minute)
		require.NoError(t, err)
		require.Equal(t, 1, st.Attempt, "the push was forgotten")
	}

	t.Run("taken, then forgotten", func(t *testing.T) {
		s := NewMemoryDedupStore(1, 0)
		_, _ = s.Arrive(ctx, "k", now, time.Minute)
		_, w := s.finishWatched("k", reply)
		st, _ := s.Arrive(ctx, "k", now, time.Minute)
		require.Equal(t, reply, st.Reply)
		forget(t, s)
		taken, busy := s.claimWatched("k", w)
		assert.True(t, taken, "the retry took the reply before the push was forgotten")
		assert.False(t, busy)
	})

	t.Run("untaken, then forgotten", func(t *testing.T) {
		s := NewMemoryDedupStore(1, 0)
		_, _ = s.Arrive(ctx, "k", now, time.Minute)
		_, w := s.finishWatched("k", reply)
		forget(t, s)
		taken, busy := s.claimWatched("k", w)
		assert.False(t, taken, "no attempt took the reply")
		assert.False(t, busy)
		_, w = s.finishWatched("k", reply)
		taken, _ = s.claimWatched("k", w)
		assert.False(t, taken, "the first claim left the new push of the key as it was: its own claim hands its reply on")
	})
}

// A reply whose capacity is its length is kept as it is; one with room
// to spare is copied to its own length, so that the caller's larger
// buffer is not held for the push's whole time.
func TestMemoryDedupStoreReplyCopy(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s := NewMemoryDedupStore(0, 0)

	exact := []byte("exact")
	_, _ = s.Arrive(ctx, "a", now, time.Minute)
	_, _ = s.Finish(ctx, "a", exact)
	st, _ := s.State(ctx, "a")
	require.Equal(t, exact, st.Reply)
	assert.Same(t, &exact[0], &st.Reply[0], "kept, not copied")

	roomy := append(make([]byte, 0, 512), "roomy"...)
	_, _ = s.Arrive(ctx, "b", now, time.Minute)
	_, _ = s.Finish(ctx, "b", roomy)
	st, _ = s.State(ctx, "b")
	require.Equal(t, []byte("roomy"), st.Reply)
	assert.NotSame(t, &roomy[0], &st.Reply[0], "copied")
	assert.Equal(t, len(st.Reply), cap(st.Reply))
}

// A second Finish of a push replaces its reply, and the store counts the
// bytes of the reply it holds, not of both: counted twice, the excess
// would never be given back and would push out the replies of pushes to
// come.
func TestMemoryDedupStoreFinishTwice(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s := NewMemoryDedupStore(0, 10)
	_, _ = s.Arrive(ctx, "a", now, time.Minute)
	_, _ = s.Finish(ctx, "a", []byte("123456"))
	_, _ = s.Finish(ctx, "a", []byte("1234"))
	assert.Equal(t, 4, s.bytes)
	st, _ := s.State(ctx, "a")
	assert.Equal(t, []byte("1234"), st.Reply)

	// Room for b's reply beside a's: neither is pushed out.
	_, _ = s.Arrive(ctx, "b", now, time.Minute)
	_, _ = s.Finish(ctx, "b", []byte("123456"))
	st, _ = s.State(ctx, "a")
	assert.Equal(t, []byte("1234"), st.Reply, "a is kept")
	assert.Equal(t, 10, s.bytes)

	// Forgotten, a gives back what it holds.
	_, _ = s.Arrive(ctx, "c", now.Add(time.Hour), time.Minute)
	assert.Zero(t, s.bytes)
}

// modelDedup is MemoryDedupStore's semantics at their plainest: a list of
// the pushes it has not forgotten, in the order they first arrived. Like
// the store it forgets lazily: the oldest pushes whose time is up when a
// push arrives, and any push whose time is up when it is looked up. The
// store must answer every sequence of calls as it does.
type modelDedup struct {
	maxEntries, maxBytes int
	now                  time.Time
	pushes               []*modelPush
}

type modelPush struct {
	key     string
	expires time.Time
	state   PushState
}

func (m *modelDedup) bytes() int {
	n := 0
	for _, p := range m.pushes {
		n += len(p.state.Reply)
	}
	return n
}

func (m *modelDedup) find(key string) *modelPush {
	for i, p := range m.pushes {
		if p.key == key {
			if !m.now.Before(p.expires) {
				m.pushes = append(m.pushes[:i:i], m.pushes[i+1:]...)
				return nil
			}
			return p
		}
	}
	return nil
}

func (m *modelDedup) arrive(key string, now time.Time, ttl time.Duration) PushState {
	if now.After(m.now) {
		m.now = now
	}
	for len(m.pushes) > 0 && !now.Before(m.pushes[0].expires) {
		m.pushes = m.pushes[1:]
	}
	p := m.find(key)
	if p == nil {
		if len(m.pushes) >= m.maxEntries {
			m.pushes = m.pushes[len(m.pushes)-m.maxEntries+1:]
		}
		p = &modelPush{key: key, expires: now.Add(ttl), state: PushState{First: now}}
		m.pushes = append(m.pushes, p)
	}
	p.state.Attempt++
	if p.state.Done {
		p.state.Taken = true // the attempt answers with the reply
	}
	return p.state
}

func (m *modelDedup) finish(key string, reply []byte) bool {
	p := m.find(key)
	if p == nil || p.state.GivenUp {
		return false
	}
	if len(reply) > m.maxBytes {
		reply = nil
	}
	for m.bytes()+len(reply) > m.maxBytes && m.pushes[0] != p {
		m.pushes = m.pushes[1:]
	}
	p.state.Done, p.state.Reply = true, reply
	return true
}

func (m *modelDedup) giveUp(key string) PushState {
	p := m.find(key)
	if p == nil {
		return PushState{GivenUp: true}
	}
	if !p.state.Done {
		p.state.GivenUp = true
	} else {
		p.state.Taken = true // the last attempt answers with the reply
	}
	return p.state
}

func (m *modelDedup) stateOf(key string) PushState {
	if p := m.find(key); p != nil {
		return p.state
	}
	return PushState{}
}

// Random calls, with ttls that differ so that pushes expire out of order
// and leave dead entries in the ring, and enough pushes to grow the ring
// several times and wrap round it: the store answers each call as the
// model does and holds the same pushes and reply bytes.
func TestMemoryDedupStoreMatchesModel(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			maxEntries, maxBytes := 1+rng.IntN(80), 1+rng.IntN(400)
			s := NewMemoryDedupStore(maxEntries, maxBytes)
			m := &modelDedup{maxEntries: maxEntries, maxBytes: maxBytes}
			now := time.Unix(1700000000, 0)
			for step := range 3000 {
				key := fmt.Sprint("k", rng.IntN(150))
				what := fmt.Sprintf("step %d (%d entries, %d bytes): ", step, maxEntries, maxBytes)
				switch op := rng.IntN(10); {
				case op < 4:
					now = now.Add(time.Duration(rng.IntN(300)) * time.Millisecond)
					ttl := time.Duration(1+rng.IntN(20)) * time.Second
					got, err := s.Arrive(ctx, key, now, ttl)
					require.NoError(t, err)
					require.Equal(t, m.arrive(key, now, ttl), got, what+"Arrive %s", key)
				case op < 7:
					reply := bytes.Repeat([]byte{'r'}, rng.IntN(60))
					if rng.IntN(4) == 0 {
						reply = nil
					}
					got, err := s.Finish(ctx, key, reply)
					require.NoError(t, err)
					require.Equal(t, m.finish(key, reply), got, what+"Finish %s", key)
				case op < 8:
					got, err := s.GiveUp(ctx, key)
					require.NoError(t, err)
					require.Equal(t, m.giveUp(key), got, what+"GiveUp %s", key)
				default:
					got, err := s.State(ctx, key)
					require.NoError(t, err)
					require.Equal(t, m.stateOf(key), got, what+"State %s", key)
				}
				s.mu.Lock()
				keys := make([]string, 0, len(m.pushes))
				for _, p := range m.pushes {
					keys = append(keys, p.key)
				}
				require.ElementsMatch(t, keys, slices.Collect(maps.Keys(s.pushes)), what+"the pushes held")
				require.Equal(t, m.bytes(), s.bytes, what+"the reply bytes held")
				s.mu.Unlock()
			}
			for i := range 150 {
				key := fmt.Sprint("k", i)
				got, _ := s.State(ctx, key)
				assert.Equal(t, m.stateOf(key), got, "State %s at the end", key)
			}
		})
	}
}

// The ring grows past its first size with every entry where it was, an
// entry dropped from it keeps nothing reachable, and once the pushes are
// gone it shrinks back.
func TestMemoryDedupStoreRingGrowth(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s := NewMemoryDedupStore(1000, 0)
	for i := range 100 {
		key := fmt.Sprint("k", i)
		_, _ = s.Arrive(ctx, key, now, time.Minute)
		_, _ = s.Finish(ctx, key, []byte(key))
	}
	s.mu.Lock()
	assert.GreaterOrEqual(t, len(s.ring), 100)
	s.mu.Unlock()
	for i := range 100 {
		key := fmt.Sprint("k", i)
		st, _ := s.State(ctx, key)
		assert.Equal(t, PushState{Attempt: 1, First: now, Done: true, Reply: []byte(key)}, st, key)
	}

	// Past their time, all go at the next arrival, and their entries
	// hold no reply.
	later := now.Add(time.Hour)
	_, _ = s.Arrive(ctx, "next", later, time.Minute)
	s.mu.Lock()
	assert.Len(t, s.pushes, 1)
	assert.Zero(t, s.bytes)
	for i := range s.ring {
		if p := &s.ring[i]; p.key != "next" {
			assert.Zero(t, *p, "entry %d", i)
		}
	}
	s.mu.Unlock()

	// The burst over, the ring shrinks back as pushes arrive, keeping
	// the entries it holds.
	for i := range 5 {
		_, _ = s.Arrive(ctx, fmt.Sprint("after", i), later, time.Minute)
	}
	s.mu.Lock()
	assert.Equal(t, minRing, len(s.ring))
	s.mu.Unlock()
	for _, key := range []string{"next", "after0", "after4"} {
		st, _ := s.State(ctx, key)
		assert.Equal(t, PushState{Attempt: 1, First: later}, st, key)
	}
}
