package wechat

import (
	"unicode/utf8"

	"github.com/mpkit/wechat/internal/lenient"
)

// Most of WeChat's replies are flat: {"errcode":0,"errmsg":"ok"}, and for
// a send a msgid besides. encoding/json validates such a reply in one
// pass and decodes it through reflection in a second; decodeFlat reads it
// in one pass for the reply types that know their members (flatReply),
// and leaves anything else to encoding/json. It takes only a subset of
// JSON: what it takes, it decodes as encoding/json does (a differential
// test and a fuzz target hold it to that).

// A flatReply is a reply type that sets its members from a flat reply
// itself, so that call decodes it without encoding/json. Do not embed one
// in another reply type: its method would be promoted, and would drop the
// members it does not know.
type flatReply interface {
	// setFlat sets the member key from val, one JSON string without
	// escapes, number, true, false or null, and reports whether it could:
	// false leaves the reply to encoding/json (val has a type the member
	// cannot take, or key could name a member in another case).
	setFlat(key, val []byte) bool
}

// decodeFlat decodes data into r and reports true if data is a JSON object
// whose members are all strings without escapes, numbers, true, false or
// null. Otherwise it reports false, perhaps with r partly set.
func decodeFlat(data []byte, r flatReply) bool {
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		key, j, ok := scanString(data, i)
		if !ok {
			return false
		}
		i = skipSpace(data, j)
		if i == len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		if j, ok = scanScalar(data, i); !ok || !r.setFlat(key, data[i:j]) {
			return false
		}
		i = skipSpace(data, j)
		if i == len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return skipSpace(data, i+1) == len(data)
		default:
			return false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// scanString scans the string that starts at data[i] and returns its
// contents and the index after it; ok is false for anything but a string
// without escapes and control characters.
func scanString(data []byte, i int) (s []byte, end int, ok bool) {
	if i == len(data) || data[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return data[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// scanScalar returns the index after the string without escapes, number,
// true, false or null that starts at data[i].
func scanScalar(data []byte, i int) (end int, ok bool) {
	if i == len(data) {
		return 0, false
	}
	switch c := data[i]; {
	case c == '"':
		_, end, ok = scanString(data, i)
		return end, ok
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(data, i)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit {
			return i + len(lit), true
		}
	}
	return 0, false
}

// scanNumber returns the index after the JSON number at data[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(data []byte, i int) (end int, ok bool) {
	digits := func(j int) int {
		for j < len(data) && '0' <= data[j] && data[j] <= '9' {
			j++
		}
		return j
	}
	if data[i] == '-' {
		i++
	}
	switch {
	case i == len(data):
		return 0, false
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		i = digits(i)
	default:
		return 0, false
	}
	if i < len(data) && data[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

// plainKey reports whether key can name only the member spelt the same:
// encoding/json matches names regardless of case (and folds two non-ASCII
// letters onto k and s), and the members of every flatReply are lower
// case ASCII.
func plainKey(key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// flatInt sets n from val as lenient.Int decodes it, and reports false for
// what it leaves to lenient.Int: a fraction, an exponent, a plus sign, more
// than 18 digits, a string that is no such number, true or false.
func flatInt(n *lenient.Int, val []byte) bool {
	switch val[0] {
	case 'n':
		*n = 0
		return true
	case '"':
		val = val[1 : len(val)-1]
		if len(val) == 0 {
			*n = 0
			return true
		}
	}
	neg := val[0] == '-'
	if neg {
		val = val[1:]
	}
	if len(val) == 0 || len(val) > 18 {
		return false
	}
	var v int64
	for _, c := range val {
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	*n = lenient.Int(v)
	return true
}

// flatString sets s from val as encoding/json decodes a string: null
// leaves it as it is. It reports false for a number, true, false or
// invalid UTF-8 (which encoding/json replaces).
func flatString(s *string, val []byte) bool {
	switch val[0] {
	case 'n':
		return true
	case '"':
		if v := val[1 : len(val)-1]; utf8.Valid(v) {
			*s = string(v)
			return true
		}
	}
	return false
}

// setStatusMember sets errcode or errmsg, and takes any other member the
// way encoding/json ignores it. It is not setFlat itself, since every
// reply type embeds status and would take on the method.
func (s *status) setStatusMember(key, val []byte) bool {
	switch string(key) {
	case "errcode":
		return flatInt(&s.ErrCode, val)
	case "errmsg":
		return flatString(&s.ErrMsg, val)
	}
	return plainKey(key)
}

// ack is the reply of an endpoint that answers with its status alone.
type ack struct{ status }

func (a *ack) setFlat(key, val []byte) bool { return a.setStatusMember(key, val) }
