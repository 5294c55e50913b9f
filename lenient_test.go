package wechat

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The public types that decode a few drifting fields leniently decode
// every other field as declared, fields added later included: each
// string, integer and bool field gets a value, is encoded and decoded
// back. A hand-written copy of the fields would drop a new one here.
func TestLenientTypesKeepEveryField(t *testing.T) {
	for _, v := range []any{&MatchRule{}, &Menu{}, &KFAccount{}, &OnlineKFAccount{}, &PublicSubscribeTemplate{}} {
		rv := reflect.ValueOf(v).Elem()
		t.Run(rv.Type().Name(), func(t *testing.T) {
			filled := 0
			for i := range rv.NumField() {
				f := rv.Field(i)
				switch f.Kind() {
				case reflect.String:
					f.SetString("v" + string(rune('a'+i)))
				case reflect.Int, reflect.Int64:
					f.SetInt(int64(i + 1))
				case reflect.Bool:
					f.SetBool(true)
				default:
					continue
				}
				filled++
			}
			require.NotZero(t, filled)
			b, err := json.Marshal(v)
			require.NoError(t, err)
			got := reflect.New(rv.Type())
			require.NoError(t, json.Unmarshal(b, got.Interface()))
			assert.Equal(t, v, got.Interface(), "decoded from %s", b)

			// Decoding replaces what the value held.
			require.NoError(t, json.Unmarshal([]byte(`{}`), got.Interface()))
			assert.True(t, got.Elem().IsZero(), "after {}: %+v", got.Elem())
		})
	}
}

// The drifting fields take a number where WeChat sends one.
func TestLenientFieldsTakeNumbers(t *testing.T) {
	var r MatchRule
	require.NoError(t, json.Unmarshal([]byte(`{"group_id":2,"sex":1,"client_platform_type":2,"tag_id":"101","country":"中国"}`), &r))
	assert.Equal(t, MatchRule{GroupID: "2", Sex: "1", ClientPlatformType: ClientPlatformAndroid, TagID: "101", Country: "中国"}, r)

	var m Menu
	require.NoError(t, json.Unmarshal([]byte(`{"button":[],"menuid":208396938}`), &m))
	assert.Equal(t, Menu{Buttons: []Button{}, MenuID: "208396938"}, m)

	var p PublicSubscribeTemplate
	require.NoError(t, json.Unmarshal([]byte(`{"tid":99,"categoryId":"616"}`), &p))
	assert.Equal(t, PublicSubscribeTemplate{TID: 99, CategoryID: 616}, p)
}

// KFAccount's kf_id is an identifier that may come as a number, never a
// bool.
func TestKFAccountIDNotABool(t *testing.T) {
	var a KFAccount
	assert.Error(t, a.UnmarshalJSON([]byte(`{"kf_id":true}`)))
}

// appendJSONString writes what the package's encoder (encodeJSON, HTML
// characters as they are) writes, for every kind of string.
func TestAppendJSONStringAgreesWithEncodingJSON(t *testing.T) {
	cases := []string{"", "plain", "恭喜你购买成功！", `quote " and \ backslash`, "<b>&amp;</b>", "line\nbreak\r\ttab",
		"\b\f\x00\x01\x1f\x7f", "bad utf-8 \xff\xfe end", "sep \u2028 and \u2029", "emoji 😀", "\xe6\x81", "ok\u00e9"}
	for c := range 256 {
		cases = append(cases, string(rune(c)), string([]byte{byte(c)}))
	}
	for _, s := range cases {
		want, err := encodeJSON(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendJSONString(nil, s)), "%q", s)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("恭喜\u2028\xff<>")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := encodeJSON(s)
		if err != nil {
			t.Skip()
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// TemplateData encodes as the map would: names in order, color left out
// when empty.
func TestTemplateDataJSON(t *testing.T) {
	d := TemplateData{"remark": {Value: "欢迎再次购买！"}, "first": {Value: "恭喜 <b>", Color: "#173177"}, "k\"1": {Value: "a\u2028b"}}
	got, err := encodeJSON(struct {
		Data TemplateData `json:"data"`
	}{d})
	require.NoError(t, err)
	want, err := encodeJSON(struct {
		Data map[string]TemplateField `json:"data"`
	}{d})
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	null, err := encodeJSON(TemplateData(nil))
	require.NoError(t, err)
	assert.Equal(t, "null", string(null))
}
