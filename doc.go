// Package wechat is a client for the WeChat Official Account platform
// (微信公众号): access_token and jsapi_ticket caching, signature checks,
// inbound messages and passive replies, safe-mode encryption, a webhook
// http.Handler, and the official API groups.
//
// A [Client] serves one official account and is safe for concurrent use
// by many goroutines: build one with [New] and share it. Every option is
// optional, and a call that needs one the Client was built without fails
// with an error that names it ([ErrMissingConfig]):
//
//	client, err := wechat.New(
//		wechat.WithAppID("wx1234567890abcdef"),
//		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
//		wechat.WithServerToken(os.Getenv("WECHAT_TOKEN")),               // 服务器配置 Token
//		wechat.WithEncodingAESKey(os.Getenv("WECHAT_ENCODING_AES_KEY")), // 安全模式
//	)
//
// Every method that talks to WeChat takes a [context.Context] first. Each
// API group is in a file of its own and is explained in the doc of its
// first method or of its main type: users and the blacklist
// ([Client.GetUserInfo]), tags ([Tag]), legacy groups ([Group]), custom
// menus ([Client.CreateMenu]), customer-service messages
// ([Client.SendText]), customer-service accounts and sessions
// ([Client.ListKFAccounts]), template messages
// ([Client.SetTemplateIndustry]), subscribe messages
// ([Client.SendSubscribeMessage]), mass sends ([Client.SendMassToAll]),
// temporary media ([Client.UploadMedia]), permanent material
// ([Client.AddMaterial]), drafts and publishing ([Client.AddDraft],
// [Client.PublishDraft]), QR codes ([Client.CreateQRCode]), web
// authorization ([Client.AuthorizeURL]), statistics
// ([Client.GetUserSummary]), image services ([ImageSource]), comments on
// articles ([Client.OpenComments]), auto-reply rules
// ([Client.GetAutoReplyRules]), publisher statistics
// ([Client.ListAdSlotStats]), linked Mini Programs
// ([Client.ListLinkedMiniPrograms]), Open Platform accounts
// ([Client.CreateOpenAccount]) and operations: quotas, request ids, short
// keys ([Client.ListCallbackIPs]). An API without a method of its own goes
// through [Client.Call]. Each method's doc links its page of WeChat's
// reference. A third-party platform, which calls these APIs for the
// accounts that authorized it, is package
// github.com/mpkit/wechat/platform.
//
// # Tokens
//
// [Client.AccessToken] and [Client.JSAPITicket] return the account's
// credentials from a [TokenStore]: in memory by default, shared by many
// processes with [WithTokenStore] and [github.com/mpkit/wechat/redisstore].
// The store decides when to fetch, so concurrent callers that find no
// valid token share one request to WeChat, and a distributed store
// extends that to a fleet (package wechattest checks a store of your own
// against that contract, as it does a DedupStore). A token is used until a tenth of its lifetime
// (at most five minutes, plus a little jitter) before WeChat's expires_in;
// an expires_in over [MaxTokenLifetime] is clamped and one of zero or less
// refused, so that a broken endpoint cannot make the Client cache a token
// too long. [WithAccessToken] and [WithJSAPITicket] seed the store with a
// token an earlier process cached.
//
// When WeChat rejects a token (40001, 40014, 42001) the Client drops it,
// only if the store still holds that token, so that a burst of rejections
// causes one refresh, fetches a new one and sends the call once more.
// [Client.RefreshAccessToken] forces a refresh.
//
// cgi-bin/token retires the previous token each time it is called: two
// systems that share an AppID log each other out. If anything else
// fetches tokens for the AppID, use [WithStableToken], which calls
// cgi-bin/stable_token and gets the token that is still valid instead; it
// also keeps the AppSecret out of every URL.
//
// # Retries and idempotency
//
// WeChat has no idempotency key. A call that may or may not have reached
// WeChat (a network error, an HTTP 5xx, errcode -1 "system busy") is
// sent again, twice at most and after a back-off that honours the
// context, only when sending it again is harmless: reads, token fetches,
// and writes that end in the same state however often they are sent (the
// whole menu replaced, the industry pair set). Sends (customer-service,
// template, subscribe and mass messages, previews, invitations) and writes
// that a repetition would change (a second draft or media file, a
// publication, a delete) are sent once, since a retry after a lost reply
// could deliver a message twice. The one safe repetition of a send is
// WeChat's own: a [TemplateMessage] or [MassMessage] with a ClientMsgID is
// delivered once however often it is sent within WeChat's window, so a
// caller may repeat it after a timeout. The resend after a rejected token
// is not a retry: the rejected call did nothing.
//
// An upload (UploadMedia, AddMaterial, UploadKFAvatar, an [ImageFile]) is
// sent again after a rejected token only when its reader is an
// [io.Seeker]; otherwise the caller gets the error and uploads again.
//
// # Webhook
//
// [Client.Webhook] is an [http.Handler] for the URL of the account's
// server configuration (服务器配置), so it mounts in net/http, chi, gin
// (gin.WrapH) or echo (echo.WrapHandler). [NewServeMux] routes messages by
// type and events by name to [HandlerFunc]s:
//
//	mux := wechat.NewServeMux()
//	mux.HandleFunc(wechat.MsgTypeText, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
//		return msg.ReplyText("you said: " + msg.Content), nil
//	})
//	http.Handle("/wechat", client.Webhook(mux))
//
// The handler answers WeChat's URL check (GET), verifies, decrypts and
// parses each push, hands it to the [Handler] and writes the reply,
// encrypted when the push was. A bad or stale signature is answered 403, a
// bad body 400, a body over [WithMaxBodyBytes] 413, and the Handler is not
// called. Handler errors and panics are logged and answered "success", so
// that WeChat does not retry. The server token and key of a rotation
// ([WithPreviousServerToken], [WithPreviousEncodingAESKey]) are accepted
// beside the current ones.
//
// Outside the handler, [ParseMessage] parses any inbound XML (kinds it does
// not know stay readable through [Message.Lookup]), a [Reply]'s AppendXML
// gives the exact reply bytes, [Client.DecryptMessage] and
// [Client.EncryptReply] do safe mode for a router of one's own,
// [Client.OpenPush] verifies a push the webhook does not route, and
// [NewMessageCipher] does WeChat's message encryption on its own.
//
// # Safe mode
//
// The webhook is on the public internet, so it believes nothing it has not
// checked, and spends nothing on a request before the request is
// authenticated.
//
// WeChat's plain signature covers the server token, timestamp and nonce,
// never the body: anyone holding one signed URL (an access log, a proxy)
// could post any message as any user. So once an EncodingAESKey is
// configured ([WithEncodingAESKey]), only pushes with encrypt_type=aes are
// believed, checked by msg_signature, which covers the ciphertext; a
// plaintext push is refused with 403 and the Handler is not called.
// encrypt_type is read exactly as WeChat sends it; anything else, or a
// signed parameter given twice, is a 403. An account moving from plain to
// safe mode can accept both for a while with [WithInsecurePlaintext],
// whose doc says what that costs.
//
// Pushes expire: a push or URL check whose timestamp is more than five
// minutes from the Client's clock ([WithClock]) is refused, so that a
// signed request captured today does not work tomorrow; WeChat signs every
// retry afresh. [WithTimestampWindow] changes the window (0 turns the
// check off, for replaying recorded pushes in tests), and
// [Client.DecryptMessage] applies the same window ([ErrStaleTimestamp]).
//
// Nothing is spent before authentication. In plain mode the signature is
// checked before the body is read. In safe mode the body is read into a
// buffer that grows with the bytes that actually arrive, never by the
// announced Content-Length, and the only work before msg_signature is
// checked is a scan for the Encrypt element: an unsigned megabyte of XML
// is a 403, not a parse. Any parse keeps at most 4096 elements. The AppID
// inside every decrypted message is checked.
//
// Secrets stay secret: the access token, AppSecret, server token, AES key,
// OAuth tokens and codes never appear in errors, logs or printed values;
// [Client], [MessageCipher], [Token] and [OAuthToken] print, log and
// marshal without them, and [WithObserver] sees every URL with its secrets
// replaced. The Client never follows an HTTP redirect (the token rides in
// the query string), whatever CheckRedirect its [http.Client] has.
//
// # Slow handlers and retries
//
// WeChat gives a push 5 seconds. Then it drops the connection and sends
// the same push again, three attempts in all; if none is answered the
// user sees "该公众号提供的服务出现故障，请稍后再试". A handler that calls a
// language model needs longer, and here it simply works:
//
// Each push is handled once. The webhook recognises WeChat's retries (a
// message by its MsgId, an event by its sender, CreateTime, Event and key,
// scoped by the AppID) and answers a retry with the first attempt's reply
// as soon as that is ready. Pushes are kept in a [DedupStore]: by default
// a bounded one in memory ([NewMemoryDedupStore]); for a fleet behind a
// load balancer, where the three attempts can reach three processes, a
// shared one ([WithDedupStore] with redisstore), preferably one that is
// also a [ReplyTracker], so that a reply no attempt took goes late rather
// than to nobody. [WithoutDedup] turns it off.
//
// The handler is not bound to the connection: its context keeps the
// request's values but is not cancelled when WeChat hangs up, and its
// deadline is [WithHandlerTimeout] (a minute by default). Each attempt
// waits [WithReplyTimeout] ([DefaultReplyTimeout]) for the reply. When the
// handler is not done in time, [WithSlowReplyMode] decides:
// [WaitForRetry], the default, leaves the attempt unanswered so that
// WeChat retries, and the retry returns the reply when it is ready (about
// 15 seconds in all; the last attempt is answered in time so that the user
// never sees the failure message; a reply later than that, or one that
// no retry came to take, goes to [WithLateReplyFunc]). It works for every
// account type. To tell whether a retry took such a reply, the request of
// the attempt WeChat dropped stays until a retry in this process takes it
// or WeChat's attempts are over: give http.Server.Shutdown 15 seconds or
// so to let it hand the reply on.
// [SendAsCustomerMessage] answers "success" at the deadline and sends the
// reply when ready as a customer-service message ([Client.SendReply]),
// showing "typing" meanwhile with [WithTyping]; it needs the AppSecret and
// an account that may send customer-service messages, within the user's
// 48-hour window. Whatever the mode, the handler runs once per push and
// its reply reaches the user once.
//
// # Testing with wechattest
//
// [github.com/mpkit/wechat/wechattest] is to WeChat what net/http/httptest
// is to HTTP: a fake API server with real state and WeChat's documented
// errors (tokens that expire, menus, media, drafts and publishing,
// followers and tags, messages it records, QR codes, web authorization,
// quotas), and the other side of the webhook, which sends what WeChat
// sends and reads the reply as WeChat does:
//
//	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "o1"}))
//	defer srv.Close()
//	client, _ := srv.Client() // a *wechat.Client pointed at the fake
//
//	wh := &wechattest.Webhook{Handler: client.Webhook(bot), Token: "token"}
//	reply, err := wh.Send(ctx, wechattest.Text("hello"))
//
// Server.FailNext and DropNext inject WeChat's errors and lost
// connections, a wechattest.Clock passed to both sides ([WithClock] here)
// makes tokens and media expire without waiting, and Webhook.Push plays
// WeChat's retries of a slow handler in milliseconds. The examples of this
// package run against it.
//
// # Errors
//
// Errors can be inspected with [errors.Is] and [errors.As]. A non-zero
// WeChat errcode is an [*APIError], with the path and the request id
// WeChat reported (RID, which [Client.GetRIDInfo] looks up);
// errors.Is(err, &wechat.APIError{Code: c}) matches the code, and a
// rejected token matches [ErrTokenInvalid]. A missing option matches
// [ErrMissingConfig], an option value New refuses [ErrInvalidConfig], an
// argument refused before anything is sent [ErrInvalidArgument], a reply
// that is not what WeChat documents [ErrUnexpectedResponse] (an
// [*HTTPError] for a non-2xx status) and one too large
// [ErrResponseTooLarge]. A push that fails verification or decryption is a
// [*CryptoError] wrapping [ErrInvalidSignature], [ErrStaleTimestamp] or
// another error of its list; XML that does not parse is a [*ParseError];
// a push the webhook refuses is a [*PushError] with the status it answers.
//
// # Naming
//
// One rule names the methods of [Client], so that a method can be guessed
// from what it does, and a test (naming_test.go) checks every exported
// method against it:
//
//   - A method that does I/O takes a context first and starts with a verb.
//     Get returns one thing: one resource, one setting, one report of the
//     statistics for a range of days, a draft as its articles. List
//     returns all of a collection, or one page of it. Create, Update,
//     Delete, Send, Upload and Download do what they say.
//   - The other verbs name actions none of those does, mostly in WeChat's
//     own words: Add (an item into one of the account's lists: a
//     material, a draft, a template from WeChat's library, a
//     customer-service account, a conditional menu), BatchGet, Set,
//     Refresh, Exchange (an OAuth code), Check, Clear (the quotas), Open
//     and Close (the comments of an article; Close also ends a
//     customer-service session), Invite, Move (legacy groups), Tag, Untag,
//     Blacklist, Unblacklist, Change (openids), Preview, Publish, OCR,
//     Scan, Suggest (crops), Upscale, Mark and Unmark (an elected comment),
//     Reply (to a comment), Link and Unlink (a Mini Program), Bind and
//     Unbind (an Open Platform account) and Has (whether there is one).
//     Three work without I/O: Decrypt and Encrypt (safe mode) and Open
//     when it opens a push (OpenPush).
//   - An iterator is named for what it yields, as a plural noun, and
//     returns iter.Seq2[T, error]: Followers, TagMembers, Materials,
//     Drafts, Publications, KFMessageRecords; and the Blacklist. It fetches
//     a page only when the loop reaches it and stops fetching when the loop
//     breaks. Where WeChat pages by an openid a caller can keep and resume
//     from, ListX returns one page from that cursor beside the iterator X
//     (ListFollowers, ListBlacklist, ListTagMembers).
//   - A few methods are named for what they return, as a field would be:
//     the Client's own settings and credentials (AppID, AccessToken,
//     JSAPITicket, JSSDKConfig, Webhook) and addresses it builds
//     (AuthorizeURL, QRCodeURL, OneTimeSubscribeURL), which link their
//     page of WeChat's reference as the API methods do. Call, the escape
//     hatch for any endpoint, is the verb alone.
//
// "Token" alone means the access token, and the credentials the Client
// caches like it ([Token], which holds the jsapi_ticket too;
// [Client.AccessToken], [WithAccessToken], [TokenStore]). The token of the
// server configuration, which signs pushes, is the server token:
// [WithServerToken], [WithPreviousServerToken]. Web authorization's tokens
// are OAuth tokens ([OAuthToken]).
//
// A renamed method or option keeps its old name for one release as a
// deprecated alias that calls the new one, so that code written against
// it keeps compiling; staticcheck and gopls point at each use.
package wechat
