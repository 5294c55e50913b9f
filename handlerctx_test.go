package wechat

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlerContext(t *testing.T) {
	type key struct{}
	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	var c handlerContext
	c.init(parent, 50*time.Millisecond)

	assert.Equal(t, "v", c.Value(key{}))
	d, ok := c.Deadline()
	assert.True(t, ok)
	assert.WithinDuration(t, time.Now().Add(50*time.Millisecond), d, 20*time.Millisecond)

	cancelParent() // WeChat hangs up
	assert.NoError(t, c.Err(), "the request's cancellation does not reach the handler")
	assert.Equal(t, "v", c.Value(key{}), "values stay")

	child, cancelChild := context.WithCancel(&c)
	defer cancelChild()
	select {
	case <-c.Done():
		t.Fatal("done before the deadline")
	case <-child.Done():
		t.Fatal("child done before the deadline")
	case <-time.After(10 * time.Millisecond):
	}
	select {
	case <-child.Done():
	case <-time.After(time.Second):
		t.Fatal("the deadline did not reach the child")
	}
	assert.ErrorIs(t, c.Err(), context.DeadlineExceeded)
	assert.ErrorIs(t, child.Err(), context.DeadlineExceeded)
}

// A context nobody waits on still reports its deadline through Err, and
// ending it reaches children made before and after.
func TestHandlerContextEnd(t *testing.T) {
	var c handlerContext
	c.init(context.Background(), time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	assert.ErrorIs(t, c.Err(), context.DeadlineExceeded, "without Done")
	select {
	case <-c.Done():
	default:
		t.Fatal("Done of an ended context is closed")
	}

	var c2 handlerContext
	c2.init(context.Background(), time.Hour)
	before, cancel := context.WithTimeout(&c2, time.Hour)
	defer cancel()
	c2.end(context.Canceled)
	after, cancel2 := context.WithCancel(&c2)
	defer cancel2()
	for _, ctx := range []context.Context{before, after} {
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
			t.Fatal("child not ended")
		}
		require.ErrorIs(t, ctx.Err(), context.Canceled)
	}
	stop := context.AfterFunc(&c2, func() {})
	assert.False(t, stop(), "already run")
}

// The handler's context ends when the handler has returned, as a
// request's does when ServeHTTP returns, not at its deadline a minute on:
// what a handler started under it stops with it.
func TestHandlerContextEndsWithTheHandler(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t, WithInsecurePlaintext())
	var kept context.Context
	wh := c.Webhook(HandlerFunc(func(ctx context.Context, _ *Message) (Reply, error) {
		kept = ctx
		return nil, nil
	}))
	rec := serve(wh, http.MethodPost, "/wechat?"+plainQuery(v.Token, nowTS, "2"), fixture(t, "inbound/text.xml"))
	require.Equal(t, "success", rec.Body.String())
	require.NotNil(t, kept)
	assert.ErrorIs(t, kept.Err(), context.Canceled)
	select {
	case <-kept.Done():
	default:
		t.Fatal("Done is not closed")
	}
}
