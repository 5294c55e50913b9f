package platform

import (
	"context"
	"strings"

	"github.com/mpkit/wechat"
)

// The release checks (全网发布接入检测): before a platform may serve every
// account, WeChat authorizes it to test accounts of its own and pushes
// them three kinds of message, which the platform must answer so:
//
//   - an event: a text reply of the event's name and "from_callback"
//     (LOCATIONfrom_callback);
//   - the text TESTCOMPONENT_MSG_TYPE_TEXT: the text reply
//     TESTCOMPONENT_MSG_TYPE_TEXT_callback;
//   - the text QUERY_AUTH_CODE:<code>: no reply within five seconds, and
//     then a customer-service text "<code>_from_api" to the sender, sent
//     with the authorizer_access_token the code is exchanged for
//     (api_query_auth).
const (
	releaseTextQuestion = "TESTCOMPONENT_MSG_TYPE_TEXT"
	releaseTextAnswer   = "TESTCOMPONENT_MSG_TYPE_TEXT_callback"
	releaseEventSuffix  = "from_callback"
	releaseCodePrefix   = "QUERY_AUTH_CODE:"
	releaseCodeSuffix   = "_from_api"
)

// releaseTestAccounts are WeChat's test accounts of the release checks,
// by AppID and by original ID: the official account and the Mini
// Program the documentation names.
var releaseTestAccounts = map[string]bool{
	"wx570bc396a51b8ff8": true, "gh_3c884a361561": true, // official account
	"wxd101a85aa106f53e": true, "gh_8dad206e9538": true, // Mini Program
}

// ReleaseChecks returns a Handler for Messages that answers WeChat's
// release checks (see above) for its test accounts, and hands every other
// push to next. For the QUERY_AUTH_CODE check it exchanges the code
// (QueryAuth, which also makes the test account usable) and sends the
// customer-service message before it returns no reply: WeChat's five
// seconds suffice for the two calls. A failure of either is the
// handler's error, which the webhook logs.
func (c *Client) ReleaseChecks(next wechat.Handler) wechat.Handler {
	return wechat.HandlerFunc(func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		if !releaseTestAccounts[AuthorizerAppID(ctx)] && !releaseTestAccounts[msg.ToUserName] {
			return serveNext(ctx, next, msg)
		}
		switch {
		case msg.MsgType == wechat.MsgTypeEvent:
			return msg.ReplyText(string(msg.Event) + releaseEventSuffix), nil
		case msg.MsgType == wechat.MsgTypeText && msg.Content == releaseTextQuestion:
			return msg.ReplyText(releaseTextAnswer), nil
		case msg.MsgType == wechat.MsgTypeText && strings.HasPrefix(msg.Content, releaseCodePrefix):
			code := strings.TrimPrefix(msg.Content, releaseCodePrefix)
			auth, err := c.QueryAuth(ctx, code)
			if err != nil {
				return nil, err
			}
			ac, err := c.Authorizer(auth.AuthorizerAppID)
			if err != nil {
				return nil, err
			}
			return nil, ac.SendText(ctx, msg.FromUserName, code+releaseCodeSuffix)
		}
		return serveNext(ctx, next, msg)
	})
}

func serveNext(ctx context.Context, next wechat.Handler, msg *wechat.Message) (wechat.Reply, error) {
	if next == nil {
		return nil, nil
	}
	return next.ServeMessage(ctx, msg)
}
