package wechat

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mpkit/wechat/internal/endpoint"
)

// decodeTwoPass is decodeInto without its fast path: the status, then,
// unless it is an error, out.
func decodeTwoPass(ep *endpoint.Endpoint, data []byte, out any) (*status, error) {
	st, err := decodeStatus(ep, data)
	if err != nil || st.ErrCode != 0 || out == nil {
		return st, err
	}
	return st, json.Unmarshal(data, out)
}

// scanReply is a reply type that does not embed status, with a member of
// each kind.
type scanReply struct {
	Count int               `json:"count"`
	Name  string            `json:"name"`
	Items []string          `json:"items"`
	Extra map[string]string `json:"extra"`
	Inner struct {
		Code int `json:"code"`
	} `json:"inner"`
}

// checkDecodeInto fails t unless decodeInto and decodeTwoPass give the
// same status, reply and error for data.
func checkDecodeInto(t *testing.T, data []byte) {
	t.Helper()
	ep := endpoint.Get(endpoint.MaterialCount)
	var fast, slow scanReply
	st1, err1 := decodeInto(ep, data, &fast)
	st2, err2 := decodeTwoPass(ep, data, &slow)
	if *st1 != *st2 {
		t.Fatalf("%q: status %+v, two passes %+v", data, *st1, *st2)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: decoded %+v, two passes %+v", data, fast, slow)
	}
	if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
		t.Fatalf("%q: error %v, two passes %v", data, err1, err2)
	}
}

func TestLacksStatus(t *testing.T) {
	long := `"http:\/\/mmbiz.qpic.cn\/mmbiz_jpg\/0123456789abcdefghijklmnopqrstuvwxyz\/0"`
	tests := []struct {
		name  string
		reply string
		want  bool
	}{
		{"no status", `{"voice_count":1,"video_count":2,"image_count":3,"news_count":4}`, true},
		{"empty object", `{}`, true},
		{"leading space", " \t\r\n{\"count\":1}", true},
		{"nested values", `{"count":1,"items":["a","b"],"inner":{"code":5},"ok":true,"n":null}`, true},
		{"non-ASCII text", `{"name":"张三","extra":{"备注":"欢迎"}}`, true},
		{"both", `{"errcode":0,"errmsg":"ok"}`, false},
		{"errcode", `{"count":1,"errcode":40001}`, false},
		{"errmsg", `{"errmsg":"ok","count":1}`, false},
		{"upper case", `{"ERRCODE":40001}`, false},
		{"mixed case", `{"ErrMsg":"x"}`, false},
		{"long s", `{"errmſg":"x"}`, false},
		{"upper long s", `{"ERRMſG":"x"}`, false},
		{"escaped key", `{"errc\u006fde":40001}`, false},
		{"all escaped", `{"\u0065\u0072\u0072\u006d\u0073\u0067":"x"}`, false},
		{"escaped long s", `{"errm\u017fg":"x"}`, false},
		{"short escaped string", `{"a\"b":1}`, false},
		{"long escaped string", `{"url":` + long + `}`, true},
		{"nested key", `{"inner":{"errcode":40001}}`, false},
		{"key in array", `{"items":[{"errmsg":"x"}]}`, false},
		{"value", `{"name":"errcode"}`, false},
		{"longer key", `{"errcodes":1,"xerrmsg":2}`, true},
		{"shorter key", `{"errcod":1,"errms":2}`, true},
		{"delimiter", `{"err_code":1,"err-msg":2}`, true},
		{"Kelvin sign", `{"errKode":1}`, true},
		{"dotless i", `{"errcıde":1}`, true},
		{"invalid UTF-8", "{\"errm\xc5sg\":1,\"errm\xbfsg\":2}", true},
		{"unterminated", `{"count":1,"na`, false},
		{"trailing backslash", `{"count":1,"na\`, false},
		{"array", `[{"count":1}]`, false},
		{"null", `null`, false},
		{"string", `"errcode"`, false},
		{"number", `0`, false},
		{"empty", ``, false},
		{"space", ` `, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lacksStatus([]byte(tt.reply)); got != tt.want {
				t.Errorf("lacksStatus(%q) = %v, want %v", tt.reply, got, tt.want)
			}
			checkDecodeInto(t, []byte(tt.reply))
		})
	}
}

// TestLacksStatusFixtures checks the scan on every recorded reply: one
// that lacks errcode and errmsg takes the fast path (none of them has a
// short string with escapes), and decodeInto agrees with two passes.
func TestLacksStatusFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/api/*.json")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	fast := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		has := bytes.Contains(data, []byte(`"errcode"`)) || bytes.Contains(data, []byte(`"errmsg"`))
		if got := lacksStatus(data); got == has {
			t.Errorf("%s: lacksStatus = %v", file, got)
		}
		if !has {
			fast++
		}
		checkDecodeInto(t, data)
	}
	if fast == 0 {
		t.Error("no fixture takes the fast path")
	}
}

// TestStatusNameRunes holds the Unicode tables to what lacksStatus
// assumes: encoding/json folds keys as bytes.EqualFold does, and the only
// rune outside ASCII that folds to a letter of errcode or errmsg is ſ
// (U+017F, to s).
func TestStatusNameRunes(t *testing.T) {
	const letters = "errcodemsg"
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		enc := utf8.AppendRune(nil, r)
		for _, l := range letters {
			if bytes.EqualFold(enc, []byte{byte(l)}) && !(r == 'ſ' && l == 's') {
				t.Errorf("%U folds to %c", r, l)
			}
		}
	}
	// And encoding/json does match ſ, in either position of the names.
	var st status
	if err := json.Unmarshal([]byte(`{"ERRMſG":"x","errcode":1}`), &st); err != nil || st.ErrMsg != "x" {
		t.Fatalf("errmſg: %+v, %v", st, err)
	}
}

// TestStatusNameCases checks statusName and lacksStatus against
// encoding/json on every spelling of errcode and errmsg: each letter in
// either case, and ſ for s.
func TestStatusNameCases(t *testing.T) {
	var spell func(prefix, rest string, f func(string))
	spell = func(prefix, rest string, f func(string)) {
		if rest == "" {
			f(prefix)
			return
		}
		c := rest[:1]
		spell(prefix+c, rest[1:], f)
		spell(prefix+strings.ToUpper(c), rest[1:], f)
		if c == "s" {
			spell(prefix+"ſ", rest[1:], f)
		}
	}
	n := 0
	for _, name := range []string{"errcode", "errmsg"} {
		spell("", name, func(key string) {
			n++
			var st status
			err := json.Unmarshal([]byte(`{"`+key+`":"7"}`), &st)
			if err != nil || st.ErrCode != 7 && st.ErrMsg != "7" {
				t.Fatalf("encoding/json does not match %q: %+v, %v", key, st, err)
			}
			if !statusName([]byte(key)) {
				t.Errorf("statusName(%q) = false", key)
			}
			if lacksStatus([]byte(`{"count":1,"` + key + `":"7"}`)) {
				t.Errorf("lacksStatus misses %q", key)
			}
		})
	}
	if n != 1<<7+3<<5 {
		t.Fatalf("%d spellings", n)
	}
}

func TestLacksStatusAllocs(t *testing.T) {
	data := []byte(`{"voice_count":1,"video_count":2,"name":"errmſg","url":"a\/b"}`)
	if n := testing.AllocsPerRun(100, func() { lacksStatus(data) }); n != 0 {
		t.Fatalf("lacksStatus allocates %v times", n)
	}
}

// BenchmarkDecodeInto compares decodeInto with the two passes it makes
// without its fast path, on replies of GetMaterialCount (which does not
// embed status) with and without an errcode.
func BenchmarkDecodeInto(b *testing.B) {
	ep := endpoint.Get(endpoint.MaterialCount)
	replies := []struct{ name, reply string }{
		{"no-status", `{"voice_count":1,"video_count":2,"image_count":3,"news_count":4}`},
		{"with-status", `{"errcode":0,"errmsg":"ok","voice_count":1,"video_count":2,"image_count":3,"news_count":4}`},
	}
	paths := []struct {
		name   string
		decode func(*endpoint.Endpoint, []byte, any) (*status, error)
	}{
		{"two-pass", decodeTwoPass},
		{"decodeInto", decodeInto},
	}
	for _, r := range replies {
		data := []byte(r.reply)
		for _, p := range paths {
			b.Run(r.name+"/"+p.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var out MaterialCount
					if _, err := p.decode(ep, data, &out); err != nil || out.News != 4 {
						b.Fatal(out, err)
					}
				}
			})
		}
	}
}
