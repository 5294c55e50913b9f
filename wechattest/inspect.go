package wechattest

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

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
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.fails, path)
		return
	}
	s.fails[path] = &failure{n: n, code: errcode}
}

// DropNext makes the server close the connection of the next n requests
// to path without answering and without acting on them, as a network
// failure does. n <= 0 cancels it.
func (s *Server) DropNext(path string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.drops, path)
		return
	}
	s.drops[path] = n
}

// SetLatency delays every reply to path by d of real time; the empty path
// sets the delay of paths that have none of their own. d <= 0 removes the
// delay. A client that gives up earlier sees its own timeout; Close ends
// the delays.
func (s *Server) SetLatency(path string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.latency, path)
		return
	}
	s.latency[path] = d
}

// Calls returns how many requests the server received for path, such as
// "/cgi-bin/token", whatever their outcome.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Requests returns every request the server received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
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

// SentMessages returns the messages the server accepted, in order.
// Requests that failed (an unknown openid, an injected fault) are not
// included.
func (s *Server) SentMessages() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMessage, len(s.sent))
	for i, m := range s.sent {
		m.ToUsers = slices.Clone(m.ToUsers)
		m.Body = bytes.Clone(m.Body)
		out[i] = m
	}
	return out
}

// Menu returns the body of the menu/create call that set the current
// default menu, {"button":[...]} as sent, or nil when there is no menu.
func (s *Server) Menu() json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.menuRaw)
}
