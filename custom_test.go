package wechat

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const customSend = "/cgi-bin/message/custom/send"

// customSends are the customer-service sends, each with the body WeChat
// documents for it.
var customSends = []struct {
	name string
	send func(c *Client, opts ...CustomOption) error
	body string
}{
	{
		name: "text",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendText(context.Background(), "OPENID", "Hello World", opts...)
		},
		body: `{"touser":"OPENID","msgtype":"text","text":{"content":"Hello World"}}`,
	},
	{
		name: "image",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendImage(context.Background(), "OPENID", "MEDIA_ID", opts...)
		},
		body: `{"touser":"OPENID","msgtype":"image","image":{"media_id":"MEDIA_ID"}}`,
	},
	{
		name: "voice",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendVoice(context.Background(), "OPENID", "MEDIA_ID", opts...)
		},
		body: `{"touser":"OPENID","msgtype":"voice","voice":{"media_id":"MEDIA_ID"}}`,
	},
	{
		name: "video",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendVideo(context.Background(), "OPENID", VideoMessage{
				MediaID: "MEDIA_ID", ThumbMediaID: "MEDIA_ID", Title: "TITLE", Description: "DESCRIPTION",
			}, opts...)
		},
		body: `{"touser":"OPENID","msgtype":"video","video":{"media_id":"MEDIA_ID","thumb_media_id":"MEDIA_ID","title":"TITLE","description":"DESCRIPTION"}}`,
	},
	{
		name: "video without title",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendVideo(context.Background(), "OPENID", VideoMessage{MediaID: "MEDIA_ID", ThumbMediaID: "THUMB"}, opts...)
		},
		body: `{"touser":"OPENID","msgtype":"video","video":{"media_id":"MEDIA_ID","thumb_media_id":"THUMB"}}`,
	},
	{
		name: "music",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendMusic(context.Background(), "OPENID", MusicMessage{
				Title: "MUSIC_TITLE", Description: "MUSIC_DESCRIPTION",
				MusicURL: "MUSIC_URL", HQMusicURL: "HQ_MUSIC_URL", ThumbMediaID: "THUMB_MEDIA_ID",
			}, opts...)
		},
		body: `{"touser":"OPENID","msgtype":"music","music":{"title":"MUSIC_TITLE","description":"MUSIC_DESCRIPTION","musicurl":"MUSIC_URL","hqmusicurl":"HQ_MUSIC_URL","thumb_media_id":"THUMB_MEDIA_ID"}}`,
	},
	{
		name: "news",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendNews(context.Background(), "OPENID", Article{
				Title: "Happy Day", Description: "Is Really A Happy Day", URL: "URL", PicURL: "PIC_URL",
			}, opts...)
		},
		body: `{"touser":"OPENID","msgtype":"news","news":{"articles":[{"title":"Happy Day","description":"Is Really A Happy Day","url":"URL","picurl":"PIC_URL"}]}}`,
	},
	{
		name: "mpnews",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendMPNews(context.Background(), "OPENID", "MEDIA_ID", opts...)
		},
		body: `{"touser":"OPENID","msgtype":"mpnews","mpnews":{"media_id":"MEDIA_ID"}}`,
	},
	{
		name: "mpnewsarticle",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendMPNewsArticle(context.Background(), "OPENID", "ARTICLE_ID", opts...)
		},
		body: `{"touser":"OPENID","msgtype":"mpnewsarticle","mpnewsarticle":{"article_id":"ARTICLE_ID"}}`,
	},
	{
		name: "msgmenu",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendMenuMessage(context.Background(), "OPENID", MenuMessage{
				HeadContent: "您对本次服务是否满意呢? ",
				List:        []MenuMessageItem{{ID: "101", Content: "满意"}, {ID: "102", Content: "不满意"}},
				TailContent: "欢迎再次光临",
			}, opts...)
		},
		body: `{"touser":"OPENID","msgtype":"msgmenu","msgmenu":{"head_content":"您对本次服务是否满意呢? ","list":[{"id":"101","content":"满意"},{"id":"102","content":"不满意"}],"tail_content":"欢迎再次光临"}}`,
	},
	{
		name: "miniprogrampage",
		send: func(c *Client, opts ...CustomOption) error {
			return c.SendMiniProgramPage(context.Background(), "OPENID", MiniProgramPage{
				Title: "title", AppID: "appid", PagePath: "pagepath", ThumbMediaID: "thumb_media_id",
			}, opts...)
		},
		body: `{"touser":"OPENID","msgtype":"miniprogrampage","miniprogrampage":{"title":"title","appid":"appid","pagepath":"pagepath","thumb_media_id":"thumb_media_id"}}`,
	},
}

func TestCustomSend(t *testing.T) {
	for _, tt := range customSends {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", customSend, fixture(t, "api/ok.json"))
			require.NoError(t, tt.send(c))
			assertWire(t, rec.only(t), "POST", customSend, tt.body)
		})
	}
}

func TestCustomSendAsKFAccount(t *testing.T) {
	for _, tt := range customSends {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", customSend, fixture(t, "api/message_custom_send_empty_errmsg.json"))
			require.NoError(t, tt.send(c, AsKFAccount("test1@kftest")))
			want := tt.body[:len(tt.body)-1] + `,"customservice":{"kf_account":"test1@kftest"}}`
			assertWire(t, rec.only(t), "POST", customSend, want)
		})
	}

	// An empty account, and a nil option, change nothing.
	c, rec := newStubClient(t, "POST", customSend, fixture(t, "api/ok.json"))
	require.NoError(t, c.SendText(context.Background(), "OPENID", "Hello World", AsKFAccount(""), nil))
	assertWire(t, rec.only(t), "POST", customSend, customSends[0].body)
}

func TestCustomSendAPIError(t *testing.T) {
	for _, tt := range customSends {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", customSend, fixture(t, "api/errors/47003_argument_invalid.json"))
			err := tt.send(c)
			assertAPIError(t, err, CodeArgumentInvalid, customSend)
			assert.Len(t, rec.Calls(), 1)
		})
	}
}

func TestCustomSendIsNotRetried(t *testing.T) {
	replies := map[string]httpmock.Responder{
		"network error": httpmock.NewErrorResponder(errors.New("connection reset by peer")),
		"system busy":   jsonResponder(systemBusy, "application/json"),
		"HTTP 502": func(*http.Request) (*http.Response, error) {
			r := httpmock.NewStringResponse(http.StatusBadGateway, `bad gateway`)
			r.Header.Set("Content-Type", "application/json")
			return r, nil
		},
	}
	for name, reply := range replies {
		t.Run(name, func(t *testing.T) {
			for _, tt := range customSends {
				c, mt := newTestClient(t)
				rec := stubWith(mt, "POST", customSend, reply)
				assert.Error(t, tt.send(c), tt.name)
				assert.Len(t, rec.Calls(), 1, "%s: exactly one request", tt.name)
			}
		})
	}
}

func TestSendTextKeepsHTML(t *testing.T) {
	c, rec := newStubClient(t, "POST", customSend, fixture(t, "api/ok.json"))
	link := `<a href="https://example.com/?a=1&b=2" data-miniprogram-appid="appid" data-miniprogram-path="pages/index/index">点击跳小程序</a>`
	require.NoError(t, c.SendText(context.Background(), "OPENID", link))
	w := rec.only(t)
	assert.Contains(t, string(w.Body), `<a href=\"https://example.com/?a=1&b=2\"`, "no \\u003c or \\u0026 escapes")
}

func TestCustomSendRejects(t *testing.T) {
	ctx := context.Background()
	c := newOfflineClient(t)
	for name, err := range map[string]error{
		"text no user":         c.SendText(ctx, "", "hi"),
		"text no content":      c.SendText(ctx, "OPENID", ""),
		"image no media":       c.SendImage(ctx, "OPENID", ""),
		"image no user":        c.SendImage(ctx, "", "MEDIA_ID"),
		"voice no media":       c.SendVoice(ctx, "OPENID", ""),
		"video no media":       c.SendVideo(ctx, "OPENID", VideoMessage{ThumbMediaID: "T"}),
		"music no url":         c.SendMusic(ctx, "OPENID", MusicMessage{ThumbMediaID: "T"}),
		"news no user":         c.SendNews(ctx, "", Article{Title: "t"}),
		"mpnews no media":      c.SendMPNews(ctx, "OPENID", ""),
		"article no id":        c.SendMPNewsArticle(ctx, "OPENID", ""),
		"menu no choices":      c.SendMenuMessage(ctx, "OPENID", MenuMessage{HeadContent: "h"}),
		"menu empty choice id": c.SendMenuMessage(ctx, "OPENID", MenuMessage{List: []MenuMessageItem{{Content: "x"}}}),
		"card no appid":        c.SendMiniProgramPage(ctx, "OPENID", MiniProgramPage{PagePath: "p", ThumbMediaID: "t"}),
		"card no path":         c.SendMiniProgramPage(ctx, "OPENID", MiniProgramPage{AppID: "a", ThumbMediaID: "t"}),
		"card no thumb":        c.SendMiniProgramPage(ctx, "OPENID", MiniProgramPage{AppID: "a", PagePath: "p"}),
		"typing no user":       c.SetTyping(ctx, "", true),
	} {
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
	}
}

func TestSetTyping(t *testing.T) {
	for _, tt := range []struct {
		typing bool
		body   string
	}{
		{true, `{"touser":"OPENID","command":"Typing"}`},
		{false, `{"touser":"OPENID","command":"CancelTyping"}`},
	} {
		c, rec := newStubClient(t, "POST", "/cgi-bin/message/custom/typing", fixture(t, "api/ok.json"))
		require.NoError(t, c.SetTyping(context.Background(), "OPENID", tt.typing))
		assertWire(t, rec.only(t), "POST", "/cgi-bin/message/custom/typing", tt.body)
	}

	c, _ := newStubClient(t, "POST", "/cgi-bin/message/custom/typing", fixture(t, "api/errors/45009_api_freq_out_of_limit.json"))
	assertAPIError(t, c.SetTyping(context.Background(), "OPENID", true), CodeAPIFreqOutOfLimit, "/cgi-bin/message/custom/typing")
}

func customEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.CustomSend: execCase(customSends[0].body,
			func(ctx context.Context, c *Client) error { return customSends[0].send(c) },
			func(ctx context.Context, c *Client) error { return c.SendText(ctx, "", "Hello World") }),
		endpoint.CustomTyping: execCase(`{"touser":"OPENID","command":"Typing"}`,
			func(ctx context.Context, c *Client) error { return c.SetTyping(ctx, "OPENID", true) },
			func(ctx context.Context, c *Client) error { return c.SetTyping(ctx, "", true) }),
	}
}

// SendReply sends each passive reply as its customer-service kind, to the
// reply's addressee; what has no such kind sends nothing.
func TestSendReply(t *testing.T) {
	m := &Message{FromUserName: "OPENID", ToUserName: "gh_account", MsgType: MsgTypeText}
	music := m.ReplyMusic("thumb")
	music.Title, music.MusicURL, music.HQMusicURL = "Song", "http://m/a.mp3", "http://m/a.flac"
	tests := []struct {
		name  string
		reply Reply
		body  string
	}{
		{"text", m.ReplyText("hi <b>"), `{"touser":"OPENID","msgtype":"text","text":{"content":"hi <b>"}}`},
		{"image", m.ReplyImage("img"), `{"touser":"OPENID","msgtype":"image","image":{"media_id":"img"}}`},
		{"voice", m.ReplyVoice("v"), `{"touser":"OPENID","msgtype":"voice","voice":{"media_id":"v"}}`},
		{"video", m.ReplyVideo("vid", "T", "D"), `{"touser":"OPENID","msgtype":"video","video":{"media_id":"vid","thumb_media_id":"","title":"T","description":"D"}}`},
		{"music", music, `{"touser":"OPENID","msgtype":"music","music":{"title":"Song","musicurl":"http://m/a.mp3","hqmusicurl":"http://m/a.flac","thumb_media_id":"thumb"}}`},
		{"news: the first article", m.ReplyNews(Article{Title: "A", URL: "http://a"}, Article{Title: "B"}),
			`{"touser":"OPENID","msgtype":"news","news":{"articles":[{"title":"A","description":"","url":"http://a","picurl":""}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", customSend, fixture(t, "api/ok.json"))
			require.NoError(t, c.SendReply(context.Background(), tt.reply))
			assertWire(t, rec.only(t), "POST", customSend, tt.body)
		})
	}
	var typedNil *TextReply
	for _, r := range []Reply{nil, typedNil, m.TransferCustomerService(""), m.ReplyNews()} {
		c := newOfflineClient(t)
		assert.ErrorIs(t, c.SendReply(context.Background(), r), ErrInvalidArgument, "%T", r)
	}
}
