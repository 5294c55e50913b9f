package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// massKinds is one message of every kind, with the JSON its content takes
// in a send.
var massKinds = []struct {
	name string
	msg  MassMessage
	want string // the content part of the body
}{
	{"mpnews", MassMessage{Type: MassNews, MediaID: "123dsdajkasd231jhksad"},
		`"mpnews":{"media_id":"123dsdajkasd231jhksad"},"msgtype":"mpnews","send_ignore_reprint":0`},
	{"mpnews ignoring reprint", MassMessage{Type: MassNews, MediaID: "123dsdajkasd231jhksad", SendIgnoreReprint: true, ClientMsgID: "send_tag_2"},
		`"mpnews":{"media_id":"123dsdajkasd231jhksad"},"msgtype":"mpnews","send_ignore_reprint":1,"clientmsgid":"send_tag_2"`},
	{"text", MassMessage{Type: MassText, Content: "CONTENT <a href=\"https://example.com\">&</a>"},
		`"text":{"content":"CONTENT <a href=\"https://example.com\">&</a>"},"msgtype":"text"`},
	{"voice", MassMessage{Type: MassVoice, MediaID: "VOICE_ID"},
		`"voice":{"media_id":"VOICE_ID"},"msgtype":"voice"`},
	{"images", MassMessage{Type: MassImage, ImageMediaIDs: []string{"aaa", "bbb", "ccc"}, Recommend: "xxx", NeedOpenComment: true},
		`"images":{"media_ids":["aaa","bbb","ccc"],"recommend":"xxx","need_open_comment":1},"msgtype":"image"`},
	{"images for followers' comments", MassMessage{Type: MassImage, ImageMediaIDs: []string{"aaa"}, NeedOpenComment: true, OnlyFansCanComment: true},
		`"images":{"media_ids":["aaa"],"need_open_comment":1,"only_fans_can_comment":1},"msgtype":"image"`},
	{"mpvideo", MassMessage{Type: MassVideo, MediaID: "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc"},
		`"mpvideo":{"media_id":"IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc"},"msgtype":"mpvideo"`},
	{"mpvideo with title", MassMessage{Type: MassVideo, MediaID: "VIDEO_ID", Title: "TITLE", Description: "DESCRIPTION"},
		`"mpvideo":{"media_id":"VIDEO_ID","title":"TITLE","description":"DESCRIPTION"},"msgtype":"mpvideo"`},
	{"wxcard", MassMessage{Type: MassCard, CardID: "123dsdajkasd231jhksad"},
		`"wxcard":{"card_id":"123dsdajkasd231jhksad"},"msgtype":"wxcard"`},
}

func TestSendMassToAll(t *testing.T) {
	for _, tt := range massKinds {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/message/mass/sendall", fixture(t, "api/message_mass_send.json"))
			res, err := c.SendMassToAll(context.Background(), tt.msg)
			require.NoError(t, err)
			assert.Equal(t, &MassResult{MsgID: 34182, MsgDataID: 206227730}, res)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/message/mass/sendall", `{"filter":{"is_to_all":true},`+tt.want+`}`)
		})
	}
}

func TestSendMassToTag(t *testing.T) {
	for _, tagID := range []int64{2, 0} {
		t.Run(fmt.Sprint(tagID), func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/message/mass/sendall", fixture(t, "api/message_mass_send.json"))
			_, err := c.SendMassToTag(context.Background(), tagID, massKinds[1].msg)
			require.NoError(t, err)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/message/mass/sendall",
				fmt.Sprintf(`{"filter":{"is_to_all":false,"tag_id":%d},`, tagID)+massKinds[1].want+`}`)
		})
	}
	c := newOfflineClient(t)
	_, err := c.SendMassToTag(context.Background(), -1, massKinds[0].msg)
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestSendMassToUsers(t *testing.T) {
	for _, tt := range massKinds {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/message/mass/send", fixture(t, "api/message_mass_send.json"))
			res, err := c.SendMassToUsers(context.Background(), []string{"OPENID1", "OPENID2"}, tt.msg)
			require.NoError(t, err)
			assert.Equal(t, int64(34182), res.MsgID)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/message/mass/send", `{"touser":["OPENID1","OPENID2"],`+tt.want+`}`)
		})
	}
}

func TestSendMassRejects(t *testing.T) {
	many := make([]string, MassMaxOpenIDs+1)
	for i := range many {
		many[i] = fmt.Sprintf("OPENID%d", i)
	}
	good := MassMessage{Type: MassText, Content: "hi"}
	tests := []struct {
		name    string
		openIDs []string
		msg     MassMessage
	}{
		{"one openid", []string{"OPENID1"}, good},
		{"10001 openids", many, good},
		{"an empty openid", []string{"OPENID1", ""}, good},
		{"no type", []string{"A", "B"}, MassMessage{Content: "hi"}},
		{"unknown type", []string{"A", "B"}, MassMessage{Type: "music", MediaID: "M"}},
		{"mpnews without media_id", []string{"A", "B"}, MassMessage{Type: MassNews}},
		{"empty text", []string{"A", "B"}, MassMessage{Type: MassText}},
		{"voice without media_id", []string{"A", "B"}, MassMessage{Type: MassVoice}},
		{"image without images", []string{"A", "B"}, MassMessage{Type: MassImage}},
		{"video without media_id", []string{"A", "B"}, MassMessage{Type: MassVideo}},
		{"card without card_id", []string{"A", "B"}, MassMessage{Type: MassCard}},
		{"clientmsgid of 65 bytes", []string{"A", "B"}, MassMessage{Type: MassText, Content: "hi", ClientMsgID: strings.Repeat("x", 65)}},
	}
	c, rec := newStubClient(t, "POST", "/cgi-bin/message/mass/send", fixture(t, "api/message_mass_send.json"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SendMassToUsers(context.Background(), tt.openIDs, tt.msg)
			assert.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
	_, err := c.SendMassToAll(context.Background(), MassMessage{Type: MassText})
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Empty(t, rec.Calls(), "nothing reaches WeChat")

	// The limits themselves are accepted.
	_, err = c.SendMassToUsers(context.Background(), many[:MassMaxOpenIDs], MassMessage{Type: MassText, Content: "hi", ClientMsgID: strings.Repeat("x", 64)})
	require.NoError(t, err)
}

func TestSendMassIsNeverRetried(t *testing.T) {
	tests := []struct {
		name      string
		responder httpmock.Responder
		check     func(t *testing.T, err error)
	}{
		{"network error", httpmock.NewErrorResponder(errors.New("connection reset by peer")), func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "connection reset by peer")
			assert.NotContains(t, err.Error(), testToken)
		}},
		{"5xx", httpmock.NewStringResponder(502, "bad gateway"), func(t *testing.T, err error) {
			var he *HTTPError
			require.ErrorAs(t, err, &he)
		}},
		{"system busy", httpmock.NewStringResponder(200, `{"errcode":-1,"errmsg":"system error"}`), func(t *testing.T, err error) {
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.True(t, apiErr.Temporary())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newTestClient(t)
			rec := stubWith(mt, "POST", "/cgi-bin/message/mass/sendall", tt.responder)
			_, err := c.SendMassToAll(context.Background(), MassMessage{Type: MassText, Content: "hi", ClientMsgID: "once"})
			require.Error(t, err)
			tt.check(t, err)
			assert.Len(t, rec.Calls(), 1, "a repeated mass send could reach every follower twice")
		})
	}
}

func TestSendMassDuplicate(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cgi-bin/message/mass/send", fixture(t, "api/errors/45065_clientmsgid_exist.json"))
	_, err := c.SendMassToUsers(context.Background(), []string{"A", "B"}, MassMessage{Type: MassText, Content: "hi", ClientMsgID: "send_tag_2"})
	assert.ErrorIs(t, err, &APIError{Code: CodeMassDuplicate})
}

func TestPreviewMass(t *testing.T) {
	previews := []struct {
		name string
		msg  MassMessage
		want string
	}{
		{"mpnews", MassMessage{Type: MassNews, MediaID: "123dsdajkasd231jhksad", SendIgnoreReprint: true, ClientMsgID: "ignored"},
			`"mpnews":{"media_id":"123dsdajkasd231jhksad"},"msgtype":"mpnews"`},
		{"text", MassMessage{Type: MassText, Content: "CONTENT"}, `"text":{"content":"CONTENT"},"msgtype":"text"`},
		{"voice", MassMessage{Type: MassVoice, MediaID: "123dsdajkasd231jhksad"}, `"voice":{"media_id":"123dsdajkasd231jhksad"},"msgtype":"voice"`},
		{"image", MassMessage{Type: MassImage, ImageMediaIDs: []string{"123dsdajkasd231jhksad"}, Recommend: "not previewed"},
			`"image":{"media_id":"123dsdajkasd231jhksad"},"msgtype":"image"`},
		{"mpvideo", MassMessage{Type: MassVideo, MediaID: "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc"},
			`"mpvideo":{"media_id":"IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc"},"msgtype":"mpvideo"`},
		{"wxcard", MassMessage{Type: MassCard, CardID: "123dsdajkasd231jhksad"}, `"wxcard":{"card_id":"123dsdajkasd231jhksad"},"msgtype":"wxcard"`},
	}
	for _, tt := range previews {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/message/mass/preview", fixture(t, "api/message_mass_preview.json"))
			require.NoError(t, c.PreviewMass(context.Background(), "OPENID", tt.msg))
			require.NoError(t, c.PreviewMassToWxName(context.Background(), "示例的微信号", tt.msg))
			calls := rec.Calls()
			require.Len(t, calls, 2)
			assertWire(t, calls[0], "POST", "/cgi-bin/message/mass/preview", `{"touser":"OPENID",`+tt.want+`}`)
			assertWire(t, calls[1], "POST", "/cgi-bin/message/mass/preview", `{"towxname":"示例的微信号",`+tt.want+`}`)
		})
	}

	c := newOfflineClient(t)
	two := MassMessage{Type: MassImage, ImageMediaIDs: []string{"a", "b"}}
	assert.ErrorIs(t, c.PreviewMass(context.Background(), "OPENID", two), ErrInvalidArgument)
	assert.ErrorIs(t, c.PreviewMass(context.Background(), "", previews[1].msg), ErrInvalidArgument)
	assert.ErrorIs(t, c.PreviewMassToWxName(context.Background(), "", previews[1].msg), ErrInvalidArgument)
	assert.ErrorIs(t, c.PreviewMass(context.Background(), "OPENID", MassMessage{Type: MassCard}), ErrInvalidArgument)
}

func TestDeleteMass(t *testing.T) {
	for _, idx := range []int{2, 0} {
		t.Run(fmt.Sprint(idx), func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/message/mass/delete", fixture(t, "api/ok.json"))
			require.NoError(t, c.DeleteMass(context.Background(), 30124, idx))
			assertWire(t, rec.only(t), "POST", "/cgi-bin/message/mass/delete", fmt.Sprintf(`{"msg_id":30124,"article_idx":%d}`, idx))
		})
	}

	c, rec := newStubClient(t, "POST", "/cgi-bin/message/mass/delete", fixture(t, "api/ok.json"))
	require.NoError(t, c.DeleteMassByURL(context.Background(), "http://mp.weixin.qq.com/s/VgyFDJOHQCyBecF4PYqLjA"))
	assertWire(t, rec.only(t), "POST", "/cgi-bin/message/mass/delete", `{"article_idx":0,"url":"http://mp.weixin.qq.com/s/VgyFDJOHQCyBecF4PYqLjA"}`)

	assert.ErrorIs(t, c.DeleteMass(context.Background(), 0, 0), ErrInvalidArgument)
	assert.ErrorIs(t, c.DeleteMass(context.Background(), 30124, -1), ErrInvalidArgument)
	assert.ErrorIs(t, c.DeleteMassByURL(context.Background(), ""), ErrInvalidArgument)
	assert.Len(t, rec.Calls(), 1)
}

// TestGetMassStatus checks the RID of a failed status query; the query
// itself and its argument check are the MassGet case of massEndpoints.
func TestGetMassStatus(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cgi-bin/message/mass/get", []byte(`{"errcode":40059,"errmsg":"invalid msg id rid: 61021f78-194af5af-447f78c6"}`))
	_, err := c.GetMassStatus(context.Background(), 1)
	apiErr := assertAPIError(t, err, 40059, "/cgi-bin/message/mass/get")
	assert.Equal(t, "61021f78-194af5af-447f78c6", apiErr.RID)
}

func TestUploadMassVideoErrors(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stub(mt, "POST", "/cgi-bin/media/uploadvideo", []byte(`{"errcode":40007,"errmsg":"invalid media_id"}`))
	_, err := c.UploadMassVideo(context.Background(), "", "t", "")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = c.UploadMassVideo(context.Background(), "m", "", "")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Empty(t, rec.Calls(), "nothing sent for bad arguments")

	_, err = c.UploadMassVideo(context.Background(), "m", "t", "")
	assertAPIError(t, err, 40007, "/cgi-bin/media/uploadvideo")

	// A lost reply is not retried: a second call would make a second video.
	c, mt = newTestClient(t)
	rec = stubWith(mt, "POST", "/cgi-bin/media/uploadvideo", httpmock.NewErrorResponder(errors.New("connection reset")))
	_, err = c.UploadMassVideo(context.Background(), "m", "t", "")
	assert.Error(t, err)
	assert.Len(t, rec.Calls(), 1)
}

func massEndpoints() map[endpoint.ID]endpointCase {
	text := MassMessage{Type: MassText, Content: "CONTENT"}
	sent := &MassResult{MsgID: 34182, MsgDataID: 206227730}
	return map[endpoint.ID]endpointCase{
		endpoint.MediaUploadVideo: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UploadMassVideo(ctx, "rF4UdIMfYK3efUfyoddYRMU50zMiRmmt_l0kszupYh_SzrcW5Gaheq05p_lHuOTQ", "TITLE", "Description & <more>")
			},
			body:  `{"media_id":"rF4UdIMfYK3efUfyoddYRMU50zMiRmmt_l0kszupYh_SzrcW5Gaheq05p_lHuOTQ","title":"TITLE","description":"Description & <more>"}`,
			reply: "api/media_uploadvideo.json",
			want: &UploadedMedia{Type: MediaVideo, MediaID: "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc",
				CreatedAt: time.Unix(1398848981, 0)},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.UploadMassVideo(ctx, "m", "", ""); return err },
		},
		endpoint.MassSendAll: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.SendMassToAll(ctx, text) },
			body:  `{"filter":{"is_to_all":true},"text":{"content":"CONTENT"},"msgtype":"text"}`,
			reply: "api/message_mass_send.json",
			want:  sent,
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.SendMassToAll(ctx, MassMessage{Type: MassText})
				return err
			},
		},
		endpoint.MassSend: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SendMassToUsers(ctx, []string{"OPENID1", "OPENID2"}, text)
			},
			body:  `{"touser":["OPENID1","OPENID2"],"text":{"content":"CONTENT"},"msgtype":"text"}`,
			reply: "api/message_mass_send.json",
			want:  sent,
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.SendMassToUsers(ctx, []string{"OPENID1"}, text)
				return err
			},
		},
		endpoint.MassPreview: {
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.PreviewMass(ctx, "OPENID", text) },
			body:    `{"touser":"OPENID","text":{"content":"CONTENT"},"msgtype":"text"}`,
			reply:   "api/message_mass_preview.json",
			invalid: func(ctx context.Context, c *Client) error { return c.PreviewMass(ctx, "", text) },
		},
		endpoint.MassDelete: execCase(`{"msg_id":30124,"article_idx":2}`,
			func(ctx context.Context, c *Client) error { return c.DeleteMass(ctx, 30124, 2) },
			func(ctx context.Context, c *Client) error { return c.DeleteMass(ctx, 0, 0) }),
		endpoint.MassGet: {
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetMassStatus(ctx, 201053012) },
			body:    `{"msg_id":"201053012"}`,
			reply:   "api/message_mass_get.json",
			want:    MassSendSuccess,
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetMassStatus(ctx, 0); return err },
		},
		endpoint.MassSpeedGet: {
			// The documented request has no body.
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetMassSpeed(ctx) },
			reply:  "api/message_mass_speed_get.json",
			want:   &MassSpeed{Level: 3, RealSpeed: 15},
			noArgs: true,
		},
		endpoint.MassSpeedSet: {
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.SetMassSpeed(ctx, 1) },
			body:    `{"speed":1}`,
			reply:   "api/message_mass_speed_set.json",
			invalid: func(ctx context.Context, c *Client) error { return c.SetMassSpeed(ctx, 5) },
		},
	}
}
