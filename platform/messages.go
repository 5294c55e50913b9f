package platform

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mpkit/wechat"
)

type authorizerKey struct{}

// AuthorizerAppID returns the AppID of the account whose push a handler
// of Messages is serving, "" outside one. It is in the context of the
// handler, of its late replies (wechat.WithLateReplyFunc) and of what
// they call.
func AuthorizerAppID(ctx context.Context) string {
	id, _ := ctx.Value(authorizerKey{}).(string)
	return id
}

// WithAuthorizerAppID returns ctx for the account appID, as Messages
// gives its handler: for tests of a handler, and for code that serves an
// account's push by other means.
func WithAuthorizerAppID(ctx context.Context, appID string) context.Context {
	return context.WithValue(ctx, authorizerKey{}, appID)
}

// Messages returns the http.Handler of the message URL of the authorized
// accounts (消息与事件接收URL), one for all of them: configure the URL in
// WeChat with $APPID$ where the account's AppID goes, and mount the
// handler where that AppID is the last element of the path (for
// "https://example.com/wechat/$APPID$", on "/wechat/"; a pattern's
// {appid} wildcard is read first, if the route has one).
//
// It is the account webhook (wechat.Client.Webhook) of the platform's
// message token, key and AppID: every push is verified, decrypted and
// checked to be addressed to the platform, given to h with the account's
// AppID in its context (AuthorizerAppID), and its passive reply encrypted
// back. Pushes are deduplicated per platform and original ID
// (ToUserName), and slow handlers are dealt with as the webhook's
// options (WithClientOptions) say: in SendAsCustomerMessage mode the late
// reply goes out with the account's own token. A path without an AppID
// is answered 404.
func (c *Client) Messages(h wechat.Handler) http.Handler {
	if c.pushErr != nil {
		c.logger.LogAttrs(context.Background(), slog.LevelError, "platform: "+c.pushErr.Error())
	}
	return &messagesHandler{c: c, webhook: c.messages.Webhook(h)}
}

type messagesHandler struct {
	c       *Client
	webhook http.Handler
}

func (mh *messagesHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := mh.c.pushErr; err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	appID := r.PathValue("appid")
	if appID == "" {
		// The last element as it stands: path.Base would drop a
		// trailing slash and take the mount's own name ("wechat" of
		// "/wechat/") for the AppID of a URL configured without one.
		p := r.URL.Path
		appID = p[strings.LastIndexByte(p, '/')+1:]
	}
	if !isAppID(appID) {
		http.NotFound(w, r)
		return
	}
	mh.webhook.ServeHTTP(w, r.WithContext(WithAuthorizerAppID(r.Context(), appID)))
}

// isAppID reports whether s can be an AppID: WeChat's are "wx" and
// sixteen hexadecimal digits; anything of letters and digits up to 32 is
// taken.
func isAppID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9') {
			return false
		}
	}
	return true
}
