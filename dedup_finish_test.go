package wechat

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A second Finish of a push replaces its reply, and the store counts the
// bytes of the reply it holds, not of both: counted twice, the excess
// would never be given back and would push out the replies of pushes to
// come.
func TestMemoryDedupStoreFinishTwice(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1700000000, 0)
	s := NewMemoryDedupStore(0, 10)
	_, _ = s.Arrive(ctx, "a", now, time.Minute)
	_, _ = s.Finish(ctx, "a", []byte("123456"))
	_, _ = s.Finish(ctx, "a", []byte("1234"))
	assert.Equal(t, 4, s.bytes)
	st, _ := s.State(ctx, "a")
	assert.Equal(t, []byte("1234"), st.Reply)

	// Room for b's reply beside a's: neither is pushed out.
	_, _ = s.Arrive(ctx, "b", now, time.Minute)
	_, _ = s.Finish(ctx, "b", []byte("123456"))
	st, _ = s.State(ctx, "a")
	assert.Equal(t, []byte("1234"), st.Reply, "a is kept")
	assert.Equal(t, 10, s.bytes)

	// Forgotten, a gives back what it holds.
	_, _ = s.Arrive(ctx, "c", now.Add(time.Hour), time.Minute)
	assert.Zero(t, s.bytes)
}
