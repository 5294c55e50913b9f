package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// printReply writes reply in readable form.
func printReply(w io.Writer, reply wechat.Reply) {
	head := func(kind string, h wechat.ReplyHeader) {
		fmt.Fprintf(w, "%s reply to %s from %s:\n", kind, h.ToUserName, h.FromUserName)
	}
	switch r := reply.(type) {
	case nil:
		fmt.Fprintln(w, "no reply (success)")
	case *wechat.TextReply:
		head("text", r.ReplyHeader)
		for _, line := range strings.Split(r.Content, "\n") {
			fmt.Fprintln(w, "  "+line)
		}
	case *wechat.ImageReply:
		head("image", r.ReplyHeader)
		fields(w, "  ", "MediaId", r.MediaID)
	case *wechat.VoiceReply:
		head("voice", r.ReplyHeader)
		fields(w, "  ", "MediaId", r.MediaID)
	case *wechat.VideoReply:
		head("video", r.ReplyHeader)
		fields(w, "  ", "MediaId", r.MediaID, "Title", r.Title, "Description", r.Description)
	case *wechat.MusicReply:
		head("music", r.ReplyHeader)
		fields(w, "  ", "Title", r.Title, "Description", r.Description, "MusicUrl", r.MusicURL,
			"HQMusicUrl", r.HQMusicURL, "ThumbMediaId", r.ThumbMediaID)
	case *wechat.NewsReply:
		head("news", r.ReplyHeader)
		for i, a := range r.Articles {
			fmt.Fprintf(w, "  article %d of %d:\n", i+1, len(r.Articles))
			fields(w, "    ", "Title", a.Title, "Description", a.Description, "Url", a.URL, "PicUrl", a.PicURL)
		}
	case *wechat.TransferCustomerServiceReply:
		head("transfer_customer_service", r.ReplyHeader)
		if r.KfAccount == "" {
			fmt.Fprintln(w, "  to any online customer-service account")
		} else {
			fields(w, "  ", "KfAccount", r.KfAccount)
		}
	default:
		// wechat.ParseReply returns only the types above.
		fmt.Fprintf(w, "%T reply\n", r)
	}
}

// fields writes name: value lines, values aligned, each line of a value
// indented; kv alternates names and values.
func fields(w io.Writer, indent string, kv ...string) {
	width := 0
	for i := 0; i < len(kv); i += 2 {
		width = max(width, len(kv[i]))
	}
	pad := indent + strings.Repeat(" ", width+2)
	for i := 0; i < len(kv); i += 2 {
		value := strings.ReplaceAll(kv[i+1], "\n", "\n"+pad)
		fmt.Fprintf(w, "%s%-*s %s\n", indent, width+1, kv[i]+":", value)
	}
}

// explain says in one line why an exchange failed. It never quotes the
// token or the key: none of the errors it is given holds them.
func explain(err error, cfg *config) string {
	var (
		status *wechattest.StatusError
		crypto *wechat.CryptoError
		parse  *wechat.ParseError
		dns    *net.DNSError
	)
	switch {
	case errors.As(err, &status):
		return explainStatus(status, cfg)
	case errors.As(err, &crypto):
		switch {
		case errors.Is(crypto, wechat.ErrAppIDMismatch):
			return fmt.Sprintf("reply does not decrypt: it was encrypted for AppID %q, not -appid %q", crypto.AppID, cfg.appID)
		case errors.Is(crypto, wechat.ErrInvalidSignature):
			return "reply has a bad msg_signature: it was not signed with this token (-token), or it was altered"
		}
		return fmt.Sprintf("reply does not decrypt (%s): was it encrypted with another EncodingAESKey than -aeskey?", trimPrefix(crypto.Error()))
	case errors.As(err, &parse):
		return fmt.Sprintf("reply is not valid XML: %s", trimPrefix(parse.Error()))
	case errors.Is(err, wechattest.ErrReplyNotEncrypted):
		return fmt.Sprintf("reply is not encrypted: in %s mode WeChat drops a plain reply (is the webhook set up with the EncodingAESKey?)", cfg.mode)
	case errors.Is(err, wechattest.ErrEchoMismatch):
		return strings.Replace(trimPrefix(err.Error()), "URL check answered", "the webhook answered", 1)
	case errors.Is(err, wechattest.ErrReplyMisaddressed):
		return trimPrefix(err.Error())
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("cannot connect to %s: connection refused (is the webhook running?)", cfg.url)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("no answer from %s within %v (WeChat gives up after %v and retries)", cfg.url, cfg.timeout, wechattest.DefaultTimeout)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, &dns):
		return fmt.Sprintf("cannot connect to %s: host %q not found", cfg.url, dns.Name)
	}
	return trimPrefix(err.Error())
}

// isTimeout reports a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// explainStatus says what a webhook that did not answer 200 OK probably
// objects to.
func explainStatus(e *wechattest.StatusError, cfg *config) string {
	msg := fmt.Sprintf("webhook answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if b := strings.TrimSpace(e.Body); b != "" && b != http.StatusText(e.StatusCode) {
		msg += " (" + firstLine(b) + ")"
	}
	encrypted := cfg.mode != wechattest.ModePlain
	switch {
	case e.StatusCode == http.StatusForbidden && encrypted:
		return msg + ": it rejected the signature or msg_signature; are -token and -appid the webhook's?"
	case e.StatusCode == http.StatusForbidden:
		return msg + ": it rejected the signature; is -token the webhook's server token? (a webhook in safe mode also refuses plaintext pushes: give -aeskey and -appid)"
	case e.StatusCode == http.StatusBadRequest && encrypted:
		return msg + ": it could not decrypt or read the message; are -aeskey and -appid the webhook's (or does it expect plain mode)?"
	case e.StatusCode == http.StatusBadRequest:
		return msg + ": it could not read the message"
	case e.StatusCode == http.StatusNotFound:
		return msg + ": is -url the webhook's path?"
	case e.StatusCode == http.StatusMethodNotAllowed:
		return msg + ": is -url the webhook, not another page?"
	}
	return msg
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// recorder is an http.RoundTripper that keeps the last exchange, for -v.
type recorder struct {
	next http.RoundTripper

	req      *http.Request
	reqBody  []byte
	resp     *http.Response
	respBody []byte
	err      error
}

// maxRecord caps what recorder keeps of a body: wechattest reads no more.
const maxRecord = 1 << 20

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.req, r.reqBody, r.resp, r.respBody, r.err = req, nil, nil, nil, nil
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		r.reqBody = body
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		r.err = err
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRecord))
	resp.Body.Close()
	r.resp, r.respBody = resp, body
	if err != nil {
		r.err = err
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// dump writes the recorded exchange: the request line and body, then the
// status and body of the answer; in compatible and safe mode the
// message and the reply decrypted too.
func (r *recorder) dump(w io.Writer, cfg *config) {
	if r.req == nil {
		return
	}
	fmt.Fprintf(w, "> %s %s\n", r.req.Method, r.req.URL)
	if ct := r.req.Header.Get("Content-Type"); ct != "" {
		fmt.Fprintf(w, "> Content-Type: %s\n", ct)
	}
	var mc *wechat.MessageCipher
	if cfg.mode != wechattest.ModePlain {
		mc, _ = wechat.NewMessageCipher(cfg.token, cfg.aesKey, cfg.appID)
	}
	if len(r.reqBody) > 0 {
		fmt.Fprintf(w, "%s\n", r.reqBody)
		if mc != nil {
			q := r.req.URL.Query()
			if env, err := wechat.ParseEnvelope(r.reqBody); err == nil {
				env.MsgSignature, env.Timestamp, env.Nonce = q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
				if plain, err := mc.Decrypt(env); err == nil {
					fmt.Fprintf(w, "> (the message, decrypted)\n%s\n", plain)
				}
			}
		}
	}
	switch {
	case r.resp == nil:
		fmt.Fprintln(w, "< (no answer)")
		return
	}
	fmt.Fprintf(w, "< %s\n", strings.TrimSpace(strconv.Itoa(r.resp.StatusCode)+" "+http.StatusText(r.resp.StatusCode)))
	if ct := r.resp.Header.Get("Content-Type"); ct != "" {
		fmt.Fprintf(w, "< Content-Type: %s\n", ct)
	}
	fmt.Fprintf(w, "%s\n", r.respBody)
	if mc != nil && bytes.Contains(r.respBody, []byte("<Encrypt>")) {
		env, err := wechat.ParseEnvelope(r.respBody)
		if err != nil {
			return
		}
		if plain, err := mc.Decrypt(env); err == nil {
			fmt.Fprintf(w, "< (the reply, decrypted)\n%s\n", plain)
		} else {
			fmt.Fprintf(w, "< (the reply does not decrypt: %s)\n", trimPrefix(err.Error()))
		}
	}
}
