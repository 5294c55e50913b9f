package wechat

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

// flatCases are replies decodeFlat takes and replies it must leave to
// encoding/json.
var flatCases = []struct {
	in   string
	flat bool
}{
	{`{"errcode":0,"errmsg":"ok","msgid":200228332}`, true},
	{` { "errcode" : 40001 , "errmsg" : "invalid credential, access_token is invalid or not latest rid: 6a1b2c3d-0e0f" } ` + "\n", true},
	{`{}`, true},
	{`{"errcode":"45009","errmsg":"reach max api daily quota limit","msgid":"1"}`, true},
	{`{"errcode":null,"errmsg":null,"msgid":-7}`, true},
	{`{"errcode":"","msgid":"-0","other":true,"more":false,"n":1.5e-3,"s":"x","z":null}`, true},
	{`{"errmsg":"一次","errmsg":"两次"}`, true},
	{`{"msgid":123456789012345678}`, true},
	// Left to encoding/json: escapes, nested values, other cases, odd
	// numbers, wrong types, invalid JSON.
	{`{"errmsg":"a\"b"}`, false},
	{`{"errcode":0,"list":[1,2]}`, false},
	{`{"errcode":0,"obj":{}}`, false},
	{`{"ErrCode":40001}`, false},
	{`{"errcode":1.5}`, false},
	{`{"errcode":1e3}`, false},
	{`{"msgid":1234567890123456789}`, false},
	{`{"errcode":"+1"}`, false},
	{`{"errcode":"x"}`, false},
	{`{"errcode":true}`, false},
	{`{"errmsg":5}`, false},
	{`{"errmsg":"bad` + "\xff" + `"}`, false},
	{`{"errcode":0,}`, false},
	{`{"errcode":0`, false},
	{`{"errcode":01}`, false},
	{`{"errcode":-}`, false},
	{`{"errcode":0} x`, false},
	{`{"errcode":nul}`, false},
	{`{"errmsg":"tab	in"}`, false},
	{`[]`, false},
	{``, false},
	{`{"a" 1}`, false},
	{`{"a":1 "b":2}`, false},
	{`{"k\u212a":1}`, false},
	{"{\"\xe2\x84\xaa\":1}", false},
}

// checkFlat decodes in as a template send's reply both ways: where
// decodeFlat takes it, the result must be encoding/json's, and
// encoding/json must take it too.
func checkFlat(t *testing.T, in string) (flat bool) {
	t.Helper()
	var got templateSent
	flat = decodeFlat([]byte(in), &got)
	if !flat {
		return false
	}
	var want templateSent
	if err := json.Unmarshal([]byte(in), &want); err != nil {
		t.Fatalf("decodeFlat took %q, which encoding/json refuses: %v", in, err)
	}
	if got != want {
		t.Fatalf("%q: decodeFlat %+v, encoding/json %+v", in, got, want)
	}
	var gotAck, wantAck ack
	if !decodeFlat([]byte(in), &gotAck) {
		t.Fatalf("%q: a template reply is flat but not an ack", in)
	}
	_ = json.Unmarshal([]byte(in), &wantAck)
	if gotAck != wantAck {
		t.Fatalf("%q: decodeFlat %+v, encoding/json %+v", in, gotAck, wantAck)
	}
	return true
}

func TestDecodeFlat(t *testing.T) {
	for _, c := range flatCases {
		assert.Equal(t, c.flat, checkFlat(t, c.in), "%s", c.in)
	}
}

func FuzzDecodeFlat(f *testing.F) {
	for _, c := range flatCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) { checkFlat(t, in) })
}

// A flat reply is decoded without encoding/json, and the rest with it, to
// the same result: the errcode of each is an *APIError either way.
func TestCallFlatAndNestedReplies(t *testing.T) {
	for _, reply := range []string{
		`{"errcode":45047,"errmsg":"out of response count limit"}`,
		`{"errcode":45047,"errmsg":"out of response count limit","extra":{"a":[1]}}`,
		`{"ErrCode":45047,"errmsg":"out of response count limit"}`,
	} {
		c, mt := newTestClient(t)
		rec := stub(mt, "POST", "/cgi-bin/message/template/send", []byte(reply))
		_, err := c.SendTemplateMessage(t.Context(), &TemplateMessage{ToUser: "o", TemplateID: "t"})
		var apiErr *APIError
		if assert.ErrorAs(t, err, &apiErr, reply) {
			assert.Equal(t, 45047, apiErr.Code, reply)
			assert.Equal(t, "out of response count limit", apiErr.Message, reply)
		}
		rec.only(t)
	}
}
