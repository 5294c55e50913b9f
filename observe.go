package wechat

import (
	"context"
	"fmt"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// Attempt describes one HTTP request the Client made to WeChat, for an
// observer set with WithObserver. None of its fields holds a secret.
type Attempt struct {
	// Method is the HTTP method: "GET" or "POST".
	Method string
	// Path is the API path, such as "/cgi-bin/menu/get", without host or
	// query: a name with few distinct values, fit for a metric label or a
	// span name.
	Path string
	// URL is the full request URL with the value of every secret
	// parameter (access_token, secret, code, …) replaced by "REDACTED"
	// and the password of the base URL, if any, hidden: what tracing
	// records as url.full. Request bodies are never shown.
	URL string
	// Number counts the HTTP attempts of one call from 1: a retry after a
	// network error, a 5xx or errcode -1, and the resend after WeChat
	// rejected the access token, each have the next number. A token
	// fetch that a call needs is a call of its own, numbered from 1.
	Number int
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int
	// ErrCode is WeChat's errcode: 0 for success, and when the reply was
	// not a JSON document (an HTTP error, a streamed file).
	ErrCode int
	// Duration runs from sending the request to reading the reply; for a
	// streamed download, to receiving its headers.
	Duration time.Duration
	// Err is why the attempt failed, nil if it did not: a network error
	// (a *url.Error, its URL redacted as URL is), an *HTTPError, an
	// *APIError, or an error wrapping ErrUnexpectedResponse or
	// ErrResponseTooLarge. A failed attempt may be followed by a retry;
	// what the call returns is the caller's to see.
	Err error
}

// WithObserver reports every HTTP attempt the Client makes to observe:
// API calls, their retries, the resend after a rejected token, and token
// and ticket fetches. It is the safe way to feed tracing and metrics, such
// as an OpenTelemetry span or a Prometheus histogram per Path and ErrCode.
//
// Wrapping the HTTP client's Transport instead (otelhttp and the like)
// records secrets: the access_token rides in the query string of every
// call, and cgi-bin/token carries the AppSecret in its URL, so url.full,
// access logs and spans would hold them. An Attempt never does: its URL
// is redacted and it carries no body.
//
// observe is called synchronously, once per attempt, after the reply has
// been read (or, for a download, its headers received) and before any
// retry waits, in the goroutine of the call, with the call's context (a
// token fetch gets its own, which keeps the first caller's values, such
// as a trace span). It should return quickly. A request that was never
// handed to the HTTP client (a body that could not be encoded, or an
// upload that cannot be sent again) is not an attempt and is not
// reported; the call returns its error. Each WithObserver adds one
// observer; they are called in order. nil is refused with
// ErrInvalidConfig. Without an observer, a call pays one nil check.
func WithObserver(observe func(ctx context.Context, a Attempt)) Option {
	return func(c *Client) error {
		if observe == nil {
			return fmt.Errorf("%w: nil observer", ErrInvalidConfig)
		}
		if prev := c.observer; prev != nil {
			c.observer = func(ctx context.Context, a Attempt) {
				prev(ctx, a)
				observe(ctx, a)
			}
			return nil
		}
		c.observer = observe
		return nil
	}
}

// observe reports an attempt that reached the HTTP client: o.url is set,
// as run checks before calling it.
func (c *Client) observe(ctx context.Context, ep *endpoint.Endpoint, number int, o *outcome) {
	a := Attempt{
		Method:     ep.Method,
		Path:       ep.Path,
		URL:        redactedURL(o.url),
		Number:     number,
		StatusCode: o.status,
		Duration:   o.elapsed,
		Err:        o.err,
	}
	if o.apiErr != nil {
		a.ErrCode = o.apiErr.Code
	}
	c.observer(ctx, a)
}
