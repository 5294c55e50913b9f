package wechat

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The replies reproduce the official samples of 被动回复用户消息 exactly.
func TestReplyMatchesDocumentedSamples(t *testing.T) {
	h := ReplyHeader{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 12345678}
	tests := []struct {
		file  string
		reply Reply
	}{
		{"official_text.xml", &TextReply{ReplyHeader: h, Content: "你好"}},
		{"official_image.xml", &ImageReply{ReplyHeader: h, MediaID: "media_id"}},
		{"official_voice.xml", &VoiceReply{ReplyHeader: h, MediaID: "media_id"}},
		{"official_video.xml", &VideoReply{ReplyHeader: h, MediaID: "media_id", Title: "title", Description: "description"}},
		{"official_music.xml", &MusicReply{ReplyHeader: h, Title: "TITLE", Description: "DESCRIPTION",
			MusicURL: "MUSIC_Url", HQMusicURL: "HQ_MUSIC_Url", ThumbMediaID: "media_id"}},
		{"official_news.xml", &NewsReply{ReplyHeader: h, Articles: []Article{
			{Title: "title1", Description: "description1", PicURL: "picurl", URL: "url"}}}},
		{"official_transfer_customer_service.xml", &TransferCustomerServiceReply{
			ReplyHeader: ReplyHeader{ToUserName: "touser", FromUserName: "fromuser", CreateTime: 1399197672}, KfAccount: "test1@test"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := fixture(t, "replies/"+tt.file)
			out, err := tt.reply.AppendXML(nil)
			require.NoError(t, err)
			assert.Equal(t, compact(data), string(out))

			// Parsing the sample gives the reply back.
			got, err := ParseReply(data)
			require.NoError(t, err)
			assert.Equal(t, tt.reply, got)
		})
	}
}

func TestReplyRoundTrip(t *testing.T) {
	msg, err := ParseMessage(fixture(t, "inbound/text.xml"))
	require.NoError(t, err)
	tricky := "a]]>b <c> & \"d\" 中文\n"
	music := msg.ReplyMusic("thumb")
	music.Title, music.Description, music.MusicURL, music.HQMusicURL = tricky, "desc", "http://m/1.mp3", "http://m/1hq.mp3"
	replies := []Reply{
		msg.ReplyText(tricky),
		msg.ReplyText(""),
		msg.ReplyImage("img-1"),
		msg.ReplyVoice("voice-1"),
		msg.ReplyVideo("video-1", tricky, "about"),
		music,
		msg.ReplyNews(Article{Title: tricky, Description: "d", PicURL: "http://p", URL: "http://u"}),
		msg.ReplyNews(make([]Article, 8)...),
		msg.TransferCustomerService("kf2001@gh_1"),
		msg.TransferCustomerService(""),
	}
	for _, r := range replies {
		out, err := r.AppendXML([]byte("prefix"))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(out), "prefix<xml>"), "appends to the buffer")
		got, err := ParseReply(out[len("prefix"):])
		require.NoError(t, err, "%s", out)
		assert.Equal(t, r, got)

		// An independent parser reads the same document.
		var ref struct {
			ToUserName, FromUserName, MsgType, Content string
			CreateTime                                 int64
		}
		require.NoError(t, xml.Unmarshal(out[len("prefix"):], &ref))
		assert.Equal(t, "fromUser", ref.ToUserName)
		assert.Equal(t, "toUser", ref.FromUserName)
		if tr, ok := r.(*TextReply); ok {
			assert.Equal(t, tr.Content, ref.Content)
		}
	}
}

func TestReplyHeaderFromMessage(t *testing.T) {
	msg := &Message{ToUserName: "gh_account", FromUserName: "o_user", CreateTime: 1, MsgType: MsgTypeText}
	before := time.Now().Unix()
	r := msg.ReplyText("hi")
	after := time.Now().Unix()
	assert.Equal(t, "o_user", r.ToUserName, "the reply goes to the sender")
	assert.Equal(t, "gh_account", r.FromUserName, "from the account")
	assert.GreaterOrEqual(t, r.CreateTime, before)
	assert.LessOrEqual(t, r.CreateTime, after)
	assert.Equal(t, "hi", r.Content)
}

func TestTransferCustomerServiceWithoutAccount(t *testing.T) {
	r := &TransferCustomerServiceReply{ReplyHeader: ReplyHeader{ToUserName: "u", FromUserName: "a", CreateTime: 5}}
	out, err := r.AppendXML(nil)
	require.NoError(t, err)
	assert.Equal(t, "<xml><ToUserName><![CDATA[u]]></ToUserName><FromUserName><![CDATA[a]]></FromUserName>"+
		"<CreateTime>5</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>", string(out))
}

func TestNewsReplyLimits(t *testing.T) {
	msg := &Message{MsgType: MsgTypeEvent, Event: EventSubscribe}
	_, err := msg.ReplyNews().AppendXML(nil)
	assert.ErrorContains(t, err, "without articles")
	_, err = msg.ReplyNews(make([]Article, 9)...).AppendXML(nil)
	assert.ErrorContains(t, err, "9 articles")
	out, err := msg.ReplyNews(make([]Article, 8)...).AppendXML(nil)
	require.NoError(t, err)
	assert.Contains(t, string(out), "<ArticleCount>8</ArticleCount>")
}

func TestParseReplyNoReply(t *testing.T) {
	for _, body := range []string{"", "success", " success\n", "\n"} {
		r, err := ParseReply([]byte(body))
		assert.NoError(t, err, "%q", body)
		assert.Nil(t, r, "%q", body)
	}
}

func TestParseReplyErrors(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"unknown type", "<xml><MsgType><![CDATA[card]]></MsgType></xml>", `unknown reply MsgType "card"`},
		{"no type", "<xml><Content>x</Content></xml>", `unknown reply MsgType ""`},
		{"malformed", "<xml><MsgType>text</xml>", "closed by"},
		{"JSON", `{"msgtype":"text"}`, "text outside the root element"},
		{"other root", "<reply><MsgType>text</MsgType></reply>", "root element is <reply>"},
		{"bad CreateTime", "<xml><MsgType>text</MsgType><CreateTime>now</CreateTime></xml>", "<CreateTime> is not an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseReply([]byte(tt.in))
			assert.Nil(t, r)
			assertParseError(t, err, tt.in, tt.msg)
		})
	}
}

func TestNilReplyValues(t *testing.T) {
	// A typed nil reply is an error, not a panic.
	for _, r := range []Reply{(*TextReply)(nil), (*ImageReply)(nil), (*VoiceReply)(nil), (*VideoReply)(nil),
		(*MusicReply)(nil), (*NewsReply)(nil), (*TransferCustomerServiceReply)(nil)} {
		_, err := r.AppendXML(nil)
		assert.ErrorIs(t, err, errNilReply)
	}
}

// The webhook renders the package's replies, and only those, into a
// buffer it reuses: another Reply's AppendXML might keep the buffer.
func TestOwnReply(t *testing.T) {
	own := []Reply{&TextReply{}, &ImageReply{}, &VoiceReply{}, &VideoReply{}, &MusicReply{}, &NewsReply{}, &TransferCustomerServiceReply{}}
	require.Len(t, own, len(replyForms), "one reply per form")
	for _, r := range own {
		assert.True(t, ownReply(r), "%T", r)
	}
	assert.False(t, ownReply(foreignReply{}), "a Reply of another package")
}

// foreignReply is a Reply of a type the package does not define.
type foreignReply struct{}

func (foreignReply) AppendXML(b []byte) ([]byte, error) { return b, nil }
