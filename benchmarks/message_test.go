package benchmarks

import (
	"encoding/xml"
	"testing"
	"time"

	"github.com/mpkit/wechat"
	"github.com/silenceper/wechat/v2/officialaccount/message"
)

// inbound holds the fields of a parsed text message that the parse
// check compares; copying them into it costs both SDKs the same.
type inbound struct {
	to, from, msgType, content string
	created                    int64
	msgID                      uint64
}

// parser parses an inbound message the way each SDK's webhook does:
// silenceper's server unmarshals into a new MixMessage with encoding/xml.
type parser struct {
	name  string
	parse func([]byte) (inbound, error)
}

func textParsers() []parser {
	return []parser{
		{"mpkit", func(data []byte) (inbound, error) {
			m, err := wechat.ParseMessage(data)
			if err != nil {
				return inbound{}, err
			}
			return inbound{m.ToUserName, m.FromUserName, string(m.MsgType), m.Content, m.CreateTime, m.MsgID}, nil
		}},
		{"silenceper", func(data []byte) (inbound, error) {
			m := &message.MixMessage{}
			if err := xml.Unmarshal(data, m); err != nil {
				return inbound{}, err
			}
			return inbound{string(m.ToUserName), string(m.FromUserName), string(m.MsgType), m.Content, m.CreateTime, uint64(m.MsgID)}, nil
		}},
	}
}

func BenchmarkParseText(b *testing.B) {
	data := textMessage(b)
	for _, p := range textParsers() {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestParseText(t *testing.T) {
	want := inbound{accountID, userOpenID, "text", textContent, textCreated, textMsgID}
	for _, p := range textParsers() {
		t.Run(p.name, func(t *testing.T) {
			got, err := p.parse(textMessage(t))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("parsed %+v, want %+v", got, want)
			}
		})
	}
}

// replyBuilder returns the XML of a text reply to the text message,
// parsed beforehand: the reply value and its bytes are built in the loop.
type replyBuilder struct {
	name  string
	build func() ([]byte, error)
}

func replyBuilders(tb testing.TB) []replyBuilder {
	data := textMessage(tb)
	ours, err := wechat.ParseMessage(data)
	if err != nil {
		tb.Fatal(err)
	}
	theirs := &message.MixMessage{}
	if err := xml.Unmarshal(data, theirs); err != nil {
		tb.Fatal(err)
	}
	return []replyBuilder{
		{"mpkit", func() ([]byte, error) { return ours.ReplyText(ours.Content).AppendXML(nil) }},
		// silenceper's server fills the header through reflection;
		// a caller outside it uses the setters, which is cheaper.
		{"silenceper", func() ([]byte, error) {
			r := message.NewText(theirs.Content)
			r.SetToUserName(theirs.FromUserName)
			r.SetFromUserName(theirs.ToUserName)
			r.SetMsgType(message.MsgTypeText)
			r.SetCreateTime(time.Now().Unix())
			return xml.Marshal(r)
		}},
	}
}

func BenchmarkReplyText(b *testing.B) {
	for _, r := range replyBuilders(b) {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.build(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestReplyText(t *testing.T) {
	for _, r := range replyBuilders(t) {
		t.Run(r.name, func(t *testing.T) {
			data, err := r.build()
			if err != nil {
				t.Fatal(err)
			}
			checkTextReply(t, data)
		})
	}
}
