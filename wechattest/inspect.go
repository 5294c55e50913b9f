package wechattest

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// recorder keeps what reached the server and the faults to inject. It
// has its own lock: it is used before any API group's.
type recorder struct {
	mu       sync.Mutex
	calls    map[string]int
	requests []Request
	fails    map[string]*failure
	drops    map[string]int
	latency  map[string]time.Duration
	rids     map[string]*ridRecord
}

func (r *recorder) init() {
	r.calls = make(map[string]int)
	r.fails = make(map[string]*failure)
	r.drops = make(map[string]int)
	r.latency = make(map[string]time.Duration)
	r.rids = make(map[string]*ridRecord)
}

// arrive records a request and returns what to do with it: the delay to
// wait, whether to hang up, and the error to answer instead of the API's.
func (r *recorder) arrive(req Request) (delay time.Duration, drop bool, injected *apiError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[req.Path]++
	r.requests = append(r.requests, req)
	delay, ok := r.latency[req.Path]
	if !ok {
		delay = r.latency[""]
	}
	if r.drops[req.Path] > 0 {
		r.drops[req.Path]--
		return delay, true, nil
	}
	if f := r.fails[req.Path]; f != nil {
		injected = fail(f.code)
		if f.n--; f.n <= 0 {
			delete(r.fails, req.Path)
		}
	}
	return delay, false, injected
}

// ridRecord is what the fake keeps of an answered call for
// openapi/rid/get.
type ridRecord struct {
	rid      string
	path     string
	at       time.Time
	cost     time.Duration
	query    string
	body     string
	reply    []byte
	clientIP string
}

// answered keeps the record of an answered call under its rid.
func (r *recorder) answered(rec ridRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rids[rec.rid] = &rec
}

// lookup returns the record of a rid.
func (r *recorder) lookup(rid string) *ridRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rids[rid]
}

// failure is a pending FailNext.
type failure struct {
	n    int
	code int
}

// FailNext makes the next n requests to path (such as
// "/cgi-bin/menu/get") fail with errcode, before any other check: -1 for
// "system error", 40001 for a rejected token, 45009 for a spent quota.
// The errmsg is WeChat's for the code. Requests are counted by Calls as
// usual. A later call replaces an earlier one for the same path; n <= 0
// cancels it.
func (s *Server) FailNext(path string, n, errcode int) {
	setFault(&s.rec, s.rec.fails, path, &failure{n: n, code: errcode}, n <= 0)
}

// DropNext makes the server close the connection of the next n requests
// to path without answering and without acting on them, as a network
// failure does. n <= 0 cancels it.
func (s *Server) DropNext(path string, n int) {
	setFault(&s.rec, s.rec.drops, path, n, n <= 0)
}

// SetLatency delays every reply to path by d of real time; the empty path
// sets the delay of paths that have none of their own. d <= 0 removes the
// delay. A client that gives up earlier sees its own timeout; Close ends
// the delays.
func (s *Server) SetLatency(path string, d time.Duration) {
	setFault(&s.rec, s.rec.latency, path, d, d <= 0)
}

// setFault sets the fault of path in m, one of the recorder's maps, or
// removes it when cancel is set.
func setFault[V any](r *recorder, m map[string]V, path string, v V, cancel bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cancel {
		delete(m, path)
		return
	}
	m[path] = v
}

// Calls returns how many requests the server received for path, such as
// "/cgi-bin/token", whatever their outcome.
func (s *Server) Calls(path string) int {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	return s.rec.calls[path]
}

// Requests returns every request the server received, in order.
func (s *Server) Requests() []Request {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	out := make([]Request, len(s.rec.requests))
	for i, r := range s.rec.requests {
		r.Query = cloneValues(r.Query)
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

func cloneValues(v map[string][]string) map[string][]string {
	if v == nil {
		return nil
	}
	out := make(map[string][]string, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// MessageKind says which API sent a message.
type MessageKind string

// Kinds of SentMessage.
const (
	// CustomMessage is a customer-service message (客服消息,
	// message/custom/send).
	CustomMessage MessageKind = "custom"
	// TemplateMessage is a template message (模板消息,
	// message/template/send).
	TemplateMessage MessageKind = "template"
	// MassMessage is a mass message (群发, message/mass/sendall to a tag
	// or to all followers, message/mass/send to a list of openids).
	MassMessage MessageKind = "mass"
	// MassPreview is a mass message preview (message/mass/preview).
	MassPreview MessageKind = "mass_preview"
	// SubscribeMessage is a subscribe notification (订阅通知,
	// message/subscribe/bizsend).
	SubscribeMessage MessageKind = "subscribe"
	// OneTimeSubscribeMessage is a one-time subscription message
	// (一次性订阅消息, message/template/subscribe).
	OneTimeSubscribeMessage MessageKind = "subscribe_once"
)

// SentMessage is a message the server accepted for delivery.
type SentMessage struct {
	Kind MessageKind
	// Path is the API path, such as "/cgi-bin/message/custom/send".
	Path string
	// ToUser is the recipient's openid (custom, template and preview).
	ToUser string
	// ToWxName is the WeChat ID a preview was sent to instead of an
	// openid (towxname).
	ToWxName string
	// ToUsers are the recipients of message/mass/send.
	ToUsers []string
	// ToAll and TagID are the filter of message/mass/sendall.
	ToAll bool
	TagID int
	// MsgType is the msgtype of custom and mass messages.
	MsgType string
	// TemplateID is the template of a template message.
	TemplateID string
	// MsgID is the id WeChat returned: msgid of a template message,
	// msg_id of a mass message or preview; 0 for custom messages.
	MsgID int64
	// Body is the JSON request body as received.
	Body json.RawMessage
	// Time is when the server accepted it, by its clock.
	Time time.Time
}

// outbox keeps the messages the server accepted. It has its own lock and
// calls nothing, so every message API can record into it.
type outbox struct {
	mu   sync.Mutex
	sent []SentMessage
}

// record stores an accepted message with its path, body and time.
func (o *outbox) record(m SentMessage, x *exchange) {
	m.Path = x.r.URL.Path
	m.Body = compact(x.body)
	m.Time = x.now
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
}

// byID returns a copy of the message with a msgid.
func (o *outbox) byID(id int64) (SentMessage, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range o.sent {
		if m.MsgID == id {
			return m, true
		}
	}
	return SentMessage{}, false
}

// SentMessages returns the messages the server accepted, in order.
// Requests that failed (an unknown openid, an injected fault) are not
// included.
func (s *Server) SentMessages() []SentMessage {
	s.out.mu.Lock()
	defer s.out.mu.Unlock()
	out := make([]SentMessage, len(s.out.sent))
	for i, m := range s.out.sent {
		m.ToUsers = slices.Clone(m.ToUsers)
		m.Body = bytes.Clone(m.Body)
		out[i] = m
	}
	return out
}
