package wechattest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Many goroutines sharing a Client, sending and inspecting at once: run
// with -race.
func TestConcurrentUse(t *testing.T) {
	srv, c := startClient(t, withFollower("o1", "o2", "o3"))
	ctx := context.Background()
	const n = 24

	var wg sync.WaitGroup
	tokens := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.AccessToken(ctx)
			assert.NoError(t, err)
			tokens[i] = tok.Value
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, srv.Calls("/cgi-bin/token"), "concurrent callers share one token request")
	for _, tok := range tokens {
		assert.Equal(t, tokens[0], tok)
	}

	q := url.Values{"access_token": {tokens[0]}}
	send := func(path, body string) map[string]any {
		resp, err := srv.HTTPClient().Post(srv.URL+path+"?"+q.Encode(), "application/json", strings.NewReader(body))
		if !assert.NoError(t, err) {
			return nil
		}
		defer resp.Body.Close()
		var doc map[string]any
		assert.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
		return doc
	}
	tagIDs := make([]float64, n)
	for i := range n {
		wg.Add(3)
		go func() {
			defer wg.Done()
			doc := send("/cgi-bin/message/custom/send", fmt.Sprintf(`{"touser":"o%d","msgtype":"text","text":{"content":"%d"}}`, i%3+1, i))
			assert.Equal(t, float64(0), doc["errcode"], "%v", doc)
		}()
		go func() {
			defer wg.Done()
			doc := send("/cgi-bin/tags/create", fmt.Sprintf(`{"tag":{"name":"tag %d"}}`, i))
			if tag, ok := doc["tag"].(map[string]any); assert.True(t, ok, "%v", doc) {
				tagIDs[i] = tag["id"].(float64)
			}
		}()
		go func() {
			defer wg.Done()
			_ = srv.Calls("/cgi-bin/message/custom/send")
			_ = srv.SentMessages()
			_ = srv.Requests()
			_, _ = srv.Follower("o1")
			srv.FailNext("/cgi-bin/unused", 1, -1)
			_, err := c.JSAPITicket(ctx)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()

	assert.Len(t, srv.SentMessages(), n)
	assert.Equal(t, n, srv.Calls("/cgi-bin/message/custom/send"))
	seen := map[float64]bool{}
	for _, id := range tagIDs {
		assert.False(t, seen[id], "tag id %v issued twice", id)
		seen[id] = true
	}
	assert.Equal(t, 1, srv.Calls("/cgi-bin/ticket/getticket"), "the Client caches the ticket")
}
