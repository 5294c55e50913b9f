package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renderings returns v as a user might print, log or marshal it: through
// fmt with every verb, through slog's JSON and text handlers (as the
// attribute itself, as a pointer and nested in a struct), and through
// encoding/json and encoding/xml.
func renderings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
	}
	type wrapper struct {
		Name string
		Cred any
	}
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog JSON": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var b bytes.Buffer
		logger := slog.New(h(&b))
		logger.Info("direct", "cred", v)
		logger.Info("group", slog.Group("g", "cred", v))
		logger.Info("nested", "w", wrapper{Name: "n", Cred: v})
		logger.With("cred", v).Info("with")
		out[name] = b.String()
	}
	j, err := json.Marshal(v)
	require.NoError(t, err)
	out["json"] = string(j)
	j, err = json.Marshal(struct{ Cred any }{v})
	require.NoError(t, err)
	out["json nested"] = string(j)
	type doc struct {
		XMLName xml.Name `xml:"doc"`
		Cred    any
	}
	x, err := xml.Marshal(doc{Cred: v})
	require.NoError(t, err)
	out["xml"] = string(x)
	return out
}

func TestTokenLogsAndMarshalsNoValue(t *testing.T) {
	exp := time.Date(2026, 11, 25, 9, 55, 0, 0, time.UTC)
	tok := Token{Value: "ACCESS_TOKEN_do_not_leak", ExpiresAt: exp}
	for _, v := range []any{tok, &tok} {
		for how, s := range renderings(t, v) {
			assert.NotContains(t, s, "do_not_leak", "%s of %T", how, v)
			if how != "fmt %x" && how != "fmt %q" && how != "fmt %d" {
				assert.Contains(t, s, "2026-11-25T09:55:00", "%s of %T: the expiry is shown", how, v)
			}
		}
	}
	j, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"ExpiresAt":"2026-11-25T09:55:00Z"}`, string(j))
}

func TestOAuthTokenLogsAndMarshalsNoSecret(t *testing.T) {
	exp := time.Date(2026, 11, 25, 9, 55, 0, 0, time.UTC)
	tok := OAuthToken{
		AccessToken: "USER_AT_do_not_leak", RefreshToken: "USER_RT_do_not_leak",
		ExpiresAt: exp, OpenID: "oOPENID123", Scope: "snsapi_userinfo", UnionID: "oUNIONID456", IsSnapshotUser: true,
	}
	for _, v := range []any{tok, &tok} {
		for how, s := range renderings(t, v) {
			assert.NotContains(t, s, "do_not_leak", "%s of %T", how, v)
			if how != "fmt %x" && how != "fmt %q" && how != "fmt %d" {
				for _, want := range []string{"2026-11-25T09:55:00", "oOPENID123", "snsapi_userinfo", "oUNIONID456"} {
					assert.Contains(t, s, want, "%s of %T", how, v)
				}
			}
		}
	}
	j, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"ExpiresAt":"2026-11-25T09:55:00Z","OpenID":"oOPENID123","Scope":"snsapi_userinfo",
		"UnionID":"oUNIONID456","IsSnapshotUser":true}`, string(j))
}

// The default token store holds the access tokens themselves: printed or
// logged, it shows how many it holds and none of them.
func TestMemoryStorePrintsNoToken(t *testing.T) {
	s := NewMemoryStore()
	_, err := s.Token(t.Context(), "wechat:access_token:wx1", func(context.Context) (Token, error) {
		return Token{Value: "ACCESS_TOKEN_do_not_leak", ExpiresAt: time.Now().Add(time.Hour)}, nil
	})
	require.NoError(t, err)
	for how, out := range renderings(t, s) {
		assert.NotContains(t, out, "do_not_leak", how)
	}
	assert.Equal(t, "wechat.MemoryStore{tokens:1}", fmt.Sprint(s))
}
