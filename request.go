package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// maxResponseBytes caps the JSON reply read from WeChat. Media downloads
// are streamed to the caller and not subject to it.
const maxResponseBytes = 16 << 20

// maxRetries is how many times a call whose endpoint allows it is sent
// again after a network error, a 5xx or errcode -1.
const maxRetries = 2

const userAgent = "mpkit-wechat-go"

// Header values shared by every request. A RoundTripper must not modify
// the request it is given, so sharing them saves two allocations a call.
var (
	userAgentHeader   = []string{userAgent}
	jsonContentHeader = []string{"application/json; charset=utf-8"}
)

// query is the query string of a call, besides the access_token. A
// parameter whose value is empty is left out: the optional parameters of
// WeChat's APIs mean the same absent or empty, and the methods check the
// required ones before calling.
type query []param

type param struct{ name, value string }

// bodySource supplies a streamed request body, such as a multipart upload,
// for each attempt. It returns errBodyNotReplayable when the body cannot
// be sent again.
type bodySource interface {
	open() (body io.Reader, contentType string, err error)
}

var errBodyNotReplayable = errors.New("wechat: request body cannot be sent again")

// A bodyFinisher is a bodySource whose attempt may go on reading the
// caller's data after its reply has come (see upload). try calls finish
// when the attempt is over, before any other attempt opens the body.
type bodyFinisher interface {
	finish()
}

// status is the errcode/errmsg pair every WeChat JSON reply may carry. A
// reply type that embeds it is decoded in one pass (see call).
type status struct {
	ErrCode lenient.Int `json:"errcode"`
	ErrMsg  string      `json:"errmsg"`
}

func (s *status) apiStatus() *status { return s }

// statusCarrier is implemented by the reply types that embed status.
type statusCarrier interface{ apiStatus() *status }

// call is the request helper of every API method: it sends the call to
// the endpoint id, with the query q and body (nil, a value encoded as
// JSON, or a bodySource), as the table says (host, credential, retries),
// and decodes the reply into a new R. A non-zero errcode is an *APIError.
//
// A reply type that embeds status (errcode and errmsg) is decoded in one
// pass; any other R is decoded after the status, or in one pass too when
// the reply provably has no errcode or errmsg (see decodeInto, which
// says why that is exact). A type with an UnmarshalJSON of its own
// (Menu) must not be embedded next to status: its method would be
// promoted and skip the status. Use it as R itself.
func call[R any](ctx context.Context, c *Client, id endpoint.ID, q query, body any) (*R, error) {
	ep := endpoint.Get(id)
	var out *R
	decode := func(data []byte) (*status, error) {
		out = new(R)
		if sc, ok := any(out).(statusCarrier); ok && ep.Status == endpoint.ErrCode {
			if f, ok := any(out).(flatReply); ok {
				if decodeFlat(data, f) {
					return sc.apiStatus(), nil
				}
				*out = *new(R) // what decodeFlat set
			}
			err := json.Unmarshal(data, out)
			return sc.apiStatus(), err
		}
		return decodeInto(ep, data, out)
	}
	if _, err := c.run(ctx, &request{ep: ep, query: q, body: body}, decode); err != nil {
		return nil, err
	}
	return out, nil
}

// decodeInto decodes the status of a reply of ep and, when it is not an
// error, the reply into out (unless out is nil).
//
// That takes two passes of encoding/json, one into a status and one into
// out, unless the endpoint reports its status in errcode (endpoint.ErrCode)
// and lacksStatus proves that data, an object, has no key encoding/json
// would match to errcode or errmsg, as WeChat leaves them out of many a
// successful reply: then the status pass could only come to a zero status
// and no error (or, for input that is not JSON, to the *json.SyntaxError
// the pass into out returns too, before either sets anything), so one pass
// into out gives the same status, out and error as two.
func decodeInto(ep *endpoint.Endpoint, data []byte, out any) (*status, error) {
	if out != nil && ep.Status == endpoint.ErrCode && lacksStatus(data) {
		return new(status), json.Unmarshal(data, out)
	}
	st, err := decodeStatus(ep, data)
	if err != nil || st.ErrCode != 0 || out == nil {
		return st, err
	}
	return st, json.Unmarshal(data, out)
}

// exec is call for the endpoints whose reply carries only the status.
func exec(ctx context.Context, c *Client, id endpoint.ID, q query, body any) error {
	_, err := call[ack](ctx, c, id, q, body)
	return err
}

// decodeStatus decodes the status of a reply of ep, where the table says
// the endpoint reports it.
func decodeStatus(ep *endpoint.Endpoint, data []byte) (*status, error) {
	if ep.Status == endpoint.BaseResp {
		var st baseRespStatus
		err := json.Unmarshal(data, &st)
		return st.apiStatus(), err
	}
	var st status
	err := json.Unmarshal(data, &st)
	return &st, err
}

// baseRespStatus is the status of a reply of an endpoint.BaseResp
// endpoint: the errcode of the API gateway or, failing that, the ret and
// err_msg of base_resp, where the service reports its own errors. The
// request helper sees either as the errcode, so that both are an
// *APIError and -1 is retried as elsewhere. A ret at the top of the reply
// counts too: a developer posted a publisher/stat 2009 that came that
// way, and taking it for an empty page would pass a failure off as a day
// without income.
type baseRespStatus struct {
	status
	BaseResp retStatus `json:"base_resp"`
	retStatus
}

type retStatus struct {
	Ret    lenient.Int `json:"ret"`
	ErrMsg string      `json:"err_msg"`
}

func (s *baseRespStatus) apiStatus() *status {
	switch {
	case s.ErrCode != 0:
		return &s.status
	case s.BaseResp.Ret != 0:
		return &status{ErrCode: s.BaseResp.Ret, ErrMsg: s.BaseResp.ErrMsg}
	case s.Ret != 0:
		return &status{ErrCode: s.Ret, ErrMsg: s.retStatus.ErrMsg}
	}
	return &s.status
}

// download is call for the endpoints that answer with a file: it returns
// the file unread. When WeChat answered with a JSON document that is not
// an error (a video's link, a news material), the document is returned
// too, and the Media has an empty Body.
func download(ctx context.Context, c *Client, id endpoint.ID, q query, body any) (*Media, []byte, error) {
	ep := endpoint.Get(id)
	decode := func(data []byte) (*status, error) { return decodeStatus(ep, data) }
	res, err := c.run(ctx, &request{ep: ep, query: q, body: body, streaming: true}, decode)
	if err != nil {
		return nil, nil, err
	}
	if res.data != nil {
		return &Media{Body: http.NoBody, ContentType: res.contentType}, res.data, nil
	}
	resp := res.resp
	m := &Media{Body: resp.Body, ContentType: resp.Header.Get("Content-Type"), ContentLength: resp.ContentLength}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		m.Filename = params["filename"]
	}
	return m, nil, nil
}

// request is what every attempt of one call sends.
type request struct {
	ep    *endpoint.Endpoint
	query query
	body  any // nil, a value encoded as JSON, or a bodySource
	// streaming asks for a reply that is not JSON to be returned unread.
	streaming bool
}

// A decoder reads a JSON reply into the call's result and returns its
// status. It is kept apart from the request, whose contents the loop
// hands to the logger, so that it does not escape to the heap.
type decoder func(data []byte) (*status, error)

// result is what a successful attempt returns: the JSON reply, or for a
// download that is not JSON the live response.
type result struct {
	data        []byte
	contentType string // of data
	resp        *http.Response
}

// outcome is what one HTTP attempt came to.
type outcome struct {
	res result
	err error
	// transient: the failure may not have reached WeChat, or WeChat asked
	// to try later: a network error while the context is live, a 5xx, or
	// errcode -1. Whether to send again is the endpoint's retry policy.
	transient bool
	// apiErr is a non-zero errcode.
	apiErr *APIError
	// url is the URL sent, nil if the request could not be built (its
	// body could not be encoded or sent again): such an attempt is no
	// attempt for the observer, and it is not sent again.
	url     *url.URL
	status  int // HTTP status, 0 without a response
	elapsed time.Duration
}

// tokenRejected reports a rejection of the access_token the attempt
// carried.
func (o *outcome) tokenRejected() bool { return o.apiErr != nil && isTokenCode(o.apiErr.Code) }

// action is what the loop of run does after an attempt.
type action int

const (
	stop   action = iota // return the attempt's result or error
	retry                // wait, then send again: counts against maxRetries
	resend               // refresh the access_token and send at once: once a call
)

// next decides what follows the attempt o of a call to ep that has been
// retried retries times and has (resent) or has not yet resent after a
// token rejection.
func next(ep *endpoint.Endpoint, o *outcome, retries int, resent bool) action {
	switch {
	case o.err == nil:
		return stop
	case o.tokenRejected() && carriesToken(ep) && !resent:
		return resend
	case o.transient && ep.Retry.Retried() && retries < maxRetries:
		return retry
	}
	return stop
}

// run makes the attempts of one call: one at a time with try, and next
// says whether to make another.
func (c *Client) run(ctx context.Context, r *request, decode decoder) (result, error) {
	ep := r.ep
	var rejected *APIError // the token rejection that was resent, if any
	var prev error         // what the previous attempt failed with
	retries := 0
	for number := 1; ; number++ {
		tok, err := c.credential(ctx, ep)
		if err != nil {
			return result{}, err
		}
		o := c.try(ctx, r, tok, decode)
		if c.observer != nil && o.url != nil {
			c.observe(ctx, ep, number, &o)
		}
		switch next(ep, &o, retries, rejected != nil) {
		case stop:
			if prev != nil && errors.Is(o.err, errBodyNotReplayable) {
				// Report the failure that needed the attempt: the
				// rejection that was resent (it matches
				// ErrTokenInvalid, and the token is fresh now), or
				// the -1 or 5xx that was retried.
				return result{}, fmt.Errorf("%w; %w", prev, o.err)
			}
			return o.res, o.err
		case resend:
			rejected, prev = o.apiErr, o.err
			c.logger.LogAttrs(ctx, slogWarn, "wechat: access token rejected, refreshing and retrying once",
				slog.String("path", ep.Path), slog.Int("errcode", o.apiErr.Code))
			c.invalidateAccessToken(ctx, tok)
		case retry:
			prev = o.err
			c.logger.LogAttrs(ctx, slogWarn, "wechat: retrying request",
				slog.String("path", ep.Path), slog.Int("attempt", retries+1), errAttr(o.err))
			if err := c.wait(ctx, retries); err != nil {
				return result{}, err
			}
			retries++
		}
	}
}

// carriesToken reports whether the attempts of ep carry the Client's
// access token: as access_token, or as a third-party platform's
// component_access_token.
func carriesToken(ep *endpoint.Endpoint) bool {
	return ep.Auth == endpoint.AccessToken || ep.Auth == endpoint.ComponentToken
}

// tokenParam names the query parameter that carries the token of ep.
func tokenParam(ep *endpoint.Endpoint) string {
	if ep.Auth == endpoint.ComponentToken {
		return "component_access_token"
	}
	return "access_token"
}

// credential returns the token an attempt of ep carries (tokenParam), or
// nothing.
func (c *Client) credential(ctx context.Context, ep *endpoint.Endpoint) (string, error) {
	if !carriesToken(ep) {
		return "", nil
	}
	t, err := c.AccessToken(ctx)
	return t.Value, err
}

// try makes one HTTP attempt and reads its reply.
func (c *Client) try(ctx context.Context, r *request, tok string, decode decoder) (o outcome) {
	// A reply read here goes to the Transport itself (see roundTrip); a
	// streamed one, read after try returns, through the http.Client, whose
	// Timeout covers reading its body.
	direct := c.direct && !r.streaming
	reqCtx := ctx
	if timeout := c.httpClient.Timeout; direct && timeout > 0 {
		var cancel context.CancelFunc
		reqCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel() // after the body is read
	}
	req, err := c.newHTTPRequest(reqCtx, r, tok)
	if f, ok := r.body.(bodyFinisher); ok {
		defer f.finish() // after the reply is read
	}
	if err != nil {
		return outcome{err: err}
	}
	o.url = req.URL
	if c.observer != nil {
		start := time.Now()
		defer func() { o.elapsed = time.Since(start) }()
	}
	var resp *http.Response
	if direct {
		resp, err = c.roundTrip(req)
	} else {
		resp, err = c.httpClient.Do(req)
	}
	if err != nil {
		o.err, o.transient = redactAttemptError(err, req.URL), ctx.Err() == nil
		return o
	}
	o.status = resp.StatusCode
	o.res, o.apiErr, o.err = r.read(resp, decode)
	o.transient = o.status >= 500 || o.apiErr != nil && o.apiErr.Code == CodeSystemBusy
	return o
}

// roundTrip sends req through the http.Client's Transport, as Do would
// for a Client that has no cookie Jar and a request that carries no
// password in its URL (which Do turns into basic authentication): the
// Client never follows a redirect, so Do's copies of the headers and the
// URL for one are work for nothing on every call. The caller puts the
// http.Client's Timeout on the request's context, and errors are
// *url.Error, as Do's are.
func (c *Client) roundTrip(req *http.Request) (*http.Response, error) {
	rt := c.httpClient.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	resp, err := rt.RoundTrip(req)
	if err == nil && resp == nil {
		err = errors.New("http: RoundTripper returned a nil *Response with a nil error")
	}
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		op := req.Method[:1] + strings.ToLower(req.Method[1:])
		return nil, &url.Error{Op: op, URL: req.URL.String(), Err: err}
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	return resp, nil
}

// read reads and decodes the reply of an attempt. A non-zero errcode is
// returned twice: as the *APIError and as the error.
func (r *request) read(resp *http.Response, decode decoder) (result, *APIError, error) {
	path := r.ep.Path
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		drain(resp)
		return result{}, nil, &HTTPError{StatusCode: resp.StatusCode, Path: path}
	}
	if r.streaming && !isJSONType(resp.Header.Get("Content-Type")) {
		return result{resp: resp}, nil, nil
	}
	data, err := readLimited(resp.Body, resp.ContentLength)
	resp.Body.Close()
	switch {
	case errors.Is(err, ErrResponseTooLarge):
		return result{}, nil, fmt.Errorf("%w: %s", err, path)
	case err != nil:
		return result{}, nil, redactError(err)
	}
	// Every WeChat reply is an object: null, an array or a scalar (a
	// proxy's answer, a broken gateway) is not a success.
	if !isJSONObject(data) {
		if r.streaming {
			return result{resp: replay(resp, data)}, nil, nil
		}
		return result{}, nil, unexpected(path, "reply is not a JSON object")
	}
	st, err := decode(data)
	switch {
	case st != nil && st.ErrCode != 0:
		apiErr := newAPIError(path, int(st.ErrCode), st.ErrMsg)
		return result{}, apiErr, apiErr
	case err != nil && r.streaming:
		// Not a JSON reply after all (a file served as text/plain).
		return result{resp: replay(resp, data)}, nil, nil
	case err != nil:
		return result{}, nil, unexpected(path, "decoding reply: "+err.Error())
	}
	return result{data: data, contentType: resp.Header.Get("Content-Type")}, nil, nil
}

// newHTTPRequest builds the HTTP request of one attempt.
func (c *Client) newHTTPRequest(ctx context.Context, r *request, tok string) (*http.Request, error) {
	ep := r.ep
	var rd io.Reader
	contentType := jsonContentHeader
	switch b := r.body.(type) {
	case nil:
		contentType = nil
	case bodySource:
		stream, ct, err := b.open()
		if err != nil {
			return nil, err
		}
		rd, contentType = stream, []string{ct}
	default:
		data, err := encodeJSON(b)
		if err != nil {
			return nil, fmt.Errorf("wechat: %s: encoding request: %w", ep.Path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, ep.Method, c.requestURL(ep, r.query, tok), rd)
	if err != nil {
		return nil, redactError(err)
	}
	if contentType != nil {
		req.Header["Content-Type"] = contentType
	}
	req.Header["User-Agent"] = userAgentHeader
	return req, nil
}

// requestURL returns the URL of an attempt: the endpoint's host and path,
// then the query with tok as its token parameter (tokenParam), sorted by
// name as url.Values.Encode sorts it.
func (c *Client) requestURL(ep *endpoint.Endpoint, q query, tok string) string {
	var buf [256]byte
	b := append(buf[:0], c.hostPrefix(ep.Host)...)
	b = append(b, ep.Path...)
	var params [8]param
	ps := append(params[:0], q...)
	if tok != "" {
		ps = append(ps, param{tokenParam(ep), tok})
	}
	slices.SortStableFunc(ps, func(a, b param) int { return strings.Compare(a.name, b.name) })
	sep := byte('?')
	for _, p := range ps {
		if p.value == "" {
			continue
		}
		b = append(b, sep)
		b = append(b, url.QueryEscape(p.name)...)
		b = append(b, '=')
		b = append(b, url.QueryEscape(p.value)...)
		sep = '&'
	}
	return string(b)
}

// hostPrefix is the scheme, host and base path an endpoint's path is
// appended to.
func (c *Client) hostPrefix(h endpoint.Host) string {
	if h == endpoint.MP {
		return c.mpPrefix
	}
	return c.apiPrefix
}

// urlPrefix returns u as the prefix of request URLs: without a trailing
// slash, query or fragment.
func urlPrefix(u *url.URL) string {
	cp := *u
	cp.Path = strings.TrimRight(cp.Path, "/")
	cp.RawPath, cp.RawQuery, cp.Fragment, cp.RawFragment = "", "", "", ""
	return cp.String()
}

// encodeJSON encodes v the way WeChat expects request bodies: UTF-8 with
// "<", ">" and "&" as written (WeChat shows text as sent, not as \u003c
// escapes), without the encoder's trailing newline.
func encodeJSON(v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(nil), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// A jsonAppender is a request body that writes itself as encodeJSON
// would, without reflection: the body of the hottest call, a template
// send, is one.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// wait sleeps before retry number retries+1, or returns early with the
// context's error.
func (c *Client) wait(ctx context.Context, retries int) error {
	d := c.retryBase << retries
	d += time.Duration(rand.Int64N(int64(d)/2 + 1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readLimited reads a JSON reply of at most maxResponseBytes. size is the
// length the reply announced, -1 if none; it sizes the first buffer only.
func readLimited(r io.Reader, size int64) ([]byte, error) {
	n := 512
	if size >= 0 && size < 64<<10 {
		n = int(size) + 1 // the extra byte sees EOF without growing
	}
	b := make([]byte, 0, n)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if len(b) > maxResponseBytes {
			return nil, ErrResponseTooLarge
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// drain discards a little of an unwanted body so the connection can be
// reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
}

func replay(resp *http.Response, data []byte) *http.Response {
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	return resp
}

func isJSONType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json" || mt == "text/json" || mt == "text/plain" || mt == ""
}

// isJSONObject reports whether data starts like a JSON object; whether it
// is one is left to the decoder.
func isJSONObject(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

func unexpected(path, what string) error {
	return fmt.Errorf("%w: %s: %s", ErrUnexpectedResponse, path, what)
}

// badReply reports a reply of the endpoint id that lacks what the API
// documents.
func badReply(id endpoint.ID, what string) error { return unexpected(endpoint.Get(id).Path, what) }

// Logging helpers. Attributes never carry a token, secret or key.
const (
	slogInfo = slog.LevelInfo
	slogWarn = slog.LevelWarn
)

func errAttr(err error) slog.Attr      { return slog.String("error", err.Error()) }
func appIDAttr(appID string) slog.Attr { return slog.String("appid", appID) }
func expiresAttr(s int64) slog.Attr    { return slog.Int64("expires_in", s) }
