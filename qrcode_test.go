package wechat

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fixtureTicket = "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=="

func TestCreateQRCode(t *testing.T) {
	tests := []struct {
		name  string
		req   QRCodeRequest
		json  string
		reply string
		want  QRCode
	}{
		{
			"temporary integer", TemporaryQRCode(123, 7*24*time.Hour),
			`{"expire_seconds":604800,"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":123}}}`,
			"api/qrcode_create_temp.json",
			QRCode{Ticket: fixtureTicket, ExpiresIn: 30 * time.Minute, URL: "https://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"},
		},
		{
			"temporary string", TemporaryStringQRCode("test", 30*time.Minute),
			`{"expire_seconds":1800,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"test"}}}`,
			"api/qrcode_create_temp.json",
			QRCode{Ticket: fixtureTicket, ExpiresIn: 30 * time.Minute, URL: "https://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"},
		},
		{
			"temporary with WeChat's default expiry", TemporaryQRCode(4294967295, 0),
			`{"action_name":"QR_SCENE","action_info":{"scene":{"scene_id":4294967295}}}`,
			"api/qrcode_create.json",
			// The documented reply: escaped slashes in url, 60 s.
			QRCode{Ticket: fixtureTicket, ExpiresIn: time.Minute, URL: "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"},
		},
		{
			"permanent integer", PermanentQRCode(100000),
			`{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":100000}}}`,
			"api/qrcode_create.json",
			QRCode{Ticket: fixtureTicket, ExpiresIn: time.Minute, URL: "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"},
		},
		{
			"permanent string", PermanentStringQRCode("渠道=公众号&from=<menu>"),
			`{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"渠道=公众号&from=<menu>"}}}`,
			"api/qrcode_create.json",
			QRCode{Ticket: fixtureTicket, ExpiresIn: time.Minute, URL: "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"},
		},
		{
			"longest expiry and string", TemporaryStringQRCode(strings.Repeat("s", 64), MaxQRCodeExpiry),
			`{"expire_seconds":2592000,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"` + strings.Repeat("s", 64) + `"}}}`,
			"api/qrcode_create_temp.json",
			QRCode{Ticket: fixtureTicket, ExpiresIn: 30 * time.Minute, URL: "https://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/qrcode/create", fixture(t, tt.reply))
			got, err := c.CreateQRCode(context.Background(), tt.req)
			require.NoError(t, err)
			assertWire(t, rec.only(t), "POST", "/cgi-bin/qrcode/create", tt.json)
			assert.Equal(t, &tt.want, got)
		})
	}
}

func TestCreateQRCodeRejects(t *testing.T) {
	tests := []struct {
		name string
		req  QRCodeRequest
		want string
	}{
		{"zero value", QRCodeRequest{}, "unknown QR code action"},
		{"unknown action", QRCodeRequest{Action: "QR_CARD", SceneID: 1}, "unknown QR code action"},
		{"temporary scene 0", TemporaryQRCode(0, time.Hour), "must not be 0"},
		{"permanent scene 0", PermanentQRCode(0), "must not be 0"},
		{"permanent scene too large", PermanentQRCode(100001), "above 100000"},
		{"empty string scene", PermanentStringQRCode(""), "0 bytes"},
		{"string scene too long", TemporaryStringQRCode(strings.Repeat("长", 22), time.Hour), "66 bytes"},
		{"string on integer action", QRCodeRequest{Action: QRScene, SceneID: 1, SceneStr: "x"}, "integer scene"},
		{"integer on string action", QRCodeRequest{Action: QRLimitStrScene, SceneID: 1, SceneStr: "x"}, "string scene"},
		{"permanent with expiry", QRCodeRequest{Action: QRLimitScene, SceneID: 1, ExpireIn: time.Hour}, "do not expire"},
		{"negative expiry", TemporaryQRCode(1, -time.Second), "outside"},
		{"expiry over 30 days", TemporaryQRCode(1, MaxQRCodeExpiry+time.Second), "outside"},
		{"fractional expiry", TemporaryQRCode(1, 1500*time.Millisecond), "whole seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOfflineClient(t)
			_, err := c.CreateQRCode(context.Background(), tt.req)
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestCreateQRCodeAPIError(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cgi-bin/qrcode/create", fixture(t, "api/errors/48001_api_unauthorized_rid.json"))
	_, err := c.CreateQRCode(context.Background(), PermanentQRCode(1))
	assertAPIError(t, err, CodeAPIUnauthorized, "/cgi-bin/qrcode/create")
}

func TestCreateQRCodeIsNotRetried(t *testing.T) {
	// Each call creates a code; a lost reply must not create two.
	c, rec := newStubSeqClient(t, "POST", "/cgi-bin/qrcode/create", systemBusy, fixture(t, "api/qrcode_create.json"))
	_, err := c.CreateQRCode(context.Background(), PermanentQRCode(1))
	require.ErrorIs(t, err, &APIError{Code: CodeSystemBusy})
	assert.Len(t, rec.Calls(), 1)
}

func TestQRCodeURL(t *testing.T) {
	escaped := "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw%3D%3D"
	tests := []struct {
		name string
		base string // empty: the default
		want string
	}{
		{"default host", "", "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" + escaped},
		{"regional API host", "https://sh.api.weixin.qq.com", "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" + escaped},
		{"fake server", "http://127.0.0.1:8080/wechat/", "http://127.0.0.1:8080/wechat/cgi-bin/showqrcode?ticket=" + escaped},
		{"look-alike host is not WeChat", "https://evilweixin.qq.com.example", "https://evilweixin.qq.com.example/cgi-bin/showqrcode?ticket=" + escaped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.base != "" {
				opts = append(opts, WithBaseURL(tt.base))
			}
			c, err := New(opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.QRCodeURL(fixtureTicket))
		})
	}

	c, err := New()
	require.NoError(t, err)
	assert.Equal(t, "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=a%2Bb%2Fc+d%26e", c.QRCodeURL("a+b/c d&e"))
}

func TestShowQRCode(t *testing.T) {
	// No access token is configured or fetched: showqrcode needs none.
	mt := httpmock.NewMockTransport()
	c, err := New(WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)

	png := []byte("\x89PNG\r\n\x1a\n....")
	var gotQuery, gotRawQuery string
	mt.RegisterResponder("GET", "https://mp.weixin.qq.com/cgi-bin/showqrcode", func(req *http.Request) (*http.Response, error) {
		gotQuery, gotRawQuery = req.URL.Query().Get("ticket"), req.URL.RawQuery
		resp := httpmock.NewBytesResponse(200, png)
		resp.Header.Set("Content-Type", "image/jpg")
		return resp, nil
	})
	resp, err := c.DownloadQRCode(context.Background(), fixtureTicket)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, fixtureTicket, gotQuery)
	assert.Equal(t, strings.TrimPrefix(c.QRCodeURL(fixtureTicket), "https://mp.weixin.qq.com/cgi-bin/showqrcode?"), gotRawQuery, "only the ticket is sent")
	assert.Equal(t, "image/jpg", resp.ContentType)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, png, got)
	assert.Equal(t, 1, mt.GetTotalCallCount(), "no token request")
}

func TestShowQRCodeErrors(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", testBase+"/cgi-bin/showqrcode", httpmock.NewStringResponder(404, ""))
	_, err := c.DownloadQRCode(context.Background(), "expired-ticket")
	var httpErr *HTTPError
	require.ErrorAs(t, err, &httpErr)
	assert.Equal(t, http.StatusNotFound, httpErr.StatusCode)
	assert.NotContains(t, err.Error(), "expired-ticket")

	_, err = c.DownloadQRCode(context.Background(), "")
	require.ErrorIs(t, err, ErrInvalidArgument)
}

func TestShowQRCodeJSONReply(t *testing.T) {
	c, _ := newStubClient(t, "GET", "/cgi-bin/showqrcode", fixture(t, "api/errors/40001_invalid_credential_rid.json"))
	_, err := c.DownloadQRCode(context.Background(), fixtureTicket)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr, "a JSON error is an *APIError, not an image")
	assert.Equal(t, CodeInvalidCredential, apiErr.Code)

	c2, mt2 := newTestClient(t)
	stub(mt2, "GET", "/cgi-bin/showqrcode", fixture(t, "api/ok.json"))
	_, err = c2.DownloadQRCode(context.Background(), fixtureTicket)
	require.ErrorIs(t, err, ErrUnexpectedResponse)
}

func TestCreateQRCodeReplyWithoutTicket(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cgi-bin/qrcode/create", fixture(t, "api/ok.json"))
	_, err := c.CreateQRCode(context.Background(), PermanentQRCode(1))
	require.ErrorIs(t, err, ErrUnexpectedResponse)
}

func qrcodeEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.QRCodeCreate: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.CreateQRCode(ctx, PermanentQRCode(100000)) },
			body:  `{"action_name":"QR_LIMIT_SCENE","action_info":{"scene":{"scene_id":100000}}}`,
			reply: "api/qrcode_create.json",
			want:  &QRCode{Ticket: fixtureTicket, ExpiresIn: time.Minute, URL: "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI"},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.CreateQRCode(ctx, PermanentQRCode(100001))
				return err
			},
		},
		endpoint.QRCodeShow: {
			// On the base URL when it is not WeChat's (TestShowQRCode
			// covers mp.weixin.qq.com); the ticket is the credential.
			call: func(ctx context.Context, c *Client) (any, error) {
				return readDownload(c.DownloadQRCode(ctx, fixtureTicket))
			},
			query:   url.Values{"ticket": {fixtureTicket}},
			file:    &servedFile{contentType: "image/jpg", data: "\x89PNG\r\n\x1a\n"},
			want:    downloaded{ContentType: "image/jpg", Body: "\x89PNG\r\n\x1a\n"},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.DownloadQRCode(ctx, " "); return err },
		},
	}
}
