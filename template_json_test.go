package wechat

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// reflectTemplateMessage has TemplateMessage's fields and tags but not its
// appendJSON: encoding/json's encoding of it is what appendJSON must write.
type reflectTemplateMessage TemplateMessage

func reflectJSON(t testing.TB, m *TemplateMessage) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode((*reflectTemplateMessage)(m)); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// checkDataJSON checks that d is written as encoding/json writes the
// plain map: reflectJSON encodes a message's Data through TemplateData's
// own writer, so it holds that writer to nothing.
func checkDataJSON(t testing.TB, d TemplateData) {
	t.Helper()
	want, err := encodeJSON(map[string]TemplateField(d))
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("data:\n got %s\nwant %s", got, want)
	}
}

// fillStrings sets every string field of the struct v points to, and of
// the structs it points to, to s: a field added to TemplateMessage later
// is then sent by encoding/json and must be by appendJSON too.
func fillStrings(v reflect.Value, s string) {
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.String:
			f.SetString(s)
		case reflect.Pointer:
			if f.Type().Elem().Kind() == reflect.Struct {
				f.Set(reflect.New(f.Type().Elem()))
				fillStrings(f.Elem(), s)
			}
		}
	}
}

// A template message's body is written by hand (appendJSON) and must be,
// byte for byte, what encoding/json writes for its fields: every field
// set, every optional one left out, and strings that need escaping.
func TestTemplateMessageJSON(t *testing.T) {
	tricky := []string{"", "plain", `q"uote\back`, "<b>&amp;</b>", "line\nfeed\ttab\r\x01", "恭喜你购买成功！",
		"bad\xffutf8", "js\u2028\u2029", "emoji 😀"}
	for _, s := range tricky {
		full := &TemplateMessage{}
		fillStrings(reflect.ValueOf(full).Elem(), s)
		full.Data = TemplateData{s: {Value: s, Color: s}, "first": {Value: "v"}, "remark": {Value: s, Color: "#173177"}}
		cases := map[string]*TemplateMessage{
			"every field":   full,
			"required only": {ToUser: s, TemplateID: s, Data: TemplateData{"k": {Value: s}}},
			"nil data":      {ToUser: s, TemplateID: s},
			"empty data":    {ToUser: s, TemplateID: s, Data: TemplateData{}},
			"mini program":  {ToUser: s, TemplateID: s, MiniProgram: &TemplateMiniProgram{AppID: s}},
		}
		for name, m := range cases {
			want := reflectJSON(t, m)
			got, err := encodeJSON(m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s, %q:\n got %s\nwant %s", name, s, got, want)
			}
			checkDataJSON(t, m.Data)
		}
	}
}

func FuzzTemplateMessageJSON(f *testing.F) {
	f.Add("oUser", "tpl", "https://example.com/?a=1&b=2", "first", "恭喜\"<", "#173177", "app", "")
	f.Add("", "", "", "", "\xff\u2028", "", "", "\x00")
	f.Fuzz(func(t *testing.T, to, tpl, link, name, value, color, appID, page string) {
		m := &TemplateMessage{ToUser: to, TemplateID: tpl, URL: link, ClientMsgID: page,
			Data: TemplateData{name: {Value: value, Color: color}, "remark": {Value: color}}}
		if appID != "" {
			m.MiniProgram = &TemplateMiniProgram{AppID: appID, PagePath: page}
		}
		got, err := encodeJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		if want := reflectJSON(t, m); !bytes.Equal(got, want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
		checkDataJSON(t, m.Data)
	})
}
