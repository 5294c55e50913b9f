package wechat

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

func TestRedactRecorded(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", ``, ``},
		{"plain text", `plain`, `plain`},
		{"documented reply", `{"errcode":45009,"errmsg":"reach max api daily quota limit rid: 617682e0-09059ac5-34a8e2ea"}`,
			`{"errcode":45009,"errmsg":"reach max api daily quota limit rid: 617682e0-09059ac5-34a8e2ea"}`},

		// Query strings, as request_url holds them.
		{"query token", `access_token=50_Im7xxxx&openid=o1`, `access_token=REDACTED&openid=o1`},
		{"query secret", `appid=wx1&secret=s3cr3t&grant_type=client_credential`, `appid=wx1&secret=REDACTED&grant_type=client_credential`},
		{"query with path, secret first", `/cgi-bin/token?secret=s3cr3t&appid=wx1`, `/cgi-bin/token?secret=REDACTED&appid=wx1`},
		{"query name case", `Access_Token=abc&x=1`, `Access_Token=REDACTED&x=1`},
		{"query empty value", `secret=&x=1`, `secret=REDACTED&x=1`},
		{"query name without value", `secret&x=1`, `secret&x=1`},
		{"errcode is not code", `errcode=40029&code=0a1b2c`, `errcode=40029&code=REDACTED`},
		{"longer names are their own", `jsapi_ticket=t1&component_access_token=t2&my_secret=keep`,
			`jsapi_ticket=REDACTED&component_access_token=REDACTED&my_secret=keep`},
		{"fragment ends a value", `code=c0de#wechat_redirect`, `code=REDACTED#wechat_redirect`},

		// JSON bodies: the string value of a secret member.
		{"stable_token body", `{"grant_type":"client_credential","appid":"wx1","secret":"s3cr3t","force_refresh":true}`,
			`{"grant_type":"client_credential","appid":"wx1","secret":"REDACTED","force_refresh":true}`},
		{"clear_quota/v2 body", `{"appid":"wx1","appsecret":"s3cr3t"}`, `{"appid":"wx1","appsecret":"REDACTED"}`},
		// A platform's api_query_auth sends the authorization code the
		// merchant's authorization redirect carried.
		{"api_query_auth body", `{"component_appid":"wx1","authorization_code":"queryauthcode@@@abc"}`,
			`{"component_appid":"wx1","authorization_code":"REDACTED"}`},
		{"spacing kept", "{ \"secret\" :\t\"s3cr3t\" ,\n \"a\" : 1 }", "{ \"secret\" :\t\"REDACTED\" ,\n \"a\" : 1 }"},
		{"escapes in the value", `{"secret":"a\"b\\c","x":"y"}`, `{"secret":"REDACTED","x":"y"}`},
		{"escaped key", `{"\u0073ecret":"s3cr3t"}`, `{"\u0073ecret":"REDACTED"}`},
		{"key case", `{"AppSecret":"s3cr3t"}`, `{"AppSecret":"REDACTED"}`},
		{"nested", `{"a":{"access_token":"t1"},"list":[{"ticket":"t2"},{"refresh_token":"t3"}]}`,
			`{"a":{"access_token":"REDACTED"},"list":[{"ticket":"REDACTED"},{"refresh_token":"REDACTED"}]}`},
		{"non-string values kept", `{"code":0,"errcode":40001,"ticket":null}`, `{"code":0,"errcode":40001,"ticket":null}`},
		{"secret names as values kept", `{"remark":"secret","note":"\"secret\":\"not a member\""}`,
			`{"remark":"secret","note":"\"secret\":\"not a member\""}`},
		{"truncated inside the secret", `{"appid":"wx1","secret":"s3cr`, `{"appid":"wx1","secret":"REDACTED"`},
		{"truncated inside another value", `{"secret":"s3cr3t","errmsg":"abc`, `{"secret":"REDACTED","errmsg":"abc`},
		{"a URL in a value", `{"url":"https://example.com/cb?code=c0de&state=1","x":"?access_token=t"}`,
			`{"url":"https://example.com/cb?code=REDACTED&state=1","x":"?access_token=REDACTED"}`},
		{"a query string as a value", `{"body":"secret=s3cr3t"}`, `{"body":"secret=REDACTED"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, redactRecorded(tt.in))
		})
	}
}

// Redaction stays linear on large text without any parameter in it.
func TestRedactRecordedLargeText(t *testing.T) {
	big := strings.Repeat(" ", 4<<20) + `{"secret":"s3cr3t"}`
	start := time.Now()
	got := redactRecorded(big)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.True(t, strings.HasSuffix(got, `{"secret":"REDACTED"}`))
}
