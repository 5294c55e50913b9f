package wechat

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzRedactRecorded checks that redaction never panics, is stable (a
// redacted text redacts to itself), and hides any string WeChat might
// record as a secret member or parameter, whatever its bytes.
func FuzzRedactRecorded(f *testing.F) {
	for _, s := range []string{
		`{"appid":"wx1","secret":"s3cr3t"}`, `access_token=abc&openid=o1`, `{"secret":"a\"b`, `"`, `\`, `{"\u0073ecret":"x"}`,
		`/cgi-bin/token?secret=x#f`, `{"url":"https://h/?code=c&state=1"}`, "secret=\x00\xff",
	} {
		f.Add(s, "v4lue")
	}
	f.Fuzz(func(t *testing.T, text, value string) {
		once := redactRecorded(text)
		if twice := redactRecorded(once); twice != once {
			t.Fatalf("not stable:\n%q\n%q\n%q", text, once, twice)
		}
		const skeleton = `{"appid":"wx1","secret":,"n":1} appid=wx1&secret=&n=1 REDACTED`
		if len(value) < 4 || strings.Contains(skeleton, value) {
			return
		}
		quoted, err := json.Marshal(value)
		if err != nil {
			return
		}
		doc := `{"appid":"wx1","secret":` + string(quoted) + `,"n":1}`
		if got := redactRecorded(doc); strings.Contains(got, value) {
			t.Fatalf("JSON member kept its value: %q", got)
		}
		if strings.ContainsAny(value, "&#\"'\\<> \t\r\n") {
			return // these end a query value: the rest is not the secret's
		}
		if got := redactRecorded("appid=wx1&secret=" + value + "&n=1"); strings.Contains(got, value) {
			t.Fatalf("query parameter kept its value: %q", got)
		}
	})
}
