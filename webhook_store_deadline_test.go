package wechat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// An attempt's reply deadline counts from when the attempt arrived, not
// from when the dedup store answered: a store that hangs to its bound (a
// tenth of the reply timeout) on Arrive, and again on GiveUp, would
// otherwise push the last attempt's "success" to 1.2 reply timeouts,
// past WeChat's 5 seconds with the default 4.5.
func TestWebhookDeadlineCountsFromArrival(t *testing.T) {
	// Two seconds, not one, so that the 100 ms between the right
	// deadline and the bound below absorbs a loaded machine's delays.
	const reply = 2 * time.Second
	c, _ := newWebhookClient(t, WithInsecurePlaintext(), WithDedupStore(failingStore{hang: true}), WithReplyTimeout(reply))
	wh := c.Webhook(HandlerFunc(func(ctx context.Context, m *Message) (Reply, error) {
		time.Sleep(3 * c.span()) // past all three attempts
		return m.ReplyText("late"), nil
	}))
	v := safeVector(t)
	target := "/wechat?" + plainQuery(v.Token, nowTS, "2")
	body := []byte(strings.Replace(string(fixture(t, "inbound/text.xml")), "1234567890123456", "78", 1))

	var wg sync.WaitGroup
	answers := make([]*httptest.ResponseRecorder, 3)
	took := make([]time.Duration, 3)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			answers[i] = serve(wh, http.MethodPost, target, body)
			took[i] = time.Since(start)
		}()
		time.Sleep(c.span()) // WeChat's next attempt
	}
	wg.Wait()
	assert.Equal(t, "success", answers[2].Body.String(), "the last attempt is answered")
	// The reply timeout and one bounded GiveUp: 2.2 s. Counting from
	// the store's answer made it 2.4 s.
	assert.Less(t, took[2], reply+reply/10+reply/20, "the last attempt answered after %v", took[2])
}
