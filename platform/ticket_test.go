package platform_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/platform"
)

// slowMissStore is a MemoryStore whose look-ups that find no ticket take
// a while, as a shared store's do (redisstore reads, locks, reads again
// and unlocks before it answers): entered is closed when the first such
// look-up is under way.
type slowMissStore struct {
	*wechat.MemoryStore
	once    sync.Once
	entered chan struct{}
}

func (s *slowMissStore) Token(ctx context.Context, key string, fetch wechat.FetchFunc) (wechat.Token, error) {
	return s.MemoryStore.Token(ctx, key, func(ctx context.Context) (wechat.Token, error) {
		t, err := fetch(ctx)
		if errors.Is(err, platform.ErrNoTicket) {
			s.once.Do(func() { close(s.entered) })
			time.Sleep(200 * time.Millisecond)
		}
		return t, err
	})
}

// A ticket pushed while a call of the platform is finding that there is
// none (a new deployment, or a store that lost its keys, under load) is
// stored: the push does not share that call's answer, ErrNoTicket.
func TestTicketPushedWhileACallFindsNone(t *testing.T) {
	ctx := context.Background()
	var e *env
	now := func() time.Time { return e.clock.Now() } // the fake's clock, once e is made
	store := &slowMissStore{MemoryStore: wechat.NewMemoryStoreWithClock(now), entered: make(chan struct{})}
	e = newEnv(t, nil, platform.WithTokenStore(store))
	missed := make(chan error, 1)
	go func() {
		_, err := e.c.ComponentAccessToken(ctx)
		missed <- err
	}()
	<-store.entered
	_, err := e.fake.PushTicket(ctx)
	require.NoError(t, err, "the push is taken")
	assert.ErrorIs(t, <-missed, platform.ErrNoTicket, "the call that found none")
	_, err = e.c.ComponentAccessToken(ctx)
	assert.NoError(t, err)
}

// A ticket WeChat refused (61006 here, 61005 for an expired one) is not
// sent again: the calls that follow fail with ErrNoTicket at once,
// instead of each costing a request to api_component_token that WeChat
// refuses the same way, until a new ticket is pushed.
func TestRefusedTicketNotSentAgain(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.ticket()
	require.NoError(t, e.c.SetTicket(ctx, "ticket@@@stale"))
	_, err := e.c.ComponentAccessToken(ctx)
	require.ErrorIs(t, err, platform.ErrNoTicket)
	refused := e.fake.Calls(componentTokenPath)
	for range 3 {
		_, err = e.c.ComponentAccessToken(ctx)
		assert.ErrorIs(t, err, platform.ErrNoTicket)
	}
	assert.Equal(t, refused, e.fake.Calls(componentTokenPath), "no request with the refused ticket")

	e.ticket()
	_, err = e.c.ComponentAccessToken(ctx)
	assert.NoError(t, err)
}
