package wechattest

import "github.com/mpkit/wechat"

// A Webhook linked to a Server (Webhook.Server) tells it of every push it
// delivers, as WeChat knows of every push it makes, so that the fake's
// state follows what the users did:
//
//   - a message from the user opens their customer-service window for 48
//     hours and 5 messages; a follow, a QR code scan, a click or a
//     scan-code menu event for a minute and 3 messages
//     (message/custom/send and message/custom/typing answer 45015
//     outside it, 45047 once it is used up);
//   - a reply that transfers the message to customer service
//     (wechat.TransferCustomerServiceReply) starts a session with the
//     account it names if that account is bound and online, or puts the
//     user on the waiting list (customservice/kfsession/getwaitcase);
//   - a message from a user in a session enters the chat history
//     (customservice/msgrecord/getmsglist);
//   - the choices of a subscribe_msg_popup_event, and the templates a
//     subscribe_msg_change_event turns off, are the user's consent to
//     subscribe messages.
//
// The push counts once it was delivered, whatever the webhook answered.
// Times are the server's clock.
func (w *Webhook) delivered(m *wechat.Message, reply wechat.Reply) {
	if w.Server == nil {
		return
	}
	w.Server.pushed(m, reply)
}

// pushed applies a delivered push to the groups it concerns.
func (s *Server) pushed(m *wechat.Message, reply wechat.Reply) {
	now := s.now()
	s.messages.pushed(m, now)
	s.kf.pushed(m, reply, now)
	s.subscribe.pushed(m)
}
