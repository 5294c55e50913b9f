package wechat

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/mpkit/wechat/internal/endpoint"
)

// Call calls an API of WeChat's that has no method of its own here (one
// WeChat added, or one another package of this module wraps) with
// everything the methods get: the Client's credential, retries, typed
// errors, redaction and WithObserver. method and path are as WeChat
// documents them ("/cgi-bin/..."); query holds the parameters besides
// the credential; body, if not nil, is sent as JSON; result, if not nil,
// receives the decoded reply. A non-zero errcode is an *APIError.
//
// An API that the Client knows is sent as its own method sends it, with
// the credential and retry policy the package declares for it: a method
// other than the one WeChat documents for it is an ErrInvalidArgument.
// Any other path carries the access_token, and is retried after a
// network error, a 5xx or errcode -1 only when method is GET: WeChat has
// no idempotency key, so a POST is sent once.
func (c *Client) Call(ctx context.Context, method, path string, query url.Values, body, result any) error {
	ep, err := lookupEndpoint(method, path)
	if err != nil {
		return err
	}
	decode := func(data []byte) (*status, error) { return decodeInto(ep, data, result) }
	_, err = c.run(ctx, &request{ep: ep, query: callQuery(query), body: body}, decode)
	return err
}

// lookupEndpoint returns the table's entry for path, or an entry of
// Call's own for a path the table does not have.
func lookupEndpoint(method, path string) (*endpoint.Endpoint, error) {
	known := endpoint.Lookup(path)
	if known != nil && known.Method == method {
		return known, nil
	}
	// Call's own entry must pass the table's check: a method and a path
	// the table could not hold are refused.
	own := &endpoint.Endpoint{Method: method, Path: path, Auth: endpoint.AccessToken, Retry: endpoint.WriteOnce}
	if method == http.MethodGet {
		own.Retry = endpoint.IdempotentRead
	}
	if err := own.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	if known != nil {
		return nil, invalidArg("%s is called with %s, not %s", path, known.Method, method)
	}
	return own, nil
}

// callQuery turns the query of a Call into the request's, in the order
// of the names; the credential is the Client's to add.
func callQuery(q url.Values) query {
	if len(q) == 0 {
		return nil
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	var out query
	for _, name := range names {
		for _, v := range q[name] {
			out = append(out, param{name, v})
		}
	}
	return out
}
