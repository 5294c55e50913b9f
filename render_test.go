package wechat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keepingReply is a Reply of a user's own that keeps the buffer it
// appended to, which nothing forbids it.
type keepingReply struct {
	text  string
	kept  []byte
	given int // the capacity of the buffer it was given
}

func (r *keepingReply) AppendXML(b []byte) ([]byte, error) {
	r.given = cap(b)
	b = append(b, "<xml><Content>"+r.text+"</Content></xml>"...)
	r.kept = b
	return b, nil
}

// render's result is the reply's XML in a slice of its own length, which
// no later render writes over, whether the reply is of this package's
// types (rendered in a reused buffer) or a user's that keeps its buffer
// (never given a reused one).
func TestRenderOwnsItsResult(t *testing.T) {
	c, _ := newWebhookClient(t)
	wh := c.Webhook(HandlerFunc(benchEcho)).(*webhook)
	ctx := context.Background()
	msg := &Message{ToUserName: "gh", FromUserName: "o1", MsgType: MsgTypeText}

	var outs [][]byte
	var want []string
	for i, content := range []string{"first", strings.Repeat("long ", 5000), "third", "fourth"} {
		r := msg.ReplyText(content)
		out := wh.render(ctx, msg, r)
		xml, err := r.AppendXML(nil)
		require.NoError(t, err)
		require.Equal(t, string(xml), string(out), "reply %d", i)
		assert.Equal(t, len(out), cap(out), "reply %d is sized for itself", i)
		outs, want = append(outs, out), append(want, string(xml))
	}
	for i := range outs {
		assert.Equal(t, want[i], string(outs[i]), "reply %d after the later ones", i)
	}

	user := &keepingReply{text: "mine"}
	out := wh.render(ctx, msg, user)
	assert.Equal(t, "<xml><Content>mine</Content></xml>", string(out))
	assert.Equal(t, 512, user.given, "a fresh buffer of 512 bytes, as ever")
	_ = wh.render(ctx, msg, msg.ReplyText(strings.Repeat("x", 40)))
	assert.Equal(t, "<xml><Content>mine</Content></xml>", string(user.kept), "the user's reply was given a reused buffer")

	assert.Nil(t, wh.render(ctx, msg, nil))
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

// panickingReply is a Reply of the application's own whose AppendXML
// panics, as a nil pointer of such a type would.
type panickingReply struct{ fields map[string]string }

func (r *panickingReply) AppendXML(b []byte) ([]byte, error) {
	return append(b, r.fields["Content"]...), nil
}

// A reply that panics while it is rendered is the handler's failure like
// any other: logged and answered "success", once, and the retries that
// follow get "success" at once instead of waiting for a reply that will
// never come.
func TestWebhookReplyThatPanics(t *testing.T) {
	c, logs := newWebhookClient(t, WithInsecurePlaintext(), WithReplyTimeout(time.Second))
	h := &recordingHandler{reply: func(*Message) (Reply, error) { return (*panickingReply)(nil), nil }}
	wh := c.Webhook(h)
	text := fixture(t, "inbound/text.xml")

	post := func(nonce string) (rec *httptest.ResponseRecorder, panicked any) {
		defer func() { panicked = recover() }()
		return serve(wh, http.MethodPost, "/wechat?"+plainQuery(safeVector(t).Token, nowTS, nonce), text), nil
	}
	rec, p := post("1")
	require.Nil(t, p, "the panic escapes the webhook")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "success", rec.Body.String())
	assert.Contains(t, logs.String(), "panic")

	start := time.Now()
	rec, p = post("2")
	require.Nil(t, p)
	assert.Equal(t, "success", rec.Body.String())
	assert.Less(t, time.Since(start), 500*time.Millisecond, "the retry waited for a reply")
	assert.Len(t, h.calls(), 1)
}
