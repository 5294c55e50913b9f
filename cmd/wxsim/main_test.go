package main

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// The test account. Token and key are made up and distinctive, so that
// finding them in the output cannot be a coincidence.
const (
	testToken  = "wxsim-test-token-7d1f"
	testAppID  = "wx5e1a9c0000test01"
	testAESKey = "Yv4sfsIxkQuEAqCzj368TMLYN8fxEzN4JIoJGn9mR5w"
	otherKey   = "ZfVRCRxIMI515RfasiXc0Z2r+xE1pXgizjJlwoLs4Bs"
)

// bot is a small bot served by Client.Webhook; it records every message
// it gets.
type bot struct {
	mu  sync.Mutex
	got []*wechat.Message
	url string // of its webhook
}

func (b *bot) messages() []*wechat.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*wechat.Message(nil), b.got...)
}

// newBot starts a bot with the given settings at <server>/wechat.
func newBot(t *testing.T, token, appID, aesKey string) *bot {
	t.Helper()
	// It takes plaintext too, as examples/echo does on its demo settings,
	// so that every mode can be tried against one bot; and it does not
	// deduplicate, since the tests send the same event in each mode
	// within one second, which WeChat's rule would take for a retry.
	c, err := wechat.New(wechat.WithServerToken(token), wechat.WithAppID(appID), wechat.WithEncodingAESKey(aesKey),
		wechat.WithInsecurePlaintext(), wechat.WithoutDedup())
	require.NoError(t, err)
	b := &bot{}
	mux := http.NewServeMux()
	mux.Handle("/wechat", c.Webhook(wechat.HandlerFunc(func(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
		b.mu.Lock()
		b.got = append(b.got, m)
		b.mu.Unlock()
		return answer(m), nil
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b.url = srv.URL + "/wechat"
	return b
}

// answer is the bot's reply to m: every reply type appears.
func answer(m *wechat.Message) wechat.Reply {
	switch m.MsgType {
	case wechat.MsgTypeText:
		switch {
		case m.Content == "music":
			r := m.ReplyMusic("thumb-1")
			r.Title, r.Description, r.MusicURL, r.HQMusicURL = "Song", "A song", "https://example.com/a.mp3", "https://example.com/a.flac"
			return r
		case m.Content == "video":
			return m.ReplyVideo("video-1", "Clip", "Line one\nline two")
		case m.Content == "transfer":
			return m.TransferCustomerService("")
		case strings.HasPrefix(m.Content, "transfer "):
			return m.TransferCustomerService(strings.TrimPrefix(m.Content, "transfer "))
		case m.Content == "silence":
			return nil
		}
		return m.ReplyText("echo: " + m.Content)
	case wechat.MsgTypeImage:
		return m.ReplyImage("reply-" + m.MediaID)
	case wechat.MsgTypeVoice:
		return m.ReplyVoice("reply-" + m.MediaID)
	case wechat.MsgTypeLocation:
		return m.ReplyNews(wechat.Article{Title: m.Label, URL: "https://example.com/map?a=1&b=2"})
	case wechat.MsgTypeLink:
		return m.ReplyNews(
			wechat.Article{Title: m.Title, Description: m.Description, URL: m.URL, PicURL: "https://example.com/1.jpg"},
			wechat.Article{Title: "More"},
		)
	}
	switch m.Event {
	case wechat.EventSubscribe:
		if scene, ok := m.QRScene(); ok {
			return m.ReplyText("welcome from scene " + scene)
		}
		return m.ReplyText("welcome")
	case wechat.EventUnsubscribe, wechat.EventView:
		return nil
	case wechat.EventClick:
		return m.ReplyText("clicked " + m.EventKey)
	case wechat.EventScan:
		return m.ReplyText("scanned " + m.EventKey)
	case wechat.EventLocation:
		return m.ReplyText("you are here")
	}
	return m.ReplyText("event " + string(m.Event) + " " + m.EventKey)
}

// result is one run of wxsim.
type result struct {
	code           int
	stdout, stderr string
}

// wxsim runs the command with args and the environment env, and checks
// that neither secret appears in its output.
func wxsim(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	r := result{code, stdout.String(), stderr.String()}
	for _, secret := range []string{testToken, testAESKey, otherKey, demoToken, demoAESKey, "wrong-token-0000"} {
		assert.NotContains(t, r.stdout, secret, "stdout leaks a secret")
		assert.NotContains(t, r.stderr, secret, "stderr leaks a secret")
	}
	return r
}

// modeArgs are the flags of each mode against the test account.
func modeArgs(url string) map[string][]string {
	return map[string][]string{
		"plain":      {"-url", url, "-token", testToken},
		"compatible": {"-url", url, "-token", testToken, "-aeskey", testAESKey, "-appid", testAppID, "-mode", "compatible"},
		"safe":       {"-url", url, "-token", testToken, "-aeskey", testAESKey, "-appid", testAppID}, // safe by default
	}
}

var modeNames = []string{"plain", "compatible", "safe"}

const replyHead = "reply to " + wechattest.DefaultOpenID + " from " + wechattest.DefaultAccount + ":\n"

// text is a text message from the default user to the default account.
func text(content string) wechat.Message {
	return wechat.Message{MsgType: wechat.MsgTypeText, Content: content}
}

// event is an event from the default user to the default account.
func event(e wechat.EventType, key string) wechat.Message {
	return wechat.Message{MsgType: wechat.MsgTypeEvent, Event: e, EventKey: key}
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   wechat.Message // what the bot gets; empty To/From mean the defaults
		stdout string
	}{
		{"text", []string{"text", "hello", "world"},
			text("hello world"),
			"text " + replyHead + "  echo: hello world\n"},
		{"text lines and markup", []string{"text", "a <b>&]]>\nc"},
			text("a <b>&]]>\nc"),
			"text " + replyHead + "  echo: a <b>&]]>\n  c\n"},
		{"music reply", []string{"text", "music"},
			text("music"),
			"music " + replyHead +
				"  Title:        Song\n" +
				"  Description:  A song\n" +
				"  MusicUrl:     https://example.com/a.mp3\n" +
				"  HQMusicUrl:   https://example.com/a.flac\n" +
				"  ThumbMediaId: thumb-1\n"},
		{"video reply", []string{"text", "video"},
			text("video"),
			"video " + replyHead +
				"  MediaId:     video-1\n" +
				"  Title:       Clip\n" +
				"  Description: Line one\n" +
				"               line two\n"},
		{"transfer reply", []string{"text", "transfer"},
			text("transfer"),
			"transfer_customer_service " + replyHead + "  to any online customer-service account\n"},
		{"transfer reply to an account", []string{"text", "transfer", "kf2001@test"},
			text("transfer kf2001@test"),
			"transfer_customer_service " + replyHead + "  KfAccount: kf2001@test\n"},
		{"no reply", []string{"text", "silence"},
			text("silence"),
			"no reply (success)\n"},
		{"image", []string{"image", "https://example.com/p.jpg", "media-7"},
			wechat.Message{MsgType: wechat.MsgTypeImage, PicURL: "https://example.com/p.jpg", MediaID: "media-7"},
			"image " + replyHead + "  MediaId: reply-media-7\n"},
		{"image without media id", []string{"image", "https://example.com/p.jpg"},
			wechat.Message{MsgType: wechat.MsgTypeImage, PicURL: "https://example.com/p.jpg"},
			"image " + replyHead + "  MediaId: reply-\n"},
		{"voice", []string{"voice", "media-8", "你好", "世界"},
			wechat.Message{MsgType: wechat.MsgTypeVoice, MediaID: "media-8", Format: "amr", Recognition: "你好 世界"},
			"voice " + replyHead + "  MediaId: reply-media-8\n"},
		{"location", []string{"location", "23.134521", "113.358803"},
			wechat.Message{MsgType: wechat.MsgTypeLocation, LocationX: 23.134521, LocationY: 113.358803, Scale: 15},
			"news " + replyHead + "  article 1 of 1:\n" +
				"    Title:       \n" +
				"    Description: \n" +
				"    Url:         https://example.com/map?a=1&b=2\n" +
				"    PicUrl:      \n"},
		{"location with scale and label", []string{"location", "-33.8568", "151.2153", "20", "Sydney", "Opera", "House"},
			wechat.Message{MsgType: wechat.MsgTypeLocation, LocationX: -33.8568, LocationY: 151.2153, Scale: 20, Label: "Sydney Opera House"},
			"news " + replyHead + "  article 1 of 1:\n" +
				"    Title:       Sydney Opera House\n" +
				"    Description: \n" +
				"    Url:         https://example.com/map?a=1&b=2\n" +
				"    PicUrl:      \n"},
		{"link", []string{"link", "Go", "The Go language", "https://go.dev/?x=1&y=2"},
			wechat.Message{MsgType: wechat.MsgTypeLink, Title: "Go", Description: "The Go language", URL: "https://go.dev/?x=1&y=2"},
			"news " + replyHead +
				"  article 1 of 2:\n" +
				"    Title:       Go\n" +
				"    Description: The Go language\n" +
				"    Url:         https://go.dev/?x=1&y=2\n" +
				"    PicUrl:      https://example.com/1.jpg\n" +
				"  article 2 of 2:\n" +
				"    Title:       More\n" +
				"    Description: \n" +
				"    Url:         \n" +
				"    PicUrl:      \n"},
		{"subscribe", []string{"event", "subscribe"},
			event(wechat.EventSubscribe, ""), "text " + replyHead + "  welcome\n"},
		{"subscribe through a QR code", []string{"event", "subscribe", "42"},
			event(wechat.EventSubscribe, "qrscene_42"), "text " + replyHead + "  welcome from scene 42\n"},
		{"unsubscribe", []string{"event", "unsubscribe"},
			event(wechat.EventUnsubscribe, ""), "no reply (success)\n"},
		{"click", []string{"event", "click", "V1001_GOOD"},
			event(wechat.EventClick, "V1001_GOOD"), "text " + replyHead + "  clicked V1001_GOOD\n"},
		{"click in WeChat's spelling", []string{"event", "CLICK", "K"},
			event(wechat.EventClick, "K"), "text " + replyHead + "  clicked K\n"},
		{"view", []string{"event", "view", "https://example.com/menu?a=1&b=2"},
			event(wechat.EventView, "https://example.com/menu?a=1&b=2"), "no reply (success)\n"},
		{"scan", []string{"event", "scan", "7"},
			event(wechat.EventScan, "7"), "text " + replyHead + "  scanned 7\n"},
		{"location event", []string{"event", "location", "23.137466", "113.352425", "119.385040"},
			wechat.Message{MsgType: wechat.MsgTypeEvent, Event: wechat.EventLocation, Latitude: 23.137466, Longitude: 113.352425, Precision: 119.38504},
			"text " + replyHead + "  you are here\n"},
		{"another documented event", []string{"event", "scancode_push", "scan-1"},
			wechat.Message{MsgType: wechat.MsgTypeEvent, Event: wechat.EventScanCodePush, EventKey: "scan-1", ScanCodeInfo: &wechat.ScanCodeInfo{}},
			"text " + replyHead + "  event scancode_push scan-1\n"},
		{"an undocumented event with a key", []string{"event", "card_pass_check", "card-1"},
			event("card_pass_check", "card-1"), "text " + replyHead + "  event card_pass_check card-1\n"},
		{"an undocumented event without a key", []string{"event", "card_pass_check"},
			event("card_pass_check", ""), "text " + replyHead + "  event card_pass_check \n"},
		{"sender and account", []string{"-from", "oUser42", "-to", "gh_abcdef123456", "text", "hi"},
			wechat.Message{ToUserName: "gh_abcdef123456", FromUserName: "oUser42", MsgType: wechat.MsgTypeText, Content: "hi"},
			"text reply to oUser42 from gh_abcdef123456:\n  echo: hi\n"},
		{"sender and account of an undocumented event", []string{"-from", "oUser42", "-to", "gh_abcdef123456", "event", "card_pass_check", "c"},
			wechat.Message{ToUserName: "gh_abcdef123456", FromUserName: "oUser42", MsgType: wechat.MsgTypeEvent, Event: "card_pass_check", EventKey: "c"},
			"text reply to oUser42 from gh_abcdef123456:\n  event card_pass_check c\n"},
	}
	b := newBot(t, testToken, testAppID, testAESKey)
	modes := modeArgs(b.url)
	for _, mode := range modeNames {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				before := len(b.messages())
				start := time.Now().Unix()
				r := wxsim(t, nil, append(append([]string(nil), modes[mode]...), tt.args...)...)
				require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
				assert.Equal(t, tt.stdout, r.stdout)
				assert.Empty(t, r.stderr)

				got := b.messages()
				require.Len(t, got, before+1, "the bot got one message")
				m := *got[before]
				assert.GreaterOrEqual(t, m.CreateTime, start)
				assert.LessOrEqual(t, m.CreateTime, time.Now().Unix())
				if m.MsgType != wechat.MsgTypeEvent {
					assert.Positive(t, m.MsgID)
				}
				m.CreateTime, m.MsgID, m.Raw = 0, 0, nil
				want := tt.want
				want.ToUserName = cmp.Or(want.ToUserName, wechattest.DefaultAccount)
				want.FromUserName = cmp.Or(want.FromUserName, wechattest.DefaultOpenID)
				assert.Equal(t, want, m)
			})
		}
	}
}

func TestVerify(t *testing.T) {
	b := newBot(t, testToken, testAppID, testAESKey)
	for mode, args := range modeArgs(b.url) {
		t.Run(mode, func(t *testing.T) {
			r := wxsim(t, nil, append(args, "verify")...)
			assert.Equal(t, exitOK, r.code, r.stderr)
			assert.Equal(t, "URL check passed\n", r.stdout)
			assert.Empty(t, r.stderr)
		})
	}
	assert.Empty(t, b.messages(), "a URL check is not a message")
}

// TestEnvironment: the settings come from the environment when no flag
// gives them, flags win, and -demo gives those of examples/echo.
func TestEnvironment(t *testing.T) {
	b := newBot(t, testToken, testAppID, testAESKey)
	env := map[string]string{
		"WXSIM_URL":               b.url,
		"WECHAT_TOKEN":            testToken,
		"WECHAT_APPID":            testAppID,
		"WECHAT_ENCODING_AES_KEY": testAESKey,
	}
	r := wxsim(t, env, "-v", "text", "from the environment")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "text "+replyHead+"  echo: from the environment\n", r.stdout)
	assert.Contains(t, r.stderr, "encrypt_type=aes", "a key in the environment means safe mode")

	r = wxsim(t, env, "-token", "wrong-token-0000", "text", "hi")
	assert.Equal(t, exitFail, r.code, "the -token flag wins over WECHAT_TOKEN")
	assert.Contains(t, r.stderr, "403")

	demo := newBot(t, demoToken, demoAppID, demoAESKey)
	r = wxsim(t, env, "-demo", "-url", demo.url, "-v", "text", "hello")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "text "+replyHead+"  echo: hello\n", r.stdout)
	assert.Contains(t, r.stderr, "encrypt_type=aes", "-demo means safe mode")
	require.Len(t, demo.messages(), 1)
	assert.Equal(t, "hello", demo.messages()[0].Content)
}

func TestVerbose(t *testing.T) {
	b := newBot(t, testToken, testAppID, testAESKey)
	plain := wxsim(t, nil, append(modeArgs(b.url)["plain"], "-v", "text", "hi")...)
	require.Equal(t, exitOK, plain.code, plain.stderr)
	assert.Equal(t, "text "+replyHead+"  echo: hi\n", plain.stdout, "-v leaves stdout alone")
	assert.Regexp(t, `^> POST `+b.url+`\?nonce=\d+&openid=`+wechattest.DefaultOpenID+`&signature=[0-9a-f]{40}&timestamp=\d+\n`, plain.stderr)
	assert.Contains(t, plain.stderr, "\n> Content-Type: text/xml\n<xml><ToUserName><![CDATA["+wechattest.DefaultAccount+"]]></ToUserName>")
	assert.Contains(t, plain.stderr, "<Content><![CDATA[hi]]></Content>")
	assert.Contains(t, plain.stderr, "\n< 200 OK\n")
	assert.Contains(t, plain.stderr, "<Content><![CDATA[echo: hi]]></Content>")
	assert.NotContains(t, plain.stderr, "decrypted")

	safe := wxsim(t, nil, append(modeArgs(b.url)["safe"], "-v", "text", "hi")...)
	require.Equal(t, exitOK, safe.code, safe.stderr)
	assert.Equal(t, "text "+replyHead+"  echo: hi\n", safe.stdout)
	assert.Regexp(t, `^> POST `+b.url+`\?encrypt_type=aes&msg_signature=[0-9a-f]{40}&`, safe.stderr)
	before, after, ok := strings.Cut(safe.stderr, "\n< 200 OK\n")
	require.True(t, ok, safe.stderr)
	assert.NotContains(t, before[:strings.Index(before, "> (the message, decrypted)")], "<Content>", "safe mode posts only the ciphertext")
	assert.Contains(t, before, "> (the message, decrypted)\n<xml>")
	assert.Contains(t, before, "<Content><![CDATA[hi]]></Content>")
	assert.Contains(t, after, "<Encrypt><![CDATA[")
	assert.Contains(t, after, "< (the reply, decrypted)\n<xml><ToUserName><![CDATA["+wechattest.DefaultOpenID+"]]></ToUserName>")
	assert.Contains(t, after, "<Content><![CDATA[echo: hi]]></Content>")

	verify := wxsim(t, nil, append(modeArgs(b.url)["safe"], "-v", "verify")...)
	require.Equal(t, exitOK, verify.code, verify.stderr)
	assert.Regexp(t, `^> GET `+b.url+`\?echostr=(\d+)&nonce=\d+&signature=[0-9a-f]{40}&timestamp=\d+\n< 200 OK\n`, verify.stderr)
}

// server answers every request with fn and counts them.
func server(t *testing.T, fn http.HandlerFunc) (url string, calls *atomic.Int32) {
	t.Helper()
	calls = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fn(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/wechat", calls
}

// sealed answers with a text reply to the default user, encrypted with
// the given settings; the request's own timestamp and nonce are reused.
func sealed(t *testing.T, token, aesKey, appID string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		mc, err := wechat.NewMessageCipher(token, aesKey, appID)
		if !assert.NoError(t, err) {
			return
		}
		reply := &wechat.TextReply{
			ReplyHeader: wechat.ReplyHeader{ToUserName: wechattest.DefaultOpenID, FromUserName: wechattest.DefaultAccount, CreateTime: 1},
			Content:     "sealed",
		}
		plain, _ := reply.AppendXML(nil)
		env, err := mc.Encrypt(plain, r.URL.Query().Get("timestamp"), r.URL.Query().Get("nonce"))
		if !assert.NoError(t, err) {
			return
		}
		_, _ = w.Write(env.ReplyXML())
	}
}

func answerWith(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) }
}

func TestFailures(t *testing.T) {
	otherBot := newBot(t, testToken, testAppID, otherKey)
	bot := newBot(t, testToken, testAppID, testAESKey)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	slow, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	tests := []struct {
		name   string
		url    string
		fn     http.HandlerFunc // serves the request when url is empty
		mode   string
		args   []string
		stderr []string // what the message says
	}{
		{name: "verify with the wrong token", url: bot.url, mode: "plain", args: []string{"-token", "wrong-token-0000", "verify"},
			stderr: []string{"URL check failed", "403 Forbidden", "signature", "-token"}},
		{name: "text with the wrong token", url: bot.url, mode: "plain", args: []string{"-token", "wrong-token-0000", "text", "hi"},
			stderr: []string{"403 Forbidden", "signature", "-token"}},
		{name: "safe mode with the wrong token", url: bot.url, mode: "safe", args: []string{"-token", "wrong-token-0000", "text", "hi"},
			stderr: []string{"403 Forbidden", "signature", "-token"}},
		{name: "a bot with another key", url: otherBot.url, mode: "safe", args: []string{"text", "hi"},
			stderr: []string{"400 Bad Request", "could not decrypt or read the message", "-aeskey"}},
		{name: "a reply encrypted with another key", fn: sealed(t, testToken, otherKey, testAppID), mode: "safe", args: []string{"text", "hi"},
			stderr: []string{"reply does not decrypt", "padding", "EncodingAESKey"}},
		{name: "a reply signed with another token", fn: sealed(t, "another-token", testAESKey, testAppID), mode: "safe", args: []string{"text", "hi"},
			stderr: []string{"bad msg_signature"}},
		{name: "a reply for another AppID", fn: sealed(t, testToken, testAESKey, "wxother0000000000"), mode: "compatible", args: []string{"text", "hi"},
			stderr: []string{"reply does not decrypt", `"wxother0000000000"`, testAppID}},
		{name: "an answer that is not XML", fn: answerWith("<html>oops"), mode: "plain", args: []string{"text", "hi"},
			stderr: []string{"reply is not valid XML", "bad XML at offset"}},
		{name: "a plain reply in safe mode", fn: answerWith(textReply(wechattest.DefaultOpenID)), mode: "safe", args: []string{"text", "hi"},
			stderr: []string{"reply is not encrypted", "safe mode"}},
		{name: "a reply to someone else", fn: answerWith(textReply("oSomeoneElse")), mode: "plain", args: []string{"text", "hi"},
			stderr: []string{"not addressed to the sender", "oSomeoneElse"}},
		{name: "the wrong echostr", fn: answerWith("12345"), mode: "plain", args: []string{"verify"},
			stderr: []string{"URL check failed", "wrong echostr", `"12345"`}},
		{name: "not found", fn: http.NotFound, mode: "plain", args: []string{"text", "hi"},
			stderr: []string{"404 Not Found", "-url"}},
		{name: "server error", fn: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
			mode: "plain", args: []string{"text", "hi"}, stderr: []string{"500 Internal Server Error (boom)"}},
		{name: "connection refused", url: closed.URL + "/wechat", mode: "safe", args: []string{"text", "hi"},
			stderr: []string{"cannot connect to " + closed.URL + "/wechat", "connection refused", "is the webhook running?"}},
		{name: "connection refused on verify", url: closed.URL + "/wechat", mode: "plain", args: []string{"verify"},
			stderr: []string{"URL check failed", "connection refused", "is the webhook running?"}},
		{name: "timeout", url: slow, mode: "safe", args: []string{"-timeout", "100ms", "text", "hi"},
			stderr: []string{"no answer from " + slow + " within 100ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if url == "" {
				url, _ = server(t, tt.fn)
			}
			start := time.Now()
			r := wxsim(t, nil, append(modeArgs(url)[tt.mode], tt.args...)...)
			assert.Equal(t, exitFail, r.code)
			assert.Empty(t, r.stdout)
			assert.True(t, strings.HasPrefix(r.stderr, "wxsim: "), r.stderr)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
			for _, s := range tt.stderr {
				assert.Contains(t, r.stderr, s)
			}
			assert.Less(t, time.Since(start), 3*time.Second)
		})
	}
}

// textReply is a plain text reply "hi" to the user to from the fake's
// account.
func textReply(to string) string {
	r := &wechat.TextReply{ReplyHeader: wechat.ReplyHeader{ToUserName: to, FromUserName: wechattest.DefaultAccount, CreateTime: 1}, Content: "hi"}
	b, _ := r.AppendXML(nil)
	return string(b)
}

// In compatible mode WeChat takes a plain reply as well as an encrypted
// one (消息加解密说明: 公众号回复明文或密文均可), and so does wxsim.
func TestPlainReplyInCompatibleMode(t *testing.T) {
	url, _ := server(t, answerWith(textReply(wechattest.DefaultOpenID)))
	r := wxsim(t, nil, append(modeArgs(url)["compatible"], "text", "hi")...)
	require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "text reply to "+wechattest.DefaultOpenID)
	assert.Empty(t, r.stderr)
}

// TestVerboseFailure: -v shows what came back even when it is wrong.
func TestVerboseFailure(t *testing.T) {
	url, _ := server(t, answerWith("<html>oops"))
	r := wxsim(t, nil, append(modeArgs(url)["plain"], "-v", "text", "hi")...)
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, r.stderr, "\n< 200 OK\n")
	assert.Contains(t, r.stderr, "\n<html>oops\nwxsim: reply is not valid XML")
}

func TestUsageErrors(t *testing.T) {
	url, calls := server(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("nothing should be sent, got %s %s", r.Method, r.URL)
	})
	base := []string{"-url", url, "-token", testToken}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		stderr string
	}{
		{"no command", nil, base, "no command"},
		{"unknown command", nil, append(base, "txt", "hi"), `unknown command "txt"`},
		{"text without content", nil, append(base, "text"), "text: missing CONTENT"},
		{"verify with arguments", nil, append(base, "verify", "x"), "verify: too many arguments"},
		{"image without URL", nil, append(base, "image"), "image: missing arguments"},
		{"image with too many arguments", nil, append(base, "image", "u", "m", "x"), "image: too many arguments (want 1 to 2)"},
		{"voice without media id", nil, append(base, "voice"), "voice: missing MEDIAID"},
		{"link with two arguments", nil, append(base, "link", "t", "d"), "link: missing arguments (want 3)"},
		{"location without longitude", nil, append(base, "location", "23.1"), "location: want LAT LNG"},
		{"location with a bad latitude", nil, append(base, "location", "north", "113.3"), `LAT "north" is not a latitude`},
		{"location out of range", nil, append(base, "location", "91", "113.3"), `LAT "91" is not a latitude`},
		{"location with a bad longitude", nil, append(base, "location", "23.1", "181"), `LNG "181" is not a longitude`},
		{"location with a bad scale", nil, append(base, "location", "23.1", "113.3", "big"), `SCALE "big"`},
		{"event without name", nil, append(base, "event"), "event: missing the event name"},
		{"click without key", nil, append(base, "event", "click"), "event click: missing arguments (want 1)"},
		{"unsubscribe with a key", nil, append(base, "event", "unsubscribe", "x"), "event unsubscribe: too many arguments"},
		{"location event with a bad precision", nil, append(base, "event", "location", "1", "2", "far"), `PRECISION "far"`},
		{"an event without EventKey given one", nil, append(base, "event", "kf_create_session", "kf1"), "event kf_create_session carries no EventKey"},
		{"aeskey without appid", nil, append(base, "-aeskey", testAESKey, "text", "hi"), "needs the AppID"},
		{"aeskey from the environment without appid", map[string]string{"WECHAT_ENCODING_AES_KEY": testAESKey}, append(base, "text", "hi"), "needs the AppID"},
		{"safe mode without key", nil, append(base, "-mode", "safe", "text", "hi"), "safe mode needs the EncodingAESKey"},
		{"compatible mode without key", nil, append(base, "-mode", "compatible", "text", "hi"), "compatible mode needs the EncodingAESKey"},
		{"unknown mode", nil, append(base, "-mode", "aes", "text", "hi"), `-mode "aes"`},
		{"a key that is not one", nil, append(base, "-aeskey", "wrong-token-0000", "-appid", testAppID, "text", "hi"), "EncodingAESKey must be 43 characters"},
		{"no token", nil, []string{"-url", url, "text", "hi"}, "no server token"},
		{"not an http URL", nil, []string{"-url", "127.0.0.1:8080/wechat", "-token", testToken, "text", "hi"}, "is not an http(s) URL"},
		{"a URL without a host", nil, []string{"-url", "http:///wechat", "-token", testToken, "text", "hi"}, "is not an http(s) URL"},
		{"zero timeout", nil, append(base, "-timeout", "0s", "text", "hi"), "-timeout must be positive"},
		{"bad timeout", nil, append(base, "-timeout", "5", "text", "hi"), `invalid value "5" for flag -timeout`},
		{"unknown flag", nil, append(base, "-secret", "text", "hi"), "flag provided but not defined: -secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := wxsim(t, tt.env, tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tt.stderr)
			assert.Contains(t, r.stderr, "usage: wxsim [flags] COMMAND [ARGS]")
			assert.Contains(t, r.stderr, "-aeskey", "the usage lists the flags")
		})
	}
	assert.Zero(t, calls.Load())
}

func TestHelp(t *testing.T) {
	r := wxsim(t, nil, "-h")
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stderr, "usage: wxsim")
	assert.Contains(t, r.stderr, "event location LAT LNG [PRECISION]")
}

// With -retry wxsim plays WeChat's retries: a bot slower than -timeout is
// answered on a later attempt, and one that never answers is the failure
// WeChat shows the user.
func TestRetry(t *testing.T) {
	const attempt = 300 * time.Millisecond
	c, err := wechat.New(wechat.WithServerToken(testToken), wechat.WithAppID(testAppID), wechat.WithEncodingAESKey(testAESKey),
		wechat.WithReplyTimeout(attempt*8/10))
	require.NoError(t, err)
	var runs atomic.Int32
	slow := c.Webhook(wechat.HandlerFunc(func(ctx context.Context, m *wechat.Message) (wechat.Reply, error) {
		runs.Add(1)
		time.Sleep(attempt * 3 / 2)
		return m.ReplyText("thought about " + m.Content), nil
	}))
	srv := httptest.NewServer(slow)
	defer srv.Close()
	safe := []string{"-url", srv.URL, "-token", testToken, "-aeskey", testAESKey, "-appid", testAppID, "-timeout", attempt.String()}

	r := wxsim(t, nil, append(safe, "-retry", "text", "hello")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "text reply to "+wechattest.DefaultOpenID+" from "+wechattest.DefaultAccount+":\n  thought about hello\n(answered on attempt 2 of 3)\n", r.stdout)
	assert.Equal(t, int32(1), runs.Load())

	// Without -retry the one attempt times out.
	r = wxsim(t, nil, append(safe, "text", "again")...)
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, r.stderr, "no answer")

	// A webhook that never answers.
	block := make(chan struct{})
	mute := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer mute.Close()
	defer close(block) // before Close, which waits for the handlers
	r = wxsim(t, nil, "-url", mute.URL, "-token", testToken, "-timeout", "50ms", "-retry", "text", "hello")
	assert.Equal(t, exitFail, r.code)
	assert.Equal(t, "wxsim: no answer in 3 attempts: the user sees 该公众号提供的服务出现故障，请稍后再试\n", r.stderr)
	assert.Empty(t, r.stdout)
}
