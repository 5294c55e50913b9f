package wechat

import (
	"encoding/json"
	"strings"
)

// Redaction of text WeChat recorded (GetRIDInfo): query strings and JSON
// documents, possibly cut short. The text is not re-encoded: only the
// secret values are replaced, every other byte stays as WeChat wrote it.

const redacted = "REDACTED"

// maxSecretParamLen is the length of the longest name in secretParams.
var maxSecretParamLen = func() int {
	n := 0
	for _, p := range secretParams {
		n = max(n, len(p))
	}
	return n
}()

// redactRecorded replaces the secrets in s: the string value of a JSON
// member whose name is a secret parameter, and the value of a secret
// parameter in a query string (on its own, or inside a JSON string such as
// a URL).
func redactRecorded(s string) string {
	return redactQueryParams(redactJSONMembers(s))
}

// redactJSONMembers replaces the string value of every JSON member named
// by secretParams. It walks the text string by string rather than
// decoding it, so that it works on a document WeChat truncated and keeps
// the spacing, order and escapes of the rest.
func redactJSONMembers(s string) string {
	var b strings.Builder
	copied := 0
	for i := 0; i < len(s); {
		if s[i] != '"' {
			i++
			continue
		}
		end, closed := jsonStringEnd(s, i)
		if !closed {
			break
		}
		colon := skipJSONSpace(s, end)
		if colon >= len(s) || s[colon] != ':' || !isSecretParam(jsonStringText(s[i:end])) {
			i = end
			continue
		}
		v := skipJSONSpace(s, colon+1)
		if v >= len(s) || s[v] != '"' {
			i = v // a number, null or object: not a credential
			continue
		}
		vend, _ := jsonStringEnd(s, v)
		b.WriteString(s[copied:v])
		b.WriteString(`"` + redacted + `"`)
		copied, i = vend, vend
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// jsonStringEnd returns the index just past the JSON string that starts
// with the quote at s[start], and whether it is closed before s ends.
func jsonStringEnd(s string, start int) (int, bool) {
	for i := start + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return len(s), false
}

// jsonStringText decodes a quoted JSON string; one that does not decode
// yields "", which names no secret.
func jsonStringText(quoted string) string {
	inner := quoted[1 : len(quoted)-1]
	if !strings.Contains(inner, `\`) {
		return inner
	}
	var v string
	if json.Unmarshal([]byte(quoted), &v) != nil {
		return ""
	}
	return v
}

func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// redactQueryParams replaces the value of every name=value pair whose name
// is in secretParams and that starts the text or follows one of ?&" or
// white space, up to the next & # " ' \ < > or white space. That covers a
// bare query string, a URL, and either of them inside a JSON string,
// without disturbing the JSON around them.
func redactQueryParams(s string) string {
	var b strings.Builder
	copied := 0
	for i := 0; i < len(s); i++ {
		if i > 0 && !strings.ContainsRune("?&\" \t\r\n", rune(s[i-1])) {
			continue
		}
		// Look for the = no further than the longest name, so that a
		// long text without one is not scanned again from every space.
		eq := strings.IndexByte(s[i:min(len(s), i+maxSecretParamLen+1)], '=')
		if eq <= 0 || !isSecretParam(s[i:i+eq]) {
			continue
		}
		start := i + eq + 1
		end := start
		for end < len(s) && !strings.ContainsRune("&#\"'\\<> \t\r\n", rune(s[end])) {
			end++
		}
		b.WriteString(s[copied:start])
		b.WriteString(redacted)
		copied, i = end, end-1
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}
