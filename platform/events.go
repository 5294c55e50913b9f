package platform

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/mpkit/wechat"
)

// InfoType is the kind of a push to the authorization event URL.
type InfoType string

// The InfoTypes WeChat documents for official accounts and the Mini
// Programs a platform registers.
const (
	// InfoTypeVerifyTicket: the component_verify_ticket, every ten
	// minutes.
	InfoTypeVerifyTicket InfoType = "component_verify_ticket"
	// InfoTypeAuthorized: an account authorized the platform.
	InfoTypeAuthorized InfoType = "authorized"
	// InfoTypeUpdateAuthorized: an account changed what it granted.
	InfoTypeUpdateAuthorized InfoType = "updateauthorized"
	// InfoTypeUnauthorized: an account revoked the platform.
	InfoTypeUnauthorized InfoType = "unauthorized"
	// InfoTypeFastRegister: the result of registering an enterprise or
	// personal Mini Program for a merchant (快速注册小程序).
	InfoTypeFastRegister InfoType = "notify_third_fasteregister"
	// InfoTypeFastRegisterBetaApp: the result of registering a trial Mini
	// Program (注册试用小程序).
	InfoTypeFastRegisterBetaApp InfoType = "notify_third_fastregisterbetaapp"
	// InfoTypeFastVerifyBetaApp: the result of verifying a trial Mini
	// Program (试用小程序快速认证).
	InfoTypeFastVerifyBetaApp InfoType = "notify_third_fastverifybetaapp"
)

// Event is a push to the authorization event URL (授权事件接收URL),
// decrypted: ParseEvent reads one.
type Event struct {
	// AppID is the platform's (AppId).
	AppID      string
	CreateTime time.Time
	InfoType   InfoType

	// VerifyTicket is the component_verify_ticket (ComponentVerifyTicket).
	VerifyTicket Secret

	// AuthorizerAppID is the account of an authorization event.
	AuthorizerAppID string
	// AuthorizationCode is the code of authorized and updateauthorized,
	// which QueryAuth exchanges; it expires at AuthorizationCodeExpiresAt.
	AuthorizationCode          Secret
	AuthorizationCodeExpiresAt time.Time
	PreAuthCode                Secret

	// Registration is the result of a fast registration (the
	// notify_third_fast… InfoTypes).
	Registration *Registration

	// Authorization is what the Events handler obtained with the
	// event's code before the EventHandler is called: the account's
	// authorization, stored already. ParseEvent leaves it nil.
	Authorization *Authorization

	// Raw is the decrypted push, for the fields of an InfoType not
	// listed here; it holds credentials, hence a Secret.
	Raw Secret
}

// String describes the event without its credentials.
func (e Event) String() string {
	s := fmt.Sprintf("platform.Event{InfoType:%q, AppID:%q, AuthorizerAppID:%q, CreateTime:%s",
		e.InfoType, e.AppID, e.AuthorizerAppID, e.CreateTime.Format(time.RFC3339))
	if r := e.Registration; r != nil {
		s += fmt.Sprintf(", Registration:{AppID:%q, Status:%d}", r.AppID, r.Status)
	}
	return s + "}"
}

// GoString is String, for %#v.
func (e Event) GoString() string { return e.String() }

// Format prints the event through String for every verb: the verbs fmt
// does not give to String (%d, for one) would print it field by field.
func (e Event) Format(f fmt.State, verb rune) { fmt.Fprint(f, e.String()) }

// Registration is the result of a fast registration of a Mini Program
// (快速注册小程序 and 试用小程序).
type Registration struct {
	// AppID is the Mini Program created (appid).
	AppID string
	// Status is 0 for success; Message says why not (msg).
	Status  int
	Message string
	// AuthCode authorizes the Mini Program to the platform: the Events
	// handler exchanges it as it does an authorization code.
	AuthCode Secret
	// UniqueID ties a trial Mini Program to the request that created it
	// (unique_id).
	UniqueID string
	// Info is the request's data (info): name, code, code_type,
	// legal_persona_wechat, legal_persona_name, component_phone for an
	// enterprise; wxuser, idname, component_phone for a person.
	Info map[string]string
}

type xmlText struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// eventXML is the document of a push, read by encoding/xml: the pushes are
// few and small, and their nested info element is beyond the flat reader
// of package wechat.
type eventXML struct {
	XMLName         xml.Name
	AppID           string `xml:"AppId"`
	CreateTime      string `xml:"CreateTime"`
	InfoType        string `xml:"InfoType"`
	Ticket          string `xml:"ComponentVerifyTicket"`
	AuthorizerAppID string `xml:"AuthorizerAppid"`
	Code            string `xml:"AuthorizationCode"`
	CodeExpires     string `xml:"AuthorizationCodeExpiredTime"`
	PreAuthCode     string `xml:"PreAuthCode"`
	RegAppID        string `xml:"appid"`
	Status          string `xml:"status"`
	AuthCode        string `xml:"auth_code"`
	Msg             string `xml:"msg"`
	UniqueID        string `xml:"unique_id"`
	Info            *struct {
		Fields []xmlText `xml:",any"`
	} `xml:"info"`
}

// ParseEvent reads a decrypted push of the authorization event URL. Its
// values are trimmed (some pushes pad their CDATA sections with
// whitespace); a number that does not parse is left zero. A document
// whose root is not xml, or without InfoType, is an error wrapping
// wechat.ErrUnexpectedResponse.
func ParseEvent(b []byte) (*Event, error) {
	var x eventXML
	if err := xml.Unmarshal(b, &x); err != nil {
		return nil, fmt.Errorf("%w: authorization event: %v", wechat.ErrUnexpectedResponse, err)
	}
	t := strings.TrimSpace
	if x.XMLName.Local != "xml" || t(x.InfoType) == "" {
		return nil, fmt.Errorf("%w: authorization event without an xml root and InfoType", wechat.ErrUnexpectedResponse)
	}
	e := &Event{
		AppID:             t(x.AppID),
		CreateTime:        unixTime(t(x.CreateTime)),
		InfoType:          InfoType(t(x.InfoType)),
		VerifyTicket:      Secret(t(x.Ticket)),
		AuthorizerAppID:   t(x.AuthorizerAppID),
		AuthorizationCode: Secret(t(x.Code)),
		PreAuthCode:       Secret(t(x.PreAuthCode)),
		Raw:               Secret(b),
	}
	if x.CodeExpires != "" {
		e.AuthorizationCodeExpiresAt = unixTime(t(x.CodeExpires))
	}
	if strings.HasPrefix(string(e.InfoType), "notify_third_fast") {
		reg := &Registration{AppID: t(x.RegAppID), Message: t(x.Msg), AuthCode: Secret(t(x.AuthCode)), UniqueID: t(x.UniqueID)}
		reg.Status, _ = strconv.Atoi(t(x.Status))
		if x.Info != nil {
			reg.Info = make(map[string]string, len(x.Info.Fields))
			for _, f := range x.Info.Fields {
				reg.Info[f.XMLName.Local] = t(f.Value)
			}
		}
		e.Registration = reg
	}
	return e, nil
}

func unixTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// An EventHandler is told of the pushes to the authorization event URL
// after the platform has acted on them. It runs on the push's request,
// within WeChat's five seconds: keep it short. Its error is logged; the
// push is answered success all the same.
type EventHandler interface {
	ServeEvent(ctx context.Context, e *Event) error
}

// EventHandlerFunc adapts a function to EventHandler.
type EventHandlerFunc func(ctx context.Context, e *Event) error

// ServeEvent calls f(ctx, e).
func (f EventHandlerFunc) ServeEvent(ctx context.Context, e *Event) error { return f(ctx, e) }

// eventTimeout bounds what the platform does for one event: it goes on
// when WeChat hangs up, since a refresh token must be stored whatever
// the connection does.
const eventTimeout = 30 * time.Second

// Events returns the http.Handler of the authorization event URL
// (授权事件接收URL). Each POST is verified and decrypted with the checks of
// the account webhook (wechat.Client.OpenPush: msg_signature, timestamp
// window, bounded body, the platform's AppID inside), then:
//
//   - component_verify_ticket is stored (SetTicket), for every instance;
//   - authorized and updateauthorized have their code exchanged
//     (QueryAuth): the refresh token is stored and the account's Client
//     holds its access token; the result is the Event's Authorization;
//   - unauthorized revokes the account (Revoke): its tokens are no longer
//     used, and its calls fail with ErrNotAuthorized;
//   - a successful fast registration has its auth_code exchanged as an
//     authorization code is.
//
// h (nil for none) is then called with the event, and WeChat is answered
// "success", as it requires. A push that does not verify is answered as
// the webhook answers it (403, 400, 413); one the platform could not act
// on (the store or WeChat failed) is answered 500, so that WeChat sends
// it again. A handler that panics is logged as an error.
func (c *Client) Events(h EventHandler) http.Handler {
	return &eventsHandler{c: c, h: h}
}

type eventsHandler struct {
	c *Client
	h EventHandler
}

func (eh *eventsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := eh.c
	if c.pushErr != nil {
		http.Error(w, c.pushErr.Error(), http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := c.messages.OpenPush(r)
	if err != nil {
		status := http.StatusForbidden
		var pe *wechat.PushError
		if errors.As(err, &pe) {
			status = pe.Status
		}
		c.logger.LogAttrs(r.Context(), slog.LevelWarn, "platform: authorization event refused", slog.Int("status", status), slog.String("error", err.Error()))
		http.Error(w, http.StatusText(status), status)
		return
	}
	e, err := ParseEvent(body)
	if err != nil {
		c.logger.LogAttrs(r.Context(), slog.LevelWarn, "platform: authorization event does not parse", slog.String("error", err.Error()))
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), eventTimeout)
	defer cancel()
	if err := c.actOn(ctx, e); err != nil {
		c.logger.LogAttrs(ctx, slog.LevelError, "platform: could not act on an authorization event; WeChat will send it again",
			slog.String("info_type", string(e.InfoType)), slog.String("appid", e.AuthorizerAppID), slog.String("error", err.Error()))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if eh.h != nil {
		if err := serveEvent(ctx, eh.h, e); err != nil {
			c.logger.LogAttrs(ctx, slog.LevelError, "platform: event handler failed",
				slog.String("info_type", string(e.InfoType)), slog.String("appid", e.AuthorizerAppID), slog.String("error", err.Error()))
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "success")
}

// serveEvent calls h, turning a panic into an error.
func serveEvent(ctx context.Context, h EventHandler, e *Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("platform: event handler panic: %v\n%s", p, debug.Stack())
		}
	}()
	return h.ServeEvent(ctx, e)
}

// actOn does what the platform must for an event.
func (c *Client) actOn(ctx context.Context, e *Event) error {
	switch e.InfoType {
	case InfoTypeVerifyTicket:
		return c.SetTicket(ctx, string(e.VerifyTicket)) // which refuses an empty one
	case InfoTypeAuthorized, InfoTypeUpdateAuthorized:
		if e.AuthorizationCode == "" {
			return nil
		}
		auth, err := c.QueryAuth(ctx, string(e.AuthorizationCode))
		e.Authorization = auth
		return err
	case InfoTypeUnauthorized:
		if e.AuthorizerAppID == "" {
			return errors.New("platform: unauthorized push without an AuthorizerAppid")
		}
		return c.Revoke(ctx, e.AuthorizerAppID)
	}
	if reg := e.Registration; reg != nil && reg.Status == 0 && reg.AuthCode != "" {
		auth, err := c.QueryAuth(ctx, string(reg.AuthCode))
		e.Authorization = auth
		return err
	}
	return nil
}
