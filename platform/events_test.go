package platform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
	"github.com/mpkit/wechat/wechattest"
)

// The documented ticket push and the captured authorization pushes parse,
// whitespace around their CDATA sections included.
func TestParseEvent(t *testing.T) {
	ticket, err := platform.ParseEvent(fixture(t, "component_verify_ticket.xml"))
	require.NoError(t, err)
	assert.Equal(t, platform.InfoTypeVerifyTicket, ticket.InfoType)
	assert.Equal(t, "some_appid", ticket.AppID)
	assert.Equal(t, platform.Secret("some_verify_ticket"), ticket.VerifyTicket)
	assert.Equal(t, time.Unix(1413192605, 0), ticket.CreateTime)

	for _, name := range []string{"authorized_capture.xml", "authorized_capture_indented.xml"} {
		e, err := platform.ParseEvent(fixture(t, name))
		require.NoError(t, err, name)
		assert.Equal(t, platform.InfoTypeAuthorized, e.InfoType, name)
		assert.Equal(t, "wx570bc396a51b8ff8", e.AuthorizerAppID, name)
		assert.True(t, strings.HasPrefix(string(e.AuthorizationCode), "queryauthcode@@@"), name)
		assert.True(t, strings.HasPrefix(string(e.PreAuthCode), "preauthcode@@@"), name)
		assert.Equal(t, e.CreateTime.Add(time.Hour), e.AuthorizationCodeExpiresAt, name)
		assert.Nil(t, e.Registration)
	}
	un, err := platform.ParseEvent(fixture(t, "unauthorized_capture.xml"))
	require.NoError(t, err)
	assert.Equal(t, platform.InfoTypeUnauthorized, un.InfoType)
	assert.Equal(t, "wxad6a05d0cd13e12c", un.AppID)
	assert.Empty(t, un.AuthorizationCode)
	assert.True(t, un.AuthorizationCodeExpiresAt.IsZero())

	reg, err := platform.ParseEvent(fixture(t, "notify_third_fasteregister.xml"))
	require.NoError(t, err)
	assert.Equal(t, platform.InfoTypeFastRegister, reg.InfoType)
	require.NotNil(t, reg.Registration)
	assert.Equal(t, "创建小程序appid", reg.Registration.AppID)
	assert.Equal(t, platform.Secret("xxxxx第三方授权码"), reg.Registration.AuthCode)
	assert.Equal(t, "OK", reg.Registration.Message)
	assert.Equal(t, "企业名称", reg.Registration.Info["name"])
	assert.Equal(t, "1", reg.Registration.Info["code_type"])

	failed, err := platform.ParseEvent(fixture(t, "notify_third_fasteregister_failed.xml"))
	require.NoError(t, err)
	assert.Equal(t, -1, failed.Registration.Status)
	assert.Equal(t, "open verity failed", failed.Registration.Message)
	assert.Empty(t, failed.Registration.AuthCode)

	for _, bad := range []string{"", "<xml><AppId>x</AppId></xml>", "<root><InfoType>authorized</InfoType></root>", "<xml><InfoType>"} {
		_, err := platform.ParseEvent([]byte(bad))
		assert.ErrorIs(t, err, wechat.ErrUnexpectedResponse, "%q", bad)
	}
}

// The event URL believes only pushes signed and encrypted with the
// platform's token and key, and only by POST.
func TestEventsRefuseUnverified(t *testing.T) {
	e := newEnv(t, nil)
	h := e.c.Events(nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/events", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)

	rec = httptest.NewRecorder()
	body := `<xml><AppId><![CDATA[x]]></AppId><Encrypt><![CDATA[bm90IHNpZ25lZA==]]></Encrypt></xml>`
	q := fmt.Sprintf("/events?timestamp=%d&nonce=1&encrypt_type=aes&msg_signature=00", e.clock.Now().Unix())
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, q, strings.NewReader(body)))
	assert.Equal(t, http.StatusForbidden, rec.Code)

	// A platform of another AppID: the same pushes do not decrypt to it.
	other, err := e.fake.Client(platform.WithAppID("wx0000000000000bad"))
	require.NoError(t, err)
	e.fake.SetReceiver(wechattest.Receiver{Events: other.Events(nil)})
	_, err = e.fake.PushTicket(context.Background())
	var se *wechattest.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusForbidden, se.StatusCode)
	_, err = other.ComponentAccessToken(context.Background())
	assert.ErrorIs(t, err, platform.ErrNoTicket, "nothing stored")
}

// A platform without its message token and key cannot verify a push:
// its handlers say so with 500.
func TestPushesNeedTokenAndKey(t *testing.T) {
	c, err := platform.New(platform.WithAppID("wx000000000c0e0001"))
	require.NoError(t, err)
	for _, h := range []http.Handler{c.Events(nil), c.Messages(nil)} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x/wx1234567890abcdef", strings.NewReader("<xml/>")))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Contains(t, rec.Body.String(), "WithServerToken")
		assert.Contains(t, rec.Body.String(), "WithEncodingAESKey")
	}
}

// An event the platform cannot act on is answered 500, so that WeChat
// sends it again; the handler's own error is only logged.
func TestEventsRetryWhenStoreFails(t *testing.T) {
	ctx := context.Background()
	store := &failingStore{MemoryRefreshTokenStore: platform.NewMemoryRefreshTokenStore()}
	var logs bytes.Buffer
	e := newEnv(t, nil, platform.WithRefreshTokenStore(store), platform.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	e.ticket()
	store.setBroken(true)
	_, err := e.fake.Authorize(ctx, "wx3000000000000001")
	var se *wechattest.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusInternalServerError, se.StatusCode)
	assert.Contains(t, logs.String(), "WeChat will send it again")

	store.setBroken(false)
	e.events.err = errors.New("handler failed")
	_, err = e.fake.Authorize(ctx, "wx3000000000000001")
	require.NoError(t, err, "the handler's error is the handler's")
	assert.Contains(t, logs.String(), "handler failed")
	assert.NotContains(t, logs.String(), e.fake.RefreshToken("wx3000000000000001"), "no secret in the log")
}

// The messages of every authorized account reach one handler, which
// knows whose they are; replies go back encrypted, and the account's
// Client serves the handler's calls.
func TestMessages(t *testing.T) {
	ctx := context.Background()
	var e *env
	bot := wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		appID := platform.AuthorizerAppID(ctx)
		ac, err := e.c.Authorizer(appID)
		if err != nil {
			return nil, err
		}
		if err := ac.SendText(ctx, msg.FromUserName, "typed for "+appID); err != nil {
			return nil, err
		}
		return msg.ReplyText(appID + " got " + msg.Content), nil
	})
	e = newEnv(t, bot)
	e.ticket()
	ids := []string{"wx4000000000000001", "wx4000000000000002"}
	for _, id := range ids {
		e.authorize(id, wechattest.WithFollowers(wechattest.Follower{OpenID: wechattest.DefaultOpenID}))
	}
	msg := wechattest.Text("hello")
	msg.MsgID = 42 // the same MsgId for both accounts: not a retry
	for _, id := range ids {
		reply, err := e.fake.Webhook(id).Send(ctx, msg)
		require.NoError(t, err, id)
		text, ok := reply.(*wechat.TextReply)
		require.True(t, ok, "%T", reply)
		assert.Equal(t, id+" got hello", text.Content)
		sent := e.fake.Account(id).SentMessages()
		require.Len(t, sent, 1, id)
		assert.Contains(t, string(sent[0].Body), "typed for "+id)
	}

	// A retry of a push is handled once.
	reply, err := e.fake.Webhook(ids[0]).Send(ctx, msg)
	require.NoError(t, err)
	assert.Equal(t, ids[0]+" got hello", reply.(*wechat.TextReply).Content)
	assert.Len(t, e.fake.Account(ids[0]).SentMessages(), 1, "the handler ran once")

	// No AppID in the path.
	rec := httptest.NewRecorder()
	e.c.Messages(bot).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/wechat/..%2f", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

// A handler too slow for WeChat's window has its reply sent as a
// customer-service message with the account's own token.
func TestMessagesSlowReplyAsCustomerMessage(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	slow := wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		<-release
		return msg.ReplyText("late for " + platform.AuthorizerAppID(ctx)), nil
	})
	late := make(chan wechat.LateReply, 1)
	e := newEnv(t, slow, platform.WithClientOptions(
		wechat.WithSlowReplyMode(wechat.SendAsCustomerMessage), wechat.WithReplyTimeout(20*time.Millisecond),
		wechat.WithLateReplyFunc(func(_ context.Context, lr wechat.LateReply) { late <- lr })))
	e.ticket()
	const appID = "wx4000000000000003"
	e.authorize(appID, wechattest.WithFollowers(wechattest.Follower{OpenID: wechattest.DefaultOpenID}))
	wh := e.fake.Webhook(appID)
	wh.Timeout = 200 * time.Millisecond
	reply, err := wh.Send(ctx, wechattest.Text("hi"))
	require.NoError(t, err)
	assert.Nil(t, reply, "answered success at the deadline")
	close(release)
	awaitSent(t, late)
	sent := e.fake.Account(appID).SentMessages()
	require.Len(t, sent, 1)
	assert.Contains(t, string(sent[0].Body), "late for "+appID)
	assert.Zero(t, e.fake.Refreshes(appID))

	// The account's token is rejected when the late reply goes out: it
	// is dropped from the account's own entry of the store and fetched
	// again, once, and the reply still reaches the user.
	release = make(chan struct{})
	e.fake.Account(appID).RevokeTokens()
	reply, err = wh.Send(ctx, wechattest.Text("again"))
	require.NoError(t, err)
	assert.Nil(t, reply)
	close(release)
	awaitSent(t, late)
	assert.Equal(t, 1, e.fake.Refreshes(appID), "refreshed once")
	assert.Len(t, e.fake.Account(appID).SentMessages(), 2)
	ac, err := e.c.Authorizer(appID)
	require.NoError(t, err)
	_, err = ac.ListCallbackIPs(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, e.fake.Refreshes(appID), "the account's Client has the new token")
}

// awaitSent waits for a late reply that was sent.
func awaitSent(t *testing.T, late <-chan wechat.LateReply) {
	t.Helper()
	select {
	case lr := <-late:
		require.NoError(t, lr.Err)
		assert.True(t, lr.Sent)
	case <-time.After(5 * time.Second):
		t.Fatal("no late reply")
	}
}

// WeChat's release checks, as the fake runs them, pass with
// ReleaseChecks in front of the bot, and fail without it.
func TestReleaseChecks(t *testing.T) {
	ctx := context.Background()
	echo := wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText(msg.Content), nil
	})
	var e *env
	checked := wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return e.c.ReleaseChecks(echo).ServeMessage(ctx, msg)
	})
	e = newEnv(t, checked)
	e.ticket()
	require.NoError(t, e.fake.RunReleaseChecks(ctx))

	// Other accounts still reach the bot.
	e.authorize("wx4000000000000004")
	reply, err := e.fake.Webhook("wx4000000000000004").Send(ctx, wechattest.Text("TESTCOMPONENT_MSG_TYPE_TEXT"))
	require.NoError(t, err)
	assert.Equal(t, "TESTCOMPONENT_MSG_TYPE_TEXT", reply.(*wechat.TextReply).Content)

	plain := newEnv(t, echo)
	plain.ticket()
	err = plain.fake.RunReleaseChecks(ctx)
	var rce *wechattest.ReleaseCheckError
	require.ErrorAs(t, err, &rce)
	assert.Len(t, rce.Failed, 3, "%v", err)
}

// Nothing a platform holds shows its secrets: not fmt, not slog, not JSON.
func TestSecretsHidden(t *testing.T) {
	ctx := context.Background()
	refresh := platform.NewMemoryRefreshTokenStore()
	e := newEnv(t, nil, platform.WithRefreshTokenStore(refresh))
	e.ticket()
	code, err := e.fake.Authorize(ctx, "wx5000000000000001")
	require.NoError(t, err)
	ev := e.events.last(t)
	auth := ev.Authorization
	require.NotNil(t, auth)
	info, err := e.c.AuthorizerInfo(ctx, "wx5000000000000001")
	require.NoError(t, err)
	var list []platform.AuthorizerSummary
	for a, err := range e.c.Authorizers(ctx) {
		require.NoError(t, err)
		list = append(list, a)
	}
	secrets := []string{e.fake.RefreshToken("wx5000000000000001"), code, string(ev.PreAuthCode), auth.AccessToken.Value,
		e.fake.ComponentSecret()}
	values := []any{ev, *ev, auth, info, list, e.c, *auth, refresh, auth.RefreshToken}
	var out bytes.Buffer
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		b, err := json.Marshal(v)
		if err == nil {
			out.Write(b)
		}
		slog.New(slog.NewTextHandler(&out, nil)).Info("x", "v", v)
		slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "v", v)
	}
	// encoding/xml and the YAML and TOML packages take a Secret as an
	// encoding.TextMarshaler.
	type doc struct{ Token platform.Secret }
	x, err := xml.Marshal(doc{auth.RefreshToken})
	require.NoError(t, err)
	out.Write(x)
	for _, s := range secrets {
		require.NotEmpty(t, s)
		assert.NotContains(t, out.String(), s)
	}
	assert.Contains(t, out.String(), "wx5000000000000001", "what is not secret shows")
	assert.Contains(t, out.String(), "REDACTED")
}
