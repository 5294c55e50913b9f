package wechat

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endpointCase tests one endpoint of the table through the method that
// calls it: the request a valid call sends, what the call makes of the
// documented reply, and that a call with an invalid argument sends
// nothing. The cases are beside the tests of each API group.
type endpointCase struct {
	// opts configure the test client (newTestClient) further.
	opts []Option
	// call makes a valid call and returns what a caller would compare.
	call func(ctx context.Context, c *Client) (any, error)
	// query is the query string the call sends, besides the
	// access_token that AccessToken endpoints carry.
	query url.Values
	// body is the JSON body the call sends; empty for none.
	body string
	// form is the multipart body the call sends instead.
	form *wantForm
	// reply is the fixture under testdata/ that answers the call, or
	// file the bytes of a downloaded file.
	reply string
	file  *servedFile
	// want is what call returns for the reply.
	want any
	// invalid makes a call with an invalid argument, which must fail
	// with ErrInvalidArgument before any request. It is nil only for a
	// method that takes no argument to check (noArgs).
	invalid func(ctx context.Context, c *Client) error
	noArgs  bool
}

// execCase is the case of a method that returns only an error, sends body
// and is answered with the bare success status (api/ok.json): call makes
// a valid call and invalid one with an invalid argument, nil for a method
// with no argument to check.
func execCase(body string, call, invalid func(ctx context.Context, c *Client) error) endpointCase {
	return endpointCase{
		call:    func(ctx context.Context, c *Client) (any, error) { return nil, call(ctx, c) },
		body:    body,
		reply:   "api/ok.json",
		invalid: invalid,
		noArgs:  invalid == nil,
	}
}

// wantForm is a multipart upload: its file part and other fields.
type wantForm struct {
	field, filename, data string
	fields                map[string]string
}

// servedFile is a file a download endpoint answers with.
type servedFile struct {
	contentType, filename, data string
}

// downloaded is what the download cases compare.
type downloaded struct {
	ContentType, Filename, Body string
}

func readDownload(m *Media, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	defer m.Close()
	b, err := io.ReadAll(m.Body)
	return downloaded{ContentType: m.ContentType, Filename: m.Filename, Body: string(b)}, err
}

// endpointCases gathers the cases of every API group.
func endpointCases(t *testing.T) map[endpoint.ID]endpointCase {
	all := map[endpoint.ID]endpointCase{}
	for _, group := range []map[endpoint.ID]endpointCase{
		tokenEndpoints(), basicEndpoints(), menuEndpoints(), mediaEndpoints(), massEndpoints(),
		materialEndpoints(), draftEndpoints(), publishEndpoints(), oauthEndpoints(), userEndpoints(),
		tagEndpoints(), customEndpoints(), templateEndpoints(), qrcodeEndpoints(), kfEndpoints(),
		subscribeEndpoints(), datacubeEndpoints(), ocrEndpoints(),
		commentEndpoints(), autoReplyEndpoints(), publisherEndpoints(), wxaLinkEndpoints(),
		openEndpoints(), componentEndpoints(),
	} {
		for id := range group {
			if _, dup := all[id]; dup {
				t.Errorf("endpoint %s has two cases", endpoint.Get(id).Path)
			}
		}
		maps.Copy(all, group)
	}
	return all
}

// TestEndpoints walks the endpoint table: every endpoint has a case, and
// through its method it sends what the case says, decodes the documented
// reply, checks its arguments before sending, reports an errcode as an
// *APIError, and retries a 5xx exactly as its retry policy says.
func TestEndpoints(t *testing.T) {
	cases := endpointCases(t)
	for id := range endpoint.Count {
		ep := endpoint.Get(id)
		tc, ok := cases[id]
		if !ok {
			t.Errorf("%s %s has no endpointCase: add one beside the tests of its API group", ep.Method, ep.Path)
			continue
		}
		delete(cases, id)
		t.Run(ep.Path, func(t *testing.T) {
			ctx := context.Background()
			t.Run("wire and reply", func(t *testing.T) {
				c, mt := newTestClient(t, tc.opts...)
				rec := serveCase(t, mt, ep, tc)
				got, err := tc.call(ctx, c)
				require.NoError(t, err)
				w := rec.only(t)
				assert.Equal(t, ep.Method, w.Method, "method")
				wantQuery := url.Values{}
				maps.Copy(wantQuery, tc.query)
				switch ep.Auth {
				case endpoint.AccessToken:
					wantQuery.Set("access_token", testToken)
				case endpoint.ComponentToken:
					wantQuery.Set("component_access_token", testToken)
				}
				assert.Equal(t, wantQuery, w.Query, "query")
				switch {
				case tc.body != "":
					assert.JSONEq(t, tc.body, string(w.Body), "JSON body")
					assert.Equal(t, "application/json; charset=utf-8", w.Header.Get("Content-Type"))
				case tc.form != nil:
					fields, field, filename, _, data := parseUpload(t, w)
					if len(fields) == 0 {
						fields = nil
					}
					assert.Equal(t, *tc.form, wantForm{field, filename, string(data), fields}, "multipart body")
				default:
					assert.Empty(t, w.Body, "body")
				}
				assert.Equal(t, tc.want, got, "result")
			})
			t.Run("invalid argument", func(t *testing.T) {
				if tc.invalid == nil {
					assert.True(t, tc.noArgs, "no invalid call: set noArgs if the method has no argument to check")
					return
				}
				c := newOfflineClient(t, tc.opts...)
				assert.ErrorIs(t, tc.invalid(ctx, c), ErrInvalidArgument)
			})
			t.Run("errcode", func(t *testing.T) {
				c, mt := newTestClient(t, tc.opts...)
				stub(mt, ep.Method, ep.Path, fixture(t, "api/errors/45009_api_freq_out_of_limit.json"))
				_, err := tc.call(ctx, c)
				assertAPIError(t, err, CodeAPIFreqOutOfLimit, ep.Path)
			})
			t.Run("retry policy", func(t *testing.T) {
				c, mt := newTestClient(t, tc.opts...)
				rec := stubWith(mt, ep.Method, ep.Path, httpmock.NewStringResponder(http.StatusBadGateway, "bad gateway"))
				_, err := tc.call(ctx, c)
				var he *HTTPError
				require.ErrorAs(t, err, &he)
				want := 1
				if ep.Retry.Retried() {
					want += maxRetries
				}
				assert.Len(t, rec.Calls(), want, "attempts of a %v endpoint", ep.Retry)
			})
		})
	}
	for id := range cases {
		t.Errorf("case for endpoint %d, which is not in the table", id)
	}
}

// serveCase answers the case's request with its reply and records it.
func serveCase(t *testing.T, mt *httpmock.MockTransport, ep *endpoint.Endpoint, tc endpointCase) *recorder {
	if tc.file == nil {
		return stub(mt, ep.Method, ep.Path, fixture(t, tc.reply))
	}
	return stubWith(mt, ep.Method, ep.Path, func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(http.StatusOK, tc.file.data)
		resp.Header.Set("Content-Type", tc.file.contentType)
		if tc.file.filename != "" {
			resp.Header.Set("Content-Disposition", `attachment; filename="`+tc.file.filename+`"`)
		}
		return resp, nil
	})
}

// Sends are never retried: WeChat has no idempotency key, and a retry
// after a lost reply delivers twice. The rule is checked on the paths, so
// that a new messaging endpoint cannot be declared retryable by mistake:
// under /message/ only the reads (…/get) may be retried.
func TestSendsAreNeverRetried(t *testing.T) {
	n := 0
	for _, ep := range endpoint.All() {
		if !strings.Contains(ep.Path, "/message/") || strings.HasSuffix(ep.Path, "/get") {
			continue
		}
		n++
		if ep.Retry.Retried() {
			t.Errorf("%s sends or changes messages, but its retry policy %v retries it", ep.Path, ep.Retry)
		}
	}
	assert.Equal(t, 10, n, "messaging endpoints checked")
}
