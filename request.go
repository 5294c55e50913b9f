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
	"strconv"
	"strings"
	"time"
)

// maxResponseBytes caps the JSON reply read from WeChat. Media downloads
// are streamed to the caller and not subject to it.
const maxResponseBytes = 16 << 20

// maxRetries is how many times a retryable call is repeated after a
// network error, a 5xx or errcode -1.
const maxRetries = 2

const userAgent = "mpkit-wechat-go"

// request describes one API call. Every API method builds one and hands it
// to Client.do or Client.stream.
type request struct {
	method string
	path   string     // such as "/cgi-bin/menu/create"
	query  url.Values // without access_token
	body   any        // encoded as JSON when non-nil

	// newBody supplies a streamed body (multipart uploads) for each
	// attempt; it returns an error when the body cannot be sent again.
	newBody func() (io.Reader, string, error)

	// noToken leaves access_token out: token endpoints and web
	// authorization calls carry their own credentials.
	noToken bool

	// idempotent allows retries after a network error, a 5xx or errcode
	// -1. GETs are idempotent. Sends (template, customer-service and mass
	// messages) must never be: WeChat has no idempotency key, so a retry
	// after a lost reply can deliver twice.
	idempotent bool

	// base replaces the client's base URL for this call: a few endpoints
	// (showqrcode) live on another host.
	base *url.URL
}

func (r *request) retryable() bool { return r.method == http.MethodGet || r.idempotent }

// status is the errcode/errmsg pair every WeChat JSON reply may carry.
type status struct {
	ErrCode flexInt `json:"errcode"`
	ErrMsg  string  `json:"errmsg"`
}

// flexInt decodes a JSON number or a number in a string: some WeChat
// replies change the type of a field between versions.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("wechat: %s is not a number", b)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// flexString decodes a JSON string or a number into a string: WeChat sends
// some identifiers (kf_id, publish_id) either way.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("wechat: %s is neither a string nor a number", b)
	}
	*s = flexString(n.String())
	return nil
}

// encodeJSON encodes v the way WeChat expects request bodies: UTF-8 with
// "<", ">" and "&" as written (WeChat shows text as sent, not as \u003c
// escapes), without the encoder's trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// get calls a GET API and decodes its reply into out.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, &request{method: http.MethodGet, path: path, query: query}, out)
}

// post calls a POST API with a JSON body and decodes its reply into out.
// It is not retried after a network error.
func (c *Client) post(ctx context.Context, path string, body, out any) error {
	return c.do(ctx, &request{method: http.MethodPost, path: path, body: body}, out)
}

// do runs r and decodes the JSON reply into out (which may be nil). A
// non-zero errcode is returned as an *APIError.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	body, err := c.call(ctx, r, false)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body.data, out); err != nil {
		return fmt.Errorf("%w: %s: decoding reply: %w", ErrUnexpectedResponse, r.path, err)
	}
	return nil
}

// Response is a reply whose body is streamed: a media file, a QR code
// image. The caller must close Body.
type Response struct {
	Body          io.ReadCloser
	ContentType   string
	ContentLength int64
	// Filename is taken from the Content-Disposition header, if any.
	Filename string
	// JSON is set instead of Body when WeChat answered a download with a
	// JSON document that is not an error (for example a video's
	// video_url).
	JSON []byte
}

// stream runs r and returns the reply unread, unless it is JSON: a JSON
// error becomes an *APIError and a JSON success is returned in
// Response.JSON with an empty Body.
func (c *Client) stream(ctx context.Context, r *request) (*Response, error) {
	res, err := c.call(ctx, r, true)
	if err != nil {
		return nil, err
	}
	if res.data != nil {
		return &Response{Body: io.NopCloser(bytes.NewReader(nil)), ContentType: res.contentType, JSON: res.data}, nil
	}
	resp := res.resp
	out := &Response{Body: resp.Body, ContentType: resp.Header.Get("Content-Type"), ContentLength: resp.ContentLength}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		out.Filename = params["filename"]
	}
	return out, nil
}

// result is what call returns: the decoded JSON bytes, or for a stream the
// live response.
type result struct {
	data        []byte
	contentType string
	resp        *http.Response
}

// call is the one request loop of the package: it adds the access_token,
// sends, checks the status and errcode, and retries where that is safe.
func (c *Client) call(ctx context.Context, r *request, streaming bool) (result, error) {
	var tokenErr *APIError // the token rejection being retried, if any
	number := 0            // HTTP attempts so far, for the observer
	for attempt := 0; ; attempt++ {
		var tok string
		if !r.noToken {
			t, err := c.AccessToken(ctx)
			if err != nil {
				return result{}, err
			}
			tok = t.Value
		}
		number++
		o := c.try(ctx, r, tok, streaming)
		if c.observer != nil && o.url != nil {
			c.observe(ctx, r, number, &o)
		}
		err := o.err
		switch {
		case err == nil:
			return o.res, nil

		case o.sendErr:
			if tokenErr != nil && errors.Is(err, errBodyNotReplayable) {
				// Report the rejection that needed the resend: it
				// matches ErrTokenInvalid, and the token is fresh now.
				return result{}, fmt.Errorf("%w; %w", tokenErr, err)
			}
			if ctx.Err() == nil && r.retryable() && attempt < maxRetries && !errors.Is(err, errBodyNotReplayable) {
				if werr := c.retryWait(ctx, r, attempt, err); werr != nil {
					return result{}, werr
				}
				continue
			}
			return result{}, err

		case o.status >= 500 && r.retryable() && attempt < maxRetries:
			if werr := c.retryWait(ctx, r, attempt, err); werr != nil {
				return result{}, werr
			}
			continue

		case o.apiErr != nil:
			code := o.apiErr.Code
			switch {
			case isTokenCode(code) && !r.noToken && tokenErr == nil:
				tokenErr = o.apiErr
				c.logger.LogAttrs(ctx, slogWarn, "wechat: access token rejected, refreshing and retrying once",
					slog.String("path", r.path), slog.Int("errcode", code))
				c.invalidateAccessToken(ctx, tok)
				attempt-- // a token retry does not use up a network retry
				continue
			case code == CodeSystemBusy && r.retryable() && attempt < maxRetries:
				if werr := c.retryWait(ctx, r, attempt, err); werr != nil {
					return result{}, werr
				}
				continue
			}
			return result{}, o.apiErr
		}
		return result{}, err
	}
}

// outcome is what one HTTP attempt came to.
type outcome struct {
	res result
	err error
	// sendErr: err came before any response (building, encoding or
	// sending the request).
	sendErr bool
	// url is the URL sent, nil if the request was not handed to the HTTP
	// client.
	url     *url.URL
	status  int       // HTTP status, 0 without a response
	apiErr  *APIError // a non-zero errcode
	elapsed time.Duration
}

// try makes one HTTP attempt and reads its reply.
func (c *Client) try(ctx context.Context, r *request, tok string, streaming bool) (o outcome) {
	req, err := c.newHTTPRequest(ctx, r, tok)
	if err != nil {
		return outcome{err: err, sendErr: true}
	}
	o.url = req.URL
	if c.observer != nil {
		start := time.Now()
		defer func() { o.elapsed = time.Since(start) }()
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		o.err, o.sendErr = redactError(err), true
		return o
	}
	o.status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		drain(resp)
		o.err = &HTTPError{StatusCode: resp.StatusCode, Path: r.path}
		return o
	}
	ct := resp.Header.Get("Content-Type")
	if streaming && !isJSONType(ct) {
		o.res = result{resp: resp}
		return o
	}
	data, err := readLimited(resp.Body)
	resp.Body.Close()
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			o.err = fmt.Errorf("%w: %s", err, r.path)
		} else {
			o.err = redactError(err)
		}
		return o
	}
	// Every WeChat reply is an object: null, an array or a scalar (a
	// proxy's answer, a broken gateway) is not a success.
	var st status
	if !isJSONObject(data) || json.Unmarshal(data, &st) != nil {
		if streaming {
			// Not a JSON reply after all (a file served as
			// text/plain).
			o.res = result{resp: replay(resp, data)}
			return o
		}
		o.err = fmt.Errorf("%w: %s: reply is not a JSON object", ErrUnexpectedResponse, r.path)
		return o
	}
	if code := int(st.ErrCode); code != CodeOK {
		o.apiErr = newAPIError(r.path, code, st.ErrMsg)
		o.err = o.apiErr
		return o
	}
	o.res = result{data: data, contentType: ct}
	return o
}

var errBodyNotReplayable = errors.New("wechat: request body cannot be sent again")

// newHTTPRequest builds the HTTP request of one attempt of r.
func (c *Client) newHTTPRequest(ctx context.Context, r *request, tok string) (*http.Request, error) {
	u := *c.baseURL
	if r.base != nil {
		u = *r.base
	}
	u.Path = strings.TrimRight(u.Path, "/") + r.path
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	if tok != "" {
		q.Set("access_token", tok)
	}
	u.RawQuery = q.Encode()

	var body io.Reader
	contentType := ""
	switch {
	case r.newBody != nil:
		b, ct, err := r.newBody()
		if err != nil {
			return nil, err
		}
		body, contentType = b, ct
	case r.body != nil:
		b, err := encodeJSON(r.body)
		if err != nil {
			return nil, fmt.Errorf("wechat: %s: encoding request: %w", r.path, err)
		}
		body, contentType = bytes.NewReader(b), "application/json; charset=utf-8"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, redactError(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}

// retryWait logs a retry and waits before it.
func (c *Client) retryWait(ctx context.Context, r *request, attempt int, err error) error {
	c.logRetry(ctx, r, attempt, err)
	return c.wait(ctx, attempt)
}

// wait sleeps before retry number attempt+1, or returns early with the
// context's error.
func (c *Client) wait(ctx context.Context, attempt int) error {
	d := c.retryBase << attempt
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

func (c *Client) logRetry(ctx context.Context, r *request, attempt int, err error) {
	c.logger.LogAttrs(ctx, slogWarn, "wechat: retrying request",
		slog.String("path", r.path), slog.Int("attempt", attempt+1), errAttr(err))
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxResponseBytes {
		return nil, ErrResponseTooLarge
	}
	return data, nil
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

// Logging helpers. Attributes never carry a token, secret or key.
const (
	slogInfo = slog.LevelInfo
	slogWarn = slog.LevelWarn
)

func errAttr(err error) slog.Attr      { return slog.String("error", err.Error()) }
func appIDAttr(appID string) slog.Attr { return slog.String("appid", appID) }
func expiresAttr(s int64) slog.Attr    { return slog.Int64("expires_in", s) }
