package wechat

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainWebhookClient is a plain-mode Client at webhookNow, whose logs go
// to the returned buffer.
func plainWebhookClient(t *testing.T, opts ...Option) (*Client, *syncBuffer) {
	t.Helper()
	v := safeVector(t)
	logs := &syncBuffer{}
	base := []Option{
		WithAppID(v.AppID), WithServerToken(v.Token), WithClock(func() time.Time { return webhookNow }),
		WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
	}
	c, err := New(append(base, opts...)...)
	require.NoError(t, err)
	return c, logs
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
	c, _ := plainWebhookClient(t)
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
	c, logs := plainWebhookClient(t, WithReplyTimeout(time.Second))
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
