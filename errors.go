package wechat

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mpkit/wechat/internal/endpoint"
)

// Error codes that WeChat returns in the errcode field and that callers
// commonly need to tell apart. The full list is in the official "全局返回码说明"
// (Global Return Code) page.
const (
	CodeSystemBusy          = -1    // 系统繁忙: retry later
	CodeOK                  = 0     // 请求成功
	CodeInvalidCredential   = 40001 // access_token invalid or not the latest one
	CodeInvalidAppID        = 40013 // 不合法的 AppID
	CodeInvalidAccessToken  = 40014 // 不合法的 access_token
	CodeInvalidAppSecret    = 40125 // 不合法的 AppSecret
	CodeIPNotWhitelisted    = 40164 // caller IP not in the API IP whitelist
	CodeAccessTokenExpired  = 42001 // access_token 超时
	CodeAPIFreqOutOfLimit   = 45009 // daily call quota of the API reached
	CodeAPIUnauthorized     = 48001 // the account has no permission for the API
	CodeInvalidParameter    = 40003 // 不合法的 OpenID (and other invalid parameters)
	CodeArgumentInvalid     = 47003 // 参数错误
	CodeSubscribeRequired   = 43004 // 需要接收者关注
	CodeResponseOutOfWindow = 45015 // 回复时间超过限制 (48-hour customer-service window)
)

// Sentinel errors. Errors returned by this package wrap one of these where it
// applies, so callers can test them with errors.Is.
var (
	// ErrMissingConfig reports a call that needs an option the Client was
	// built without (for example WithAppSecret for fetching a token).
	ErrMissingConfig = errors.New("wechat: missing configuration")

	// ErrInvalidConfig reports an option value that New rejects.
	ErrInvalidConfig = errors.New("wechat: invalid configuration")

	// ErrTokenInvalid matches an *APIError whose code says the access_token
	// was rejected (40001, 40014, 42001).
	ErrTokenInvalid = errors.New("wechat: access token rejected")

	// ErrInvalidArgument reports an argument rejected before any request
	// is made (an empty openid, a date range WeChat does not accept).
	ErrInvalidArgument = errors.New("wechat: invalid argument")

	// ErrResponseTooLarge reports an API reply larger than the client reads.
	ErrResponseTooLarge = errors.New("wechat: response too large")

	// ErrUnexpectedResponse reports a reply that is not what the API
	// documents (for example HTML from a proxy, or an HTTP error status).
	ErrUnexpectedResponse = errors.New("wechat: unexpected response")
)

// APIError is a non-zero errcode returned by a WeChat API.
type APIError struct {
	// Code is WeChat's errcode.
	Code int
	// Message is WeChat's errmsg, as sent.
	Message string
	// Path is the API path that failed, such as "/cgi-bin/menu/create".
	// It never contains the query string.
	Path string
	// RID is the request id WeChat appends to errmsg ("rid: …"), empty when
	// absent. It can be looked up with the openapi/rid/get API.
	RID string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("wechat: %s: errcode %d: %s", e.Path, e.Code, e.Message)
}

// Is reports whether the error matches target: ErrTokenInvalid for the token
// errors, or another *APIError with the same Code (an *APIError target with
// Code 0 matches any *APIError).
func (e *APIError) Is(target error) bool {
	if target == ErrTokenInvalid {
		return isTokenCode(e.Code)
	}
	var t *APIError
	if errors.As(target, &t) {
		return t.Code == 0 || t.Code == e.Code
	}
	return false
}

// Temporary reports whether WeChat asked the caller to try again later.
func (e *APIError) Temporary() bool { return e.Code == CodeSystemBusy }

func isTokenCode(code int) bool {
	return code == CodeInvalidCredential || code == CodeInvalidAccessToken || code == CodeAccessTokenExpired
}

// newAPIError builds an *APIError and extracts the request id from errmsg,
// which WeChat appends as "rid: x", ", rid: x" or the older "hints: [x]".
func newAPIError(path string, code int, msg string) *APIError {
	e := &APIError{Code: code, Message: msg, Path: path}
	if i := strings.LastIndex(msg, "rid: "); i >= 0 {
		e.RID = strings.TrimSpace(msg[i+len("rid: "):])
	} else if i := strings.LastIndex(msg, "hints: ["); i >= 0 {
		e.RID = strings.TrimSuffix(strings.TrimSpace(msg[i+len("hints: ["):]), "]")
	}
	return e
}

// HTTPError reports an API reply with a non-2xx HTTP status. It wraps
// ErrUnexpectedResponse.
type HTTPError struct {
	StatusCode int
	Path       string
}

// Error implements error.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("wechat: %s: unexpected HTTP status %d", e.Path, e.StatusCode)
}

// Unwrap returns ErrUnexpectedResponse.
func (e *HTTPError) Unwrap() error { return ErrUnexpectedResponse }

// invalidArg returns an error wrapping ErrInvalidArgument.
func invalidArg(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, a...)...)
}

// present returns v, the member of a reply of the endpoint id that the
// call is for, or an error wrapping ErrUnexpectedResponse when v is zero:
// the reply said success and left the member out.
func present[T comparable](id endpoint.ID, member string, v T) (T, error) {
	var zero T
	if v == zero {
		return zero, badReply(id, "no "+member+" in reply")
	}
	return v, nil
}

func missing(what string) error {
	return fmt.Errorf("%w: %s", ErrMissingConfig, what)
}

// secretParams are query parameters and JSON members whose values must
// never reach an error string, a log line or an observer: the account's
// and the users' credentials, and those of a third-party platform acting
// for the account.
var secretParams = []string{
	"access_token", "secret", "appsecret", "ticket", "code", "refresh_token", "jsapi_ticket", "password",
	"component_access_token", "component_appsecret", "component_verify_ticket",
	"authorizer_access_token", "authorizer_refresh_token", "pre_auth_code", "auth_code", "authorization_code",
}

// isSecretParam reports whether name is one of secretParams, in any case.
func isSecretParam(name string) bool {
	for _, p := range secretParams {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

// redactURL returns raw with the values of secret query parameters
// replaced and the password of its user info hidden (url.URL.Redacted).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Never echo something we cannot parse: it may hold a secret.
		return "[unparsable URL]"
	}
	return redactedURL(u)
}

// redactedURL is redactURL for a parsed URL, which it does not modify.
func redactedURL(u *url.URL) string {
	cp := *u
	if cp.RawQuery != "" {
		q := cp.Query()
		changed := false
		for name := range q {
			if isSecretParam(name) {
				q.Set(name, "REDACTED")
				changed = true
			}
		}
		if changed {
			cp.RawQuery = q.Encode()
		}
	}
	return cp.Redacted()
}

// redactError returns err with any *url.Error's URL redacted. The caller's
// error is not modified: a copy is returned.
func redactError(err error) error {
	ue, ok := err.(*url.Error)
	if !ok {
		return err
	}
	cp := *ue
	cp.URL = redactURL(ue.URL)
	return &cp
}

// redactAttemptError is redactError for the error of an attempt sent to
// u, which also hides the values of u's secret parameters, and the
// password of its user info, wherever else the error's text holds them:
// a RoundTripper that delegates to an
// http.Client returns that client's *url.Error, and retry and logging
// wrappers print the URL into errors of their own, beneath the *url.Error
// whose URL redactError hides. The result is still that *url.Error, and
// the transport's error is still in its chain for errors.Is and As.
func redactAttemptError(err error, u *url.URL) error {
	err = redactError(err)
	var secrets []string
	if pw, ok := u.User.Password(); ok && pw != "" {
		secrets = append(secrets, pw, url.PathEscape(pw), url.QueryEscape(pw))
	}
	for name, values := range u.Query() {
		if isSecretParam(name) {
			for _, v := range values {
				if v != "" {
					secrets = append(secrets, v, url.QueryEscape(v))
				}
			}
		}
	}
	hide := func(s string) (string, bool) {
		changed := false
		for _, v := range secrets {
			if strings.Contains(s, v) {
				s, changed = strings.ReplaceAll(s, v, redacted), true
			}
		}
		return s, changed
	}
	if _, leaks := hide(err.Error()); !leaks {
		return err
	}
	if ue, ok := err.(*url.Error); ok {
		// ue is redactError's copy: its URL is clean, its Err is not.
		msg, _ := hide(ue.Err.Error())
		ue.Err = &redactedError{msg: msg, err: ue.Err}
		return ue
	}
	msg, _ := hide(err.Error())
	return &redactedError{msg: msg, err: err}
}

// redactedError is an error whose text had secrets in it: it shows msg,
// the text with them hidden, and unwraps to the error itself.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Timeout and Temporary answer for the error, as url.Error asks its Err
// by a type assertion rather than through Unwrap.
func (e *redactedError) Timeout() bool {
	t, ok := e.err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

func (e *redactedError) Temporary() bool {
	t, ok := e.err.(interface{ Temporary() bool })
	return ok && t.Temporary()
}

// Error codes of the comment APIs (留言管理) that callers act on.
const (
	CodeCommentNoPermission   = 88000 // without comment privilege: the account has no comment feature
	CodeCommentArticleMissing = 88001 // msg_data is not exists: no such msg_data_id or article index
	CodeCommentAlreadyReplied = 88005 // already reply: delete the reply before replying again
	CodeCommentNotExist       = 88008 // comment is not exists
)

// CodeNotPublisher is the ret of publisher/stat for an account that is not
// a publisher (无效的流量主): it has not joined the ad programme.
const CodeNotPublisher = 2009
