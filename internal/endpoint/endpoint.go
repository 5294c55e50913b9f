// Package endpoint is the table of the WeChat API endpoints the wechat
// package calls: for each one its HTTP method, path, host, credential and
// retry policy, declared once.
//
// The wechat package sends every call through the endpoint's entry, so
// what the table says is what reaches the wire. The table is internal so
// that wechattest, the fake server, can read it too without it becoming
// public API: this package imports nothing of the module, so both can
// import it without a cycle. A fake keys its handlers by ID and takes the
// rest from the table:
//
//	for id, handle := range handlers { // map[endpoint.ID]func(*exchange) any
//		e := endpoint.Get(id)
//		routes[e.Path] = route{method: e.Method, noToken: e.Auth != endpoint.AccessToken, handle: handle}
//	}
package endpoint

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Endpoint is one API of WeChat.
type Endpoint struct {
	// Method is http.MethodGet or http.MethodPost.
	Method string
	// Path is the path on the host, such as "/cgi-bin/menu/create".
	Path string
	// Host is where the path is served.
	Host Host
	// Auth is how a call proves who it is.
	Auth Auth
	// Retry says whether a failed attempt may be sent again.
	Retry Retry
	// Status is where the reply reports an error.
	Status Status
}

// Status is where an endpoint's reply reports an error. The zero value is
// WeChat's usual errcode.
type Status uint8

const (
	// ErrCode: errcode and errmsg at the top of the reply.
	ErrCode Status = iota
	// BaseResp: errcode for the errors of WeChat's API gateway (a
	// rejected token, a spent quota), and for the service's own ret and
	// err_msg in base_resp, or at the top of the reply. publisher/stat
	// reports so.
	BaseResp
)

// Host is the host an endpoint is served on.
type Host uint8

const (
	// API is the Client's base URL: api.weixin.qq.com unless WithBaseURL
	// says otherwise.
	API Host = iota
	// MP is mp.weixin.qq.com when the base URL is one of WeChat's own
	// API hosts, the base URL otherwise (a proxy or a fake serves it
	// too). Only showqrcode lives there.
	MP
)

// Auth is the credential a call carries. The zero value is no choice: an
// endpoint must name one, so that a credential endpoint cannot be given
// the account's access_token by omission.
type Auth uint8

const (
	_ Auth = iota // the zero value names no credential
	// AccessToken adds the account's access_token to the query. When
	// WeChat rejects it (40001, 40014, 42001) the token is refreshed and
	// the call sent once more, whatever its retry policy: a rejected
	// call did nothing.
	AccessToken
	// None sends no access_token: token endpoints and web authorization
	// carry the AppSecret or the user's own token in their query or
	// body, and showqrcode's ticket is its own credential.
	None
	// ComponentToken adds the Client's access token to the query as
	// component_access_token: the credential of a third-party platform's
	// own APIs (package platform), whose Client gets its access token
	// from api_component_token. A rejection is handled as for
	// AccessToken.
	ComponentToken
)

// Retry is the retry policy of an endpoint: whether an attempt that may
// or may not have reached WeChat (a network error, an HTTP 5xx, errcode
// -1 "system busy") is sent again. WeChat has no idempotency key, so only
// calls whose repetition is harmless are. The zero value is no choice:
// every endpoint names its policy.
type Retry uint8

const (
	retryUnset Retry = iota
	// IdempotentRead only reads: retried.
	IdempotentRead
	// IdempotentWrite changes state to the same end however often it is
	// sent (the whole menu is replaced, the industry pair is set):
	// retried.
	IdempotentWrite
	// TokenFetch obtains a credential: retried. A fetch repeated after a
	// lost reply only issues another token.
	TokenFetch
	// SendOnce delivers something to a person (a message, a preview, an
	// invitation): never retried, since a retry after a lost reply
	// delivers twice.
	SendOnce
	// WriteOnce creates, deletes or changes something in a way a
	// repetition would not leave as it was (a second draft, a second
	// media file, a publication, a delete that then fails): never
	// retried.
	WriteOnce
)

// Retried reports whether an attempt that failed in a way that may not
// have reached WeChat is sent again.
func (r Retry) Retried() bool {
	return r == IdempotentRead || r == IdempotentWrite || r == TokenFetch
}

// String names the policy, for test and error messages.
func (r Retry) String() string {
	switch r {
	case IdempotentRead:
		return "IdempotentRead"
	case IdempotentWrite:
		return "IdempotentWrite"
	case TokenFetch:
		return "TokenFetch"
	case SendOnce:
		return "SendOnce"
	case WriteOnce:
		return "WriteOnce"
	}
	return fmt.Sprintf("Retry(%d)", uint8(r))
}

// Check reports what is missing or wrong in e: a method other than GET or
// POST, a path that does not start with "/", no Auth or no Retry.
func (e *Endpoint) Check() error {
	var errs []error
	if e.Method != http.MethodGet && e.Method != http.MethodPost {
		errs = append(errs, fmt.Errorf("method %q is neither GET nor POST", e.Method))
	}
	if !strings.HasPrefix(e.Path, "/") || strings.ContainsAny(e.Path, "?#") {
		errs = append(errs, fmt.Errorf("path %q is not an absolute path without query", e.Path))
	}
	if e.Auth != AccessToken && e.Auth != None && e.Auth != ComponentToken {
		errs = append(errs, errors.New("no Auth"))
	}
	if e.Retry < IdempotentRead || e.Retry > WriteOnce {
		errs = append(errs, errors.New("no Retry policy"))
	}
	return errors.Join(errs...)
}

// Get returns the endpoint id names. The result points into the table and
// must not be modified.
func Get(id ID) *Endpoint { return &table[id] }

// Lookup returns the endpoint whose path is path, or nil when the table
// has none. The result points into the table and must not be modified.
func Lookup(path string) *Endpoint {
	for id := range table {
		if table[id].Path == path {
			return &table[id]
		}
	}
	return nil
}

// All returns a copy of the table, in the order of the IDs.
func All() []Endpoint { return append([]Endpoint(nil), table[:]...) }

func get(path string, auth Auth, retry Retry) Endpoint {
	return Endpoint{Method: http.MethodGet, Path: path, Auth: auth, Retry: retry}
}

func post(path string, auth Auth, retry Retry) Endpoint {
	return Endpoint{Method: http.MethodPost, Path: path, Auth: auth, Retry: retry}
}

// on returns e served on host h.
func (e Endpoint) on(h Host) Endpoint {
	e.Host = h
	return e
}

// reporting returns e whose replies report errors as s says.
func (e Endpoint) reporting(s Status) Endpoint {
	e.Status = s
	return e
}
