package wechat

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// The API benchmarks measure the client's own cost of one call: building
// the request, the token lookup, the HTTP client, reading and decoding the
// reply. The transport answers from memory, so no network or test server
// is timed, and it allocates nothing itself.
//
//	go test -run '^$' -bench API -benchmem .

// cannedTransport answers every request with the same JSON reply. It
// reads the request body, as a real transport would. It is for one
// goroutine at a time.
type cannedTransport struct {
	reply []byte
	body  body
	resp  http.Response
}

func (t *cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	t.body.Reset(t.reply)
	t.resp.Body = &t.body
	t.resp.Request = req
	return &t.resp, nil
}

// cannedClient returns a Client with a cached token whose every call is
// answered with reply.
func cannedClient(b *testing.B, reply string) *Client {
	t := &cannedTransport{reply: []byte(reply)}
	t.resp = http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json; encoding=utf-8"}},
		ContentLength: int64(len(reply)),
	}
	c, err := New(
		WithAppID("wx1234567890abcdef"),
		WithHTTPClient(&http.Client{Transport: t}),
		WithAccessToken("ACCESS_TOKEN", time.Now().Add(24*time.Hour)),
	)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkAPISendTemplateMessage(b *testing.B) {
	c := cannedClient(b, `{"errcode":0,"errmsg":"ok","msgid":200228332}`)
	ctx := context.Background()
	msg := &TemplateMessage{
		ToUser:     "oJ4v2wJUD0mVgH5sKxSwfrAdRn3M",
		TemplateID: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
		URL:        "http://weixin.qq.com/download",
		Data: map[string]TemplateField{
			"first":    {Value: "恭喜你购买成功！", Color: "#173177"},
			"keyword1": {Value: "巧克力"},
			"keyword2": {Value: "39.8元"},
			"remark":   {Value: "欢迎再次购买！"},
		},
	}
	b.ReportAllocs()
	for b.Loop() {
		id, err := c.SendTemplateMessage(ctx, msg)
		if err != nil || id != 200228332 {
			b.Fatal(id, err)
		}
	}
}

func BenchmarkAPIGetMenu(b *testing.B) {
	c := cannedClient(b, `{"menu":{"button":[{"type":"click","name":"今日歌曲","key":"V1001_TODAY_MUSIC"},{"name":"菜单","sub_button":[{"type":"view","name":"搜索","url":"http://www.soso.com/"}]}]}}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		m, err := c.GetMenu(ctx)
		if err != nil || len(m.Menu.Buttons) != 2 {
			b.Fatal(m, err)
		}
	}
}

// GetMaterialCount's reply type does not embed status, and WeChat leaves
// errcode out of its reply: decodeInto reads it.
func BenchmarkAPIGetMaterialCount(b *testing.B) {
	c := cannedClient(b, `{"voice_count":1,"video_count":2,"image_count":3,"news_count":4}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n, err := c.GetMaterialCount(ctx)
		if err != nil || n.News != 4 {
			b.Fatal(n, err)
		}
	}
}
