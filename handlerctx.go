package wechat

import (
	"context"
	"sync"
	"time"
)

// handlerContext is the context a webhook handler gets: the request's
// values, but not its cancellation (WeChat dropping an attempt must not
// stop the handler), and a deadline of its own. Its Done channel and
// deadline timer are made only when something asks for them, which most
// handlers never do: a push costs no timer unless the handler waits on
// its context.
type handlerContext struct {
	values   context.Context
	deadline time.Time

	mu    sync.Mutex
	done  chan struct{}
	timer *time.Timer
	err   error
	funcs map[*afterFunc]struct{} // AfterFunc's, run when it ends
}

type afterFunc struct{ f func() }

// init readies c to end timeout from now. values is only asked for
// values: the request's context, whose cancellation c ignores.
func (c *handlerContext) init(values context.Context, timeout time.Duration) {
	c.values, c.deadline = values, time.Now().Add(timeout)
}

// Deadline implements context.Context.
func (c *handlerContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Value implements context.Context.
func (c *handlerContext) Value(key any) any { return c.values.Value(key) }

// Done implements context.Context. The first call starts the deadline's
// timer.
func (c *handlerContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.startLocked()
	return c.done
}

// startLocked makes the Done channel, closed already if c has ended, and
// otherwise starts the deadline's timer. c.mu is held.
func (c *handlerContext) startLocked() {
	if c.done != nil {
		return
	}
	c.done = make(chan struct{})
	if c.err != nil {
		close(c.done)
		return
	}
	c.timer = time.AfterFunc(time.Until(c.deadline), func() { c.end(context.DeadlineExceeded) })
}

// Err implements context.Context.
func (c *handlerContext) Err() error {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if err == nil && !time.Now().Before(c.deadline) {
		c.end(context.DeadlineExceeded)
		return context.DeadlineExceeded
	}
	return err
}

// AfterFunc arranges for f to run once the context ends, as
// context.AfterFunc does; the context package uses it for the children
// of this context instead of a goroutine each.
func (c *handlerContext) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	// Under the same lock as the check of err: an end in between would
	// leave f registered after the functions were run.
	c.startLocked()
	a := &afterFunc{f: f}
	if c.funcs == nil {
		c.funcs = make(map[*afterFunc]struct{})
	}
	c.funcs[a] = struct{}{}
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.funcs[a]
		delete(c.funcs, a)
		return ok
	}
}

// end ends the context with err, once.
func (c *handlerContext) end(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	if c.done != nil {
		close(c.done)
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	funcs := c.funcs
	c.funcs = nil
	c.mu.Unlock()
	for a := range funcs {
		go a.f()
	}
}
