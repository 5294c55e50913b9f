package wechat

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An empty EncodingAESKey or token, as os.Getenv gives for a variable that
// is not set, means "not set": a plain-mode account builds its Client
// from the README's Quick start.
func TestEmptySettingsMeanUnset(t *testing.T) {
	c, err := New(WithAppID("wx1"), WithServerToken("t"), WithEncodingAESKey(""), WithPreviousEncodingAESKey(""))
	require.NoError(t, err)
	assert.Empty(t, c.aesKey)
	assert.Empty(t, c.prevAESKey)
	assert.Contains(t, c.String(), "EncodingAESKey:[unset]")

	// A plain push to it is accepted: it is in plain mode.
	c.now = func() time.Time { return webhookNow }
	h := echoHandler()
	rec := serve(c.Webhook(h), http.MethodPost, "/wechat?"+plainQuery("t", nowTS, "2"), fixture(t, "inbound/text.xml"))
	assert.Equal(t, 200, rec.Code)
	assert.Len(t, h.calls(), 1)

	// Spaces around a key pasted from the console are not part of it.
	c, err = New(WithEncodingAESKey(" abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n"))
	require.NoError(t, err)
	assert.Len(t, c.aesKey, 32)
}

// A webhook built without a server token says so once, when it is built,
// and answers with what is missing instead of a bare 500.
func TestWebhookWithoutTokenSaysWhatIsMissing(t *testing.T) {
	var logs bytes.Buffer
	c, err := New(WithServerToken(""), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	wh := c.Webhook(echoHandler())
	assert.Contains(t, logs.String(), "level=ERROR")
	assert.Contains(t, logs.String(), "WithServerToken", "logged when built")
	built := logs.Len()
	for range 3 {
		rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery("t", nowTS, "2"), fixture(t, "inbound/text.xml"))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Contains(t, rec.Body.String(), "no server token (WithServerToken)")
	}
	assert.Equal(t, built, logs.Len(), "not logged again on every request")
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
