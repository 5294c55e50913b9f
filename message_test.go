package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inboundFixtures lists the XML files of testdata/inbound.
func inboundFixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "inbound", "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// withoutRaw returns a copy of m without Raw, for comparisons.
func withoutRaw(m *Message) Message {
	cp := *m
	cp.Raw = nil
	return cp
}

func TestParseMessageKinds(t *testing.T) {
	tests := []struct {
		file string
		want Message
	}{
		// Messages (接收普通消息).
		{"text.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1348831860, MsgType: MsgTypeText,
			Content: "this is a test", MsgID: 1234567890123456}},
		{"text_cjk.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1348831860, MsgType: MsgTypeText,
			Content: "测试信息", MsgID: 1234567890123456}},
		{"text_bizmsgmenuid.xml", Message{ToUserName: "ToUser", FromUserName: "FromUser", CreateTime: 1500000000, MsgType: MsgTypeText,
			Content: "满意", MsgID: 1234567890123456, BizMsgMenuID: "101"}},
		{"text_msgdataid.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1348831860, MsgType: MsgTypeText,
			Content: "this is a test", MsgID: 1234567890123456, MsgDataID: "xxxx", Idx: "xxxx"}},
		{"image.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1348831860, MsgType: MsgTypeImage,
			PicURL: "this is a url", MediaID: "media_id", MsgID: 1234567890123456}},
		{"voice.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1357290913, MsgType: MsgTypeVoice,
			MediaID: "media_id", Format: "Format", MsgID: 1234567890123456}},
		{"voice_recognition.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1357290913, MsgType: MsgTypeVoice,
			MediaID: "media_id", Format: "Format", Recognition: "腾讯微信团队", MsgID: 1234567890123456}},
		{"voice_mediaid16k.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1357290913, MsgType: MsgTypeVoice,
			MediaID: "media_id", Format: "Format", MsgID: 1234567890123456, MsgDataID: "xxxx", Idx: "xxxx", MediaID16K: "media_id_16k"}},
		{"video.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1357290913, MsgType: MsgTypeVideo,
			MediaID: "media_id", ThumbMediaID: "thumb_media_id", MsgID: 1234567890123456}},
		{"shortvideo.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1357290913, MsgType: MsgTypeShortVideo,
			MediaID: "media_id", ThumbMediaID: "thumb_media_id", MsgID: 1234567890123456}},
		{"location.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1351776360, MsgType: MsgTypeLocation,
			LocationX: 23.134521, LocationY: 113.358803, Scale: 20, Label: "位置信息", MsgID: 1234567890123456}},
		{"link.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1351776360, MsgType: MsgTypeLink,
			Title: "公众平台官网链接", Description: "公众平台官网链接", URL: "url", MsgID: 1234567890123456}},

		// Events (接收事件推送).
		{"event_subscribe.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventSubscribe}},
		{"event_subscribe_qrscene.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventSubscribe, EventKey: "qrscene_123123", Ticket: "TICKET"}},
		{"event_unsubscribe.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventUnsubscribe}},
		{"event_scan.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventScan, EventKey: "SCENE_VALUE", Ticket: "TICKET"}},
		{"event_location.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventLocation, Latitude: 23.137466, Longitude: 113.352425, Precision: 119.385040}},
		{"event_click.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventClick, EventKey: "EVENTKEY"}},
		{"event_view.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventView, EventKey: "www.qq.com"}},
		{"event_view_menuid.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventView, EventKey: "www.qq.com", MenuID: "MENUID"}},
		{"event_view_miniprogram.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: MsgTypeEvent,
			Event: EventViewMiniProgram, EventKey: "pages/index/index", MenuID: "MENUID"}},
		{"event_scancode_push.xml", Message{ToUserName: "gh_e136c6e50636", FromUserName: "oMgHVjngRipVsoxg6TuX3vz6glDg", CreateTime: 1408090502,
			MsgType: MsgTypeEvent, Event: EventScanCodePush, EventKey: "6", ScanCodeInfo: &ScanCodeInfo{ScanType: "qrcode", ScanResult: "1"}}},
		{"event_scancode_waitmsg.xml", Message{ToUserName: "gh_e136c6e50636", FromUserName: "oMgHVjngRipVsoxg6TuX3vz6glDg", CreateTime: 1408090606,
			MsgType: MsgTypeEvent, Event: EventScanCodeWaitMsg, EventKey: "6", ScanCodeInfo: &ScanCodeInfo{ScanType: "qrcode", ScanResult: "2"}}},
		{"event_pic_sysphoto.xml", Message{ToUserName: "gh_e136c6e50636", FromUserName: "oMgHVjngRipVsoxg6TuX3vz6glDg", CreateTime: 1408090651,
			MsgType: MsgTypeEvent, Event: EventPicSysPhoto, EventKey: "6",
			SendPicsInfo: &SendPicsInfo{Count: 1, PicMD5Sums: []string{"1b5f7c23b5bf75682a53e7b6d163e185"}}}},
		{"event_pic_photo_or_album.xml", Message{ToUserName: "gh_e136c6e50636", FromUserName: "oMgHVjngRipVsoxg6TuX3vz6glDg", CreateTime: 1408090816,
			MsgType: MsgTypeEvent, Event: EventPicPhotoOrAlbum, EventKey: "6",
			SendPicsInfo: &SendPicsInfo{Count: 1, PicMD5Sums: []string{"5a75aaca956d97be686719218f275c6b"}}}},
		{"event_pic_weixin.xml", Message{ToUserName: "gh_e136c6e50636", FromUserName: "oMgHVjngRipVsoxg6TuX3vz6glDg", CreateTime: 1408090816,
			MsgType: MsgTypeEvent, Event: EventPicWeixin, EventKey: "6",
			SendPicsInfo: &SendPicsInfo{Count: 1, PicMD5Sums: []string{"5a75aaca956d97be686719218f275c6b"}}}},
		{"event_location_select.xml", Message{ToUserName: "gh_e136c6e50636", FromUserName: "oMgHVjngRipVsoxg6TuX3vz6glDg", CreateTime: 1408091189,
			MsgType: MsgTypeEvent, Event: EventLocationSelect, EventKey: "6",
			SendLocationInfo: &SendLocationInfo{LocationX: 23, LocationY: 113, Scale: 15, Label: "广州市海珠区客村艺苑路 106号", Poiname: ""}}},
		{"event_templatesendjobfinish_success.xml", Message{ToUserName: "gh_7f083739789a", FromUserName: "oia2TjuEGTNoeX76QEjQNrcURxG8", CreateTime: 1395658920,
			MsgType: MsgTypeEvent, Event: EventTemplateSendJobFinish, MsgID: 200163836, Status: "success"}},
		{"event_templatesendjobfinish_user_block.xml", Message{ToUserName: "gh_7f083739789a", FromUserName: "oia2TjuEGTNoeX76QEjQNrcURxG8", CreateTime: 1395658984,
			MsgType: MsgTypeEvent, Event: EventTemplateSendJobFinish, MsgID: 200163840, Status: "failed:user block"}},
		{"event_templatesendjobfinish_system_failed.xml", Message{ToUserName: "gh_7f083739789a", FromUserName: "oia2TjuEGTNoeX76QEjQNrcURxG8", CreateTime: 1395658984,
			MsgType: MsgTypeEvent, Event: EventTemplateSendJobFinish, MsgID: 200163840, Status: "failed: system failed"}},
		{"event_templatesendjobfinish_freq_limit.xml", Message{ToUserName: "gh_a2adfe5815f5", FromUserName: "oTD8i6Wz6jQZPSNJlzQv43ApodvI", CreateTime: 1721621154,
			MsgType: MsgTypeEvent, Event: EventTemplateSendJobFinish, MsgID: 3557254367693750277, Status: "failed:freq limit"}},
		// Compatible mode: plaintext fields next to Encrypt.
		{"compat_event_templatesendjobfinish_user_block.xml", Message{ToUserName: "gh_f5b69a2ea37b", FromUserName: "ovPQ26Vgx51Ep-HoZqOITMHLk6eg", CreateTime: 1717466001,
			MsgType: MsgTypeEvent, Event: EventTemplateSendJobFinish, MsgID: 3487542469355618313, Status: "failed:user block"}},
		{"event_masssendjobfinish.xml", Message{ToUserName: "gh_4d00ed8d6399", FromUserName: "oV5CrjpxgaGXNHIQigzNlgLTnwic", CreateTime: 1481013459,
			MsgType: MsgTypeEvent, Event: EventMassSendJobFinish, MsgID: 1000001625, Status: "err(30003)",
			CopyrightCheckResult: &CopyrightCheckResult{Count: 2, CheckState: 2, ResultList: []CopyrightCheckItem{
				{ArticleIdx: 1, AuditState: 2, OriginalArticleURL: "Url_1", OriginalArticleType: 1, CanReprint: 1, NeedReplaceContent: 1, NeedShowReprintSource: 1},
				{ArticleIdx: 2, AuditState: 2, OriginalArticleURL: "Url_2", OriginalArticleType: 1, CanReprint: 1, NeedReplaceContent: 1, NeedShowReprintSource: 1},
			}},
			ArticleURLResult: &ArticleURLResult{Count: 1, ResultList: []ArticleURLItem{{ArticleIdx: 1, ArticleURL: "Url"}}}}},
		{"event_publishjobfinish.xml", Message{ToUserName: "gh_4d00ed8d6399", FromUserName: "oV5CrjpxgaGXNHIQigzNlgLTnwic", CreateTime: 1481013459,
			MsgType: MsgTypeEvent, Event: EventPublishJobFinish, PublishEventInfo: &PublishEventInfo{
				PublishID: "2247503051", PublishStatus: 0,
				// The official sample wraps the id inside its CDATA.
				ArticleID:    "b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvy\nWP4Hq4",
				ArticleCount: 1, Articles: []PublishEventArticle{{Idx: 1, ArticleURL: "ARTICLE_URL"}}}}},
		{"event_publishjobfinish_fail.xml", Message{ToUserName: "gh_4d00ed8d6399", FromUserName: "oV5CrjpxgaGXNHIQigzNlgLTnwic", CreateTime: 1481013459,
			MsgType: MsgTypeEvent, Event: EventPublishJobFinish, PublishEventInfo: &PublishEventInfo{
				PublishID: "2247503051", PublishStatus: 2, FailIdx: []int{1, 2}}}},
		{"event_subscribe_msg_popup.xml", Message{ToUserName: "gh_123456789abc", FromUserName: "otFpruAK8D-E6EfStSYonYSBZ8_4", CreateTime: 1610969440,
			MsgType: MsgTypeEvent, Event: EventSubscribeMsgPopup, SubscribeMsgPopupEvent: []SubscribeMsgPopup{
				{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", SubscribeStatusString: "accept", PopupScene: 2},
				{TemplateID: "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", SubscribeStatusString: "reject", PopupScene: 2},
			}}},
		{"event_subscribe_msg_change.xml", Message{ToUserName: "gh_123456789abc", FromUserName: "otFpruAK8D-E6EfStSYonYSBZ8_4", CreateTime: 1610969440,
			MsgType: MsgTypeEvent, Event: EventSubscribeMsgChange, SubscribeMsgChangeEvent: []SubscribeMsgChange{
				{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", SubscribeStatusString: "reject"},
			}}},
		{"event_subscribe_msg_sent.xml", Message{ToUserName: "gh_123456789abc", FromUserName: "otFpruAK8D-E6EfStSYonYSBZ8_4", CreateTime: 1610969468,
			MsgType: MsgTypeEvent, Event: EventSubscribeMsgSent, SubscribeMsgSentEvent: []SubscribeMsgSent{
				{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", MsgID: 1700827132819554304, ErrorCode: 0, ErrorStatus: "success"},
			}}},
		{"event_kf_create_session.xml", Message{ToUserName: "touser", FromUserName: "fromuser", CreateTime: 1399197672, MsgType: MsgTypeEvent,
			Event: EventKfCreateSession, KfAccount: "test1@test"}},
		{"event_kf_close_session.xml", Message{ToUserName: "touser", FromUserName: "fromuser", CreateTime: 1399197672, MsgType: MsgTypeEvent,
			Event: EventKfCloseSession, KfAccount: "test1@test"}},
		{"event_kf_switch_session.xml", Message{ToUserName: "touser", FromUserName: "fromuser", CreateTime: 1399197672, MsgType: MsgTypeEvent,
			Event: EventKfSwitchSession, FromKfAccount: "test1@test", ToKfAccount: "test2@test"}},
		{"event_qualification_verify_success.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 1442401156, MsgType: MsgTypeEvent,
			Event: EventQualificationVerifySuccess, ExpiredTime: 1442401156}},
		{"event_qualification_verify_fail.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 1442401156, MsgType: MsgTypeEvent,
			Event: EventQualificationVerifyFail, FailTime: 1442401122, FailReason: "by time"}},
		{"event_naming_verify_success.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 1442401093, MsgType: MsgTypeEvent,
			Event: EventNamingVerifySuccess, ExpiredTime: 1442401093}},
		{"event_naming_verify_fail.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 1442401061, MsgType: MsgTypeEvent,
			Event: EventNamingVerifyFail, FailTime: 1442401061, FailReason: "by time"}},
		{"event_annual_renew.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 1442401004, MsgType: MsgTypeEvent,
			Event: EventAnnualRenew, ExpiredTime: 1442401004}},
		{"event_verify_expired.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 1442400900, MsgType: MsgTypeEvent,
			Event: EventVerifyExpired, ExpiredTime: 1442400900}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := fixture(t, "inbound/"+tt.file)
			m, err := ParseMessage(data)
			require.NoError(t, err)
			assert.Equal(t, tt.want, withoutRaw(m))
			assert.Equal(t, data, m.Raw, "Raw is the input")
		})
	}
}

func TestParseMessageEveryFixture(t *testing.T) {
	for _, file := range inboundFixtures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			m, err := ParseMessage(data)
			require.NoError(t, err)
			assert.NotEmpty(t, m.MsgType)
			assert.NotEmpty(t, m.ToUserName+m.FromUserName+string(m.MsgType))
			assert.Equal(t, data, m.Raw)
		})
	}
}

// Kinds this package does not model keep their fields readable.
func TestParseMessageUnknownKinds(t *testing.T) {
	tests := []struct {
		file, field, want string
		msgType           MsgType
		event             EventType
	}{
		{"unknown_msgtype.xml", "MsgId", "1234567890123456", "notsure", ""},
		{"file.xml", "FileTotalLen", "2515", "file", ""},
		{"device_text.xml", "DeviceID", "123", "device_text", ""},
		// Spaces around the CDATA of the official card samples are not
		// part of the value.
		{"event_user_consume_card.xml", "CardId", "pZI8Fj8y-E8hpvho2d1ZvpGwQBvA", MsgTypeEvent, "user_consume_card"},
		{"event_card_pass_check.xml", "RefuseReason", "非法代制", MsgTypeEvent, "card_pass_check"},
		{"event_wifi_connected.xml", "DeviceNo", "00:1f:7a:ad:5c:a8", MsgTypeEvent, "WifiConnected"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := fixture(t, "inbound/"+tt.file)
			m, err := ParseMessage(data)
			require.NoError(t, err)
			assert.Equal(t, tt.msgType, m.MsgType)
			assert.Equal(t, tt.event, m.Event)
			got, ok := m.Lookup(tt.field)
			assert.True(t, ok)
			assert.Equal(t, tt.want, got)
			_, ok = m.Lookup("NoSuchElement")
			assert.False(t, ok)

			// Rendering an unmodelled kind gives back its XML.
			out, err := m.XML()
			require.NoError(t, err)
			assert.Equal(t, data, out)
		})
	}
}

func TestMessageQRScene(t *testing.T) {
	tests := []struct {
		file  string
		scene string
		ok    bool
	}{
		{"event_subscribe_qrscene.xml", "123123", true},
		{"event_scan.xml", "SCENE_VALUE", true},
		{"event_scan_numeric_key.xml", "123123", true},
		{"event_subscribe.xml", "", false},
		{"event_subscribe_last_trade_no.xml", "", false},
		{"event_click.xml", "", false},
		{"text.xml", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := ParseMessage(fixture(t, "inbound/"+tt.file))
			require.NoError(t, err)
			scene, ok := m.QRScene()
			assert.Equal(t, tt.scene, scene)
			assert.Equal(t, tt.ok, ok)
		})
	}
}

func TestMessageTime(t *testing.T) {
	m := &Message{CreateTime: 1348831860}
	assert.True(t, m.Time().Equal(time.Date(2012, 9, 28, 11, 31, 0, 0, time.UTC)))
}

func TestParseMessageErrors(t *testing.T) {
	tests := []struct {
		name, in, msg string
	}{
		{"documented bad message", string(fixture(t, "inbound/malformed.txt")), "text outside the root element"},
		{"empty", "", "no root element"},
		{"whitespace", " \n", "no root element"},
		{"unclosed root", "<xml><MsgType>text</MsgType>", "<xml> is not closed"},
		{"mismatched tags", "<xml><MsgType>text</Content></xml>", "<MsgType> closed by </Content>"},
		{"end tag first", "</xml>", "end tag without a start tag"},
		{"two roots", "<xml><MsgType>a</MsgType></xml><xml></xml>", "a second root element"},
		{"text after root", "<xml><MsgType>a</MsgType></xml>junk", "text outside the root element"},
		{"other root", "<message><MsgType>text</MsgType></message>", "root element is <message>"},
		{"no MsgType", "<xml><ToUserName>a</ToUserName></xml>", "no MsgType"},
		{"unterminated CDATA", "<xml><MsgType><![CDATA[text</MsgType></xml>", "unterminated CDATA section"},
		{"unterminated comment", "<xml><!-- x</xml>", "unterminated comment"},
		{"DOCTYPE", `<!DOCTYPE xml [<!ENTITY e "x">]><xml><MsgType>&e;</MsgType></xml>`, "declarations"},
		{"unknown entity", "<xml><MsgType>&e;</MsgType></xml>", "unknown entity reference"},
		{"unterminated entity", "<xml><MsgType>a &amp b</MsgType></xml>", "malformed entity reference"},
		{"char ref to NUL", "<xml><MsgType>&#0;</MsgType></xml>", "unknown entity reference"},
		{"control character", "<xml><MsgType>te\x01xt</MsgType></xml>", "illegal character"},
		{"control character in CDATA", "<xml><MsgType><![CDATA[te\x00xt]]></MsgType></xml>", "illegal character"},
		{"invalid UTF-8", "<xml><MsgType>te\xffxt</MsgType></xml>", "illegal character"},
		{"unterminated start tag", "<xml", "unterminated start tag"},
		{"bad tag name", "<xml><1a>b</1a></xml>", "malformed start tag"},
		{"unquoted attribute", "<xml a=b><MsgType>t</MsgType></xml>", "unquoted attribute value"},
		{"attribute without value", "<xml a><MsgType>t</MsgType></xml>", "attribute without a value"},
		{"too deep", "<xml>" + strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20) + "</xml>", "nested too deeply"},
		{"too many elements", "<xml><MsgType>text</MsgType>" + strings.Repeat("<a/>", maxXMLNodes) + "</xml>", "too many elements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMessage([]byte(tt.in))
			assert.Nil(t, m)
			assertParseError(t, err, tt.in, tt.msg)
		})
	}
}

// assertParseError checks that err is a *ParseError saying msg at an
// offset inside in.
func assertParseError(t *testing.T, err error, in, msg string) {
	t.Helper()
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Msg, msg)
	assert.GreaterOrEqual(t, pe.Offset, 0)
	assert.LessOrEqual(t, pe.Offset, len(in))
	assert.Contains(t, err.Error(), "wechat: bad XML")
}

// A number field that does not hold a number of its type leaves the
// field zero and the message readable: the webhook must not lose a push
// over one field. Its text stays in Lookup.
func TestParseMessageNumbersThatDoNotConvert(t *testing.T) {
	tests := []struct {
		name, in, field, text string
		zero                  func(*Message) bool
	}{
		{"bad CreateTime", "<xml><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>", "CreateTime", "soon",
			func(m *Message) bool { return m.CreateTime == 0 }},
		{"bad Scale", "<xml><MsgType>location</MsgType><Scale>1.5</Scale></xml>", "Scale", "1.5",
			func(m *Message) bool { return m.Scale == 0 }},
		{"Scale beyond int64", "<xml><MsgType>location</MsgType><Scale>99999999999999999999</Scale></xml>", "Scale", "99999999999999999999",
			func(m *Message) bool { return m.Scale == 0 }},
		{"bad Latitude", "<xml><MsgType>event</MsgType><Latitude>north</Latitude></xml>", "Latitude", "north",
			func(m *Message) bool { return m.Latitude == 0 }},
		{"NaN Latitude", "<xml><MsgType>event</MsgType><Latitude>NaN</Latitude></xml>", "Latitude", "NaN",
			func(m *Message) bool { return m.Latitude == 0 }},
		{"infinite Precision", "<xml><MsgType>event</MsgType><Precision>-Inf</Precision></xml>", "Precision", "-Inf",
			func(m *Message) bool { return m.Precision == 0 }},
		{"bad nested number", "<xml><MsgType>event</MsgType><SendPicsInfo><Count>x</Count></SendPicsInfo></xml>", "MsgType", "event",
			func(m *Message) bool { return m.SendPicsInfo != nil && m.SendPicsInfo.Count == 0 }},
		{"negative MsgId", "<xml><MsgType>text</MsgType><MsgId>-1</MsgId></xml>", "MsgId", "-1",
			func(m *Message) bool { return m.MsgID == 0 }},
		{"MsgId beyond 64 bits", "<xml><MsgType>text</MsgType><MsgId>99999999999999999999</MsgId></xml>", "MsgId", "99999999999999999999",
			func(m *Message) bool { return m.MsgID == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMessage([]byte(tt.in))
			require.NoError(t, err)
			assert.True(t, tt.zero(m))
			text, ok := m.Lookup(tt.field)
			assert.True(t, ok)
			assert.Equal(t, tt.text, text)
		})
	}

	// Every unsigned 64-bit MsgId fits.
	m, err := ParseMessage([]byte("<xml><MsgType>text</MsgType><MsgId>18446744073709551615</MsgId></xml>"))
	require.NoError(t, err)
	assert.Equal(t, uint64(18446744073709551615), m.MsgID)
}

// ParseReply, which reads what a bot wrote, stays strict: a number that is
// not one is a *ParseError wrapping strconv's error.
func TestParseReplyErrorUnwrapsNumberError(t *testing.T) {
	_, err := ParseReply([]byte("<xml><MsgType>text</MsgType><CreateTime>x</CreateTime></xml>"))
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	require.Error(t, errors.Unwrap(err))
	assert.Equal(t, 28, pe.Offset, "offset of <CreateTime>")
}

// The XML reader accepts what well-formed XML allows and WeChat might
// send, and extracts the same text as encoding/xml.
func TestParseMessageXMLFeatures(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"entities", "<Content>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#x4E2D;&#25991;</Content>", `a <b> & "c" 'd' 中文`},
		{"split CDATA", "<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>", "a]]>b"},
		{"CDATA keeps spaces", "<Content><![CDATA[  padded  ]]></Content>", "  padded  "},
		{"spaces around CDATA", "<Content> <![CDATA[v]]> </Content>", "v"},
		{"plain text trimmed", "<Content>\n  v w \n</Content>", "v w"},
		{"CRLF in CDATA", "<Content><![CDATA[a\r\nb\rc]]></Content>", "a\nb\nc"},
		{"CRLF in text", "<Content>a\r\nb</Content>", "a\nb"},
		{"comment inside", "<Content>a<!-- note -->b</Content>", "ab"},
		{"empty CDATA", "<Content><![CDATA[]]></Content>", ""},
		{"self-closing", "<Content/>", ""},
		{"attributes", `<Content lang="zh" x='1'>v</Content>`, "v"},
		{"markup-like CDATA", "<Content><![CDATA[<b>&amp;</b>]]></Content>", "<b>&amp;</b>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- pushed -->\n<xml><MsgType>text</MsgType>" + tt.in + "</xml>\n"
			m, err := ParseMessage([]byte(doc))
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.Content)

			// encoding/xml agrees, up to the trimming of plain text
			// around values.
			var ref struct{ Content string }
			require.NoError(t, xml.Unmarshal([]byte(strings.TrimPrefix(doc, "\uFEFF")), &ref))
			if got := ref.Content; tt.want == strings.TrimSpace(tt.want) {
				assert.Equal(t, tt.want, strings.TrimSpace(got))
			} else {
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

// refMessage decodes the common fields with encoding/xml, as an
// independent reading of every fixture.
type refMessage struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
	Event        string
	EventKey     string
	MsgID        uint64 `xml:"MsgId"`
	MsgID2       uint64 `xml:"MsgID"`
}

func TestParseMessageAgreesWithEncodingXML(t *testing.T) {
	for _, file := range inboundFixtures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			var ref refMessage
			require.NoError(t, xml.Unmarshal(data, &ref))
			m, err := ParseMessage(data)
			require.NoError(t, err)
			assert.Equal(t, strings.TrimSpace(ref.ToUserName), m.ToUserName)
			assert.Equal(t, strings.TrimSpace(ref.FromUserName), m.FromUserName)
			assert.Equal(t, ref.CreateTime, m.CreateTime)
			assert.Equal(t, strings.TrimSpace(ref.MsgType), string(m.MsgType))
			assert.Equal(t, strings.TrimSpace(ref.Content), m.Content)
			assert.Equal(t, strings.TrimSpace(ref.Event), string(m.Event))
			assert.Equal(t, strings.TrimSpace(ref.EventKey), m.EventKey)
			assert.Equal(t, ref.MsgID+ref.MsgID2, m.MsgID)
		})
	}
}

// compact removes the whitespace between elements of a fixture, which is
// how Message.XML and the replies write.
func compact(b []byte) string {
	return regexp.MustCompile(`>\s+<`).ReplaceAllString(strings.TrimSpace(string(b)), "><")
}

// writeAndParse parses data, writes the message with XML and parses
// what it wrote.
func writeAndParse(t *testing.T, data []byte) (m *Message, out []byte, back *Message) {
	t.Helper()
	m, err := ParseMessage(data)
	require.NoError(t, err)
	out, err = m.XML()
	require.NoError(t, err)
	back, err = ParseMessage(out)
	require.NoError(t, err, "%s", out)
	return m, out, back
}

// Every fixture survives XML: the same fields, and every top-level
// element still there.
func TestMessageXMLRoundTripEveryFixture(t *testing.T) {
	for _, file := range inboundFixtures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			m, out, back := writeAndParse(t, data)
			assert.Equal(t, withoutRaw(m), withoutRaw(back))
			nodes, err := parseDocument(data, nil)
			require.NoError(t, err)
			for c := nodes[0].child; c >= 0; c = nodes[c].next {
				_, ok := back.Lookup(nodes[c].name)
				assert.True(t, ok, "<%s> is lost: %s", nodes[c].name, out)
			}
		})
	}
}

// Writing a parsed message of a modelled kind keeps the top-level
// elements this package has no field for: the bizmsgmenuid of a text
// message sent from a menu message, the AgentID of an enterprise push.
func TestMessageXMLKeepsUnmodelledElements(t *testing.T) {
	data := fixture(t, "inbound/text_bizmsgmenuid.xml")
	data = bytes.Replace(data, []byte("</xml>"), []byte("<AgentID>1</AgentID>\n<Extra a=\"1\"><Inner><![CDATA[x]]></Inner></Extra>\n</xml>"), 1)
	m, out, back := writeAndParse(t, data)
	for name, want := range map[string]string{"bizmsgmenuid": "101", "AgentID": "1", "Content": "满意"} {
		got, ok := back.Lookup(name)
		assert.True(t, ok, "%s is kept: %s", name, out)
		assert.Equal(t, want, got, name)
	}
	assert.Contains(t, string(out), `<Extra a="1"><Inner><![CDATA[x]]></Inner></Extra>`, "copied as it was")
	assert.Equal(t, withoutRaw(m), withoutRaw(back))

	// Written again, the message does not change.
	again, err := back.XML()
	require.NoError(t, err)
	assert.Equal(t, string(out), string(again))
}

// For the modelled kinds, XML writes exactly what WeChat documents:
// element for element, CDATA where the sample has it.
func TestMessageXMLMatchesDocumentedSamples(t *testing.T) {
	files := []string{
		"text.xml", "text_cjk.xml", "text_bizmsgmenuid.xml", "text_msgdataid.xml", "image.xml", "voice.xml", "voice_recognition.xml",
		"voice_mediaid16k.xml", "video.xml", "shortvideo.xml", "location.xml", "link.xml",
		"event_subscribe.xml", "event_subscribe_qrscene.xml", "event_unsubscribe.xml", "event_scan.xml",
		"event_click.xml", "event_view.xml", "event_view_menuid.xml", "event_view_miniprogram.xml",
		"event_scancode_push.xml", "event_scancode_waitmsg.xml", "event_pic_sysphoto.xml",
		"event_pic_photo_or_album.xml", "event_pic_weixin.xml", "event_location_select.xml",
		"event_templatesendjobfinish.xml", "event_templatesendjobfinish_success.xml",
		"event_templatesendjobfinish_user_block.xml", "event_templatesendjobfinish_freq_limit.xml",
		"event_masssendjobfinish.xml", "event_publishjobfinish.xml", "event_publishjobfinish_fail.xml",
		"event_subscribe_msg_popup.xml", "event_subscribe_msg_change.xml", "event_subscribe_msg_sent.xml",
		"event_kf_create_session.xml", "event_kf_close_session.xml", "event_kf_switch_session.xml",
		"event_qualification_verify_success.xml", "event_qualification_verify_fail.xml",
		"event_naming_verify_success.xml", "event_naming_verify_fail.xml", "event_annual_renew.xml",
		"event_verify_expired.xml",
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			data := fixture(t, "inbound/"+name)
			m, err := ParseMessage(data)
			require.NoError(t, err)
			out, err := m.XML()
			require.NoError(t, err)
			assert.Equal(t, compact(data), string(out), "with Raw: no element is written twice")
			m.Raw = nil // rendered from the fields alone
			out, err = m.XML()
			require.NoError(t, err)
			assert.Equal(t, compact(data), string(out))
		})
	}
}

func TestMessageXMLFromFields(t *testing.T) {
	m := &Message{
		ToUserName: "gh_1", FromUserName: "o_user", CreateTime: 1700000000, MsgType: MsgTypeText,
		Content: "a]]>b\x00c <tag> & \xff", MsgID: 42,
	}
	out, err := m.XML()
	require.NoError(t, err)
	assert.Equal(t, "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName>"+
		"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"+
		"<Content><![CDATA[a]]]]><![CDATA[>b\uFFFDc <tag> & \uFFFD]]></Content><MsgId>42</MsgId></xml>", string(out))

	// encoding/xml reads it back.
	var ref struct{ Content string }
	require.NoError(t, xml.Unmarshal(out, &ref))
	assert.Equal(t, "a]]>b\uFFFDc <tag> & \uFFFD", ref.Content)

	_, err = (&Message{}).XML()
	assert.Error(t, err, "no MsgType")
	_, err = (&Message{MsgType: MsgTypeEvent}).XML()
	assert.Error(t, err, "event without Event")

	// An unmodelled kind without Raw keeps its common fields.
	out, err = (&Message{MsgType: "device_text", ToUserName: "a", FromUserName: "b", Content: "MTIz", MsgID: 7}).XML()
	require.NoError(t, err)
	back, err := ParseMessage(out)
	require.NoError(t, err)
	assert.Equal(t, Message{MsgType: "device_text", ToUserName: "a", FromUserName: "b", Content: "MTIz", MsgID: 7}, withoutRaw(back))

	// An unmodelled event without Raw keeps its Event and EventKey.
	out, err = (&Message{MsgType: MsgTypeEvent, Event: "card_pass_check", EventKey: "card-1", ToUserName: "a", FromUserName: "b", CreateTime: 9}).XML()
	require.NoError(t, err)
	assert.Equal(t, "<xml><ToUserName><![CDATA[a]]></ToUserName><FromUserName><![CDATA[b]]></FromUserName><CreateTime>9</CreateTime>"+
		"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[card_pass_check]]></Event><EventKey><![CDATA[card-1]]></EventKey></xml>", string(out))
	back, err = ParseMessage(out)
	require.NoError(t, err)
	assert.Equal(t, Message{MsgType: MsgTypeEvent, Event: "card_pass_check", EventKey: "card-1", ToUserName: "a", FromUserName: "b", CreateTime: 9}, withoutRaw(back))
}

func TestMessageXMLNilParts(t *testing.T) {
	// Events whose nested part is nil still render the documented shape.
	for _, e := range []EventType{EventScanCodePush, EventPicWeixin, EventLocationSelect, EventPublishJobFinish} {
		m := &Message{MsgType: MsgTypeEvent, Event: e}
		out, err := m.XML()
		require.NoError(t, err, e)
		back, err := ParseMessage(out)
		require.NoError(t, err, e)
		assert.Equal(t, e, back.Event)
		assert.True(t, bytes.HasPrefix(out, []byte("<xml>")))
	}
}

// Values WeChat sends without CDATA are escaped, or put in CDATA when
// they have edge whitespace, so that they read back unchanged.
func TestMessageXMLPlainTextValues(t *testing.T) {
	for _, menu := range []string{"MENUID", "a<b>&c", " padded ", "tab\there", "x\x01y"} {
		m := &Message{MsgType: MsgTypeEvent, Event: EventView, EventKey: "k", MenuID: menu}
		out, err := m.XML()
		require.NoError(t, err)
		back, err := ParseMessage(out)
		require.NoError(t, err, "%s", out)
		want := strings.ReplaceAll(menu, "\x01", "\uFFFD")
		assert.Equal(t, want, back.MenuID, "%s", out)
		var ref struct{ MenuId string }
		require.NoError(t, xml.Unmarshal(out, &ref))
		assert.Equal(t, want, ref.MenuId)
	}
}

func TestParseMessageJoinsManyChunks(t *testing.T) {
	m, err := ParseMessage([]byte("<xml><MsgType>text</MsgType><Content><![CDATA[a]]><![CDATA[b]]>&amp;<![CDATA[c]]></Content></xml>"))
	require.NoError(t, err)
	assert.Equal(t, "ab&c", m.Content)
}

// ParseMessage finds every element of messageFields, under each of its
// spellings, and nothing else.
func TestMessageFieldsIndex(t *testing.T) {
	for i := range messageFields {
		f := &messageFields[i]
		for _, name := range []string{f.name, f.alt} {
			if name == "" {
				continue
			}
			got := messageField(name)
			require.NotNil(t, got, name)
			assert.True(t, got.name == name || got.alt == name, "%s finds %s", name, got.name)
		}
	}
	for _, name := range []string{"AgentID", "msgid", "Content ", "x", "SubscribeMsgPopupEventX"} {
		assert.Nil(t, messageField(name), name)
	}

	// A full index refuses more names instead of looping.
	var x nameIndex
	for i := range nameSlots + 1 {
		x.add(strings.Repeat("a", i+1), i)
	}
	assert.Equal(t, nameSlots-1, x.find(strings.Repeat("a", nameSlots)))
	assert.Equal(t, -1, x.find(strings.Repeat("a", nameSlots+1)))
	assert.Equal(t, -1, x.find(""))
}

// A text message costs its Message and the string its text lives in: the
// node list stays on the stack.
func TestParseMessageAllocations(t *testing.T) {
	data := fixture(t, "inbound/text.xml")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseMessage(data); err != nil {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, allocs, 2.0)
}
