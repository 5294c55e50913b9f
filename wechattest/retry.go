package wechattest

import (
	"context"
	"errors"
	"fmt"

	"github.com/mpkit/wechat"
)

// Attempts is how many times WeChat sends a push it gets no answer to:
// it gives each attempt Timeout (five seconds), then drops the
// connection and sends the push again.
const Attempts = 3

// Delivery is what came of a push that Webhook.Push made up to Attempts
// attempts at.
type Delivery struct {
	// Reply is the answered attempt's reply, nil for "success" or an
	// empty answer (no reply).
	Reply wechat.Reply
	// Attempt is the attempt that was answered, from 1; 0 if none was.
	Attempt int
	// Attempts counts the attempts made.
	Attempts int
	// Failed reports that no attempt was answered in time. WeChat then
	// shows the user "该公众号提供的服务出现故障，请稍后再试".
	Failed bool
}

// String describes the delivery in one line, such as "answered on
// attempt 2 of 3".
func (d *Delivery) String() string {
	if d.Failed {
		return fmt.Sprintf("no answer in %d attempts: the user sees 该公众号提供的服务出现故障，请稍后再试", d.Attempts)
	}
	return fmt.Sprintf("answered on attempt %d of %d", d.Attempt, Attempts)
}

// Push pushes msg as WeChat does when a webhook is slow: it gives an
// attempt Timeout to be answered, then drops it (the handler sees its
// request's context end) and sends the same message again, with the
// same MsgId and CreateTime but a fresh timestamp, nonce and signature,
// up to Attempts attempts. Set Timeout to a few milliseconds (and the
// webhook's wechat.WithReplyTimeout to a little less) to play WeChat's
// 15 seconds in a test.
//
// The result says which attempt was answered and with what, or that
// none was. An error is returned for what WeChat would not retry: an
// answer other than 200 OK (a *StatusError), a reply that does not
// decrypt or parse or is misaddressed, a connection that cannot be made,
// or ctx ending.
func (w *Webhook) Push(ctx context.Context, msg *wechat.Message) (*Delivery, error) {
	m, mc, err := w.prepare(msg)
	if err != nil {
		return nil, err
	}
	d := &Delivery{}
	reached := false // an attempt reached the webhook: the push counts
	defer func() {
		if reached {
			w.delivered(m, d.Reply)
		}
	}()
	for d.Attempts < Attempts {
		d.Attempts++
		reply, answered, err := w.attempt(ctx, m, mc)
		reached = reached || answered
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			reached = true
			continue // WeChat gave the attempt up
		}
		if err != nil {
			return d, err
		}
		d.Attempt, d.Reply = d.Attempts, reply
		return d, nil
	}
	d.Failed = true
	return d, nil
}

// attempt sends one attempt at the completed message m and reads the
// answer as Send does; answered reports that the webhook answered.
func (w *Webhook) attempt(ctx context.Context, m *wechat.Message, mc *wechat.MessageCipher) (reply wechat.Reply, answered bool, err error) {
	ctx, cancel := w.withTimeout(ctx)
	defer cancel()
	req, err := w.messageRequest(ctx, m, mc)
	if err != nil {
		return nil, false, err
	}
	status, body, err := w.roundTrip(req)
	if err != nil {
		return nil, false, err
	}
	reply, err = parseReply(status, body, mc, w.Mode)
	if err != nil || reply == nil {
		return reply, true, err
	}
	if h := header(reply); h != nil && (h.ToUserName != m.FromUserName || h.FromUserName != m.ToUserName) {
		return reply, true, fmt.Errorf("%w: reply from %q to %q, message from %q to %q", ErrReplyMisaddressed,
			h.FromUserName, h.ToUserName, m.FromUserName, m.ToUserName)
	}
	return reply, true, nil
}
