package wechat

import (
	"bytes"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
