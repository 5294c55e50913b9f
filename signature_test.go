package wechat

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckSignature(t *testing.T) {
	var vectors struct {
		Cases []struct {
			Source, Token, Timestamp, Nonce, Signature string
			Valid                                      bool
		}
	}
	require.NoError(t, json.Unmarshal(fixture(t, "signatures/server_signature.json"), &vectors))
	require.NotEmpty(t, vectors.Cases)
	for _, tc := range vectors.Cases {
		t.Run(tc.Source, func(t *testing.T) {
			c, err := New(WithServerToken(tc.Token))
			require.NoError(t, err)
			assert.Equal(t, tc.Valid, c.CheckSignature(tc.Signature, tc.Timestamp, tc.Nonce))
		})
	}
}

func TestCheckSignatureEdgeCases(t *testing.T) {
	c, err := New(WithServerToken("test_token"), WithPreviousServerToken("old_token"))
	require.NoError(t, err)
	ts, nonce := "1434295379", "ueivlkyhvdng46da0qxr52qzcjabjmo7"
	good := "41f929117dd6231a953f632cfb3be174b8e3ef08"
	tests := []struct {
		name, sig string
		want      bool
	}{
		{"documented value", good, true},
		{"upper-case hex", "41F929117DD6231A953F632CFB3BE174B8E3EF08", true},
		{"previous token during rotation", Sign("old_token", ts, nonce), true},
		{"empty", "", false},
		{"truncated", good[:39], false},
		{"unknown token", Sign("other", ts, nonce), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, c.CheckSignature(tt.sig, ts, nonce))
		})
	}
}

func TestSignSortsValues(t *testing.T) {
	var vectors struct {
		Extra struct {
			Values []string
			Sum    string `json:"sha1_of_sorted_concat"`
		} `json:"sorted_sha1_extra"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "signatures/server_signature.json"), &vectors))
	assert.Equal(t, vectors.Extra.Sum, Sign(vectors.Extra.Values...))
}

// The example of appendix 1 of the JS-SDK documentation.
func TestJSAPISignature(t *testing.T) {
	var v struct {
		Ticket    string `json:"jsapi_ticket"`
		NonceStr  string `json:"noncestr"`
		Timestamp int64  `json:"timestamp"`
		URL       string `json:"url"`
		Signature string `json:"signature"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "signatures/jsapi_signature.json"), &v))
	ts := strconv.FormatInt(v.Timestamp, 10)
	assert.Equal(t, "0f9de62fce790f9a083d5c99e95740ceb90c27ed", v.Signature)
	assert.Equal(t, v.Signature, JSAPISignature(v.Ticket, v.NonceStr, ts, v.URL))
	assert.Equal(t, v.Signature, JSAPISignature(v.Ticket, v.NonceStr, ts, v.URL+"#section"), "the fragment is not signed")
	assert.NotEqual(t, v.Signature, JSAPISignature(v.Ticket, v.NonceStr, ts, v.URL+"&x=1"))
}

func TestJSSDKConfig(t *testing.T) {
	c, mt := newTestClient(t)
	rec := stub(mt, "GET", "/cgi-bin/ticket/getticket", fixture(t, "api/ticket_getticket_jsapi.json"))
	page := "https://example.com/page?id=1#top"

	cfg, err := c.JSSDKConfig(context.Background(), page)
	require.NoError(t, err)
	assert.Equal(t, testAppID, cfg.AppID)
	assert.Len(t, cfg.NonceStr, 16)
	assert.InDelta(t, c.now().Unix(), cfg.Timestamp, 5)
	want := JSAPISignature("bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA",
		cfg.NonceStr, strconv.FormatInt(cfg.Timestamp, 10), "https://example.com/page?id=1")
	assert.Equal(t, want, cfg.Signature)
	rec.only(t)

	js, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"appId":"`+testAppID+`"`)
	assert.Contains(t, string(js), `"nonceStr":"`)

	c2, err := New()
	require.NoError(t, err)
	_, err = c2.JSSDKConfig(context.Background(), page)
	assert.ErrorIs(t, err, ErrMissingConfig)
}

// WeChat signs the page URL without its fragment; an empty or relative
// URL cannot be the page's.
func TestJSSDKConfigURL(t *testing.T) {
	c := newOfflineClient(t, WithJSAPITicket("ticket", time.Now().Add(time.Hour)))
	for _, bad := range []string{"", "   ", "/page", "page.html", "example.com/page", "ftp://example.com/", "https:///path"} {
		_, err := c.JSSDKConfig(context.Background(), bad)
		assert.ErrorIs(t, err, ErrInvalidArgument, "%q", bad)
	}
	withHash, err := c.JSSDKConfig(context.Background(), "https://example.com/app?x=1#/orders/42")
	require.NoError(t, err)
	want := JSAPISignature("ticket", withHash.NonceStr, unixString(withHash.Timestamp), "https://example.com/app?x=1")
	assert.Equal(t, want, withHash.Signature, "signed without the fragment")
	assert.False(t, strings.Contains(want, "#"))
}
