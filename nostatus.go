package wechat

// lacksStatus serves decodeInto: it reports true only when data is
// provably a reply that encoding/json decodes into a zero status without
// an error, or not JSON at all: data starts (after JSON white space) with
// '{' and none of its strings could be a key that encoding/json matches to
// errcode or errmsg. It reads data once and allocates nothing.
//
// encoding/json matches a key to a field by its exact name or else by
// folding both: ASCII letters by case, any other rune to the smallest
// rune of its unicode.SimpleFold orbit. The only runes outside ASCII
// whose orbit holds an ASCII letter are U+017F (ſ, with s and S) and
// U+212A (the Kelvin sign, with k and K); k is in neither name, so a key
// that matches is 6 or 7 runes, each one of the letters of errcode or
// errmsg in either case, or ſ for the s of errmsg (TestStatusNameRunes
// holds the Unicode tables to that). Every string is looked at, keys,
// values and those of nested objects alike: a value that could be such a
// key only costs the second pass.
//
// A string without escapes is its key's bytes, and statusName says
// whether they fold to a status name; invalid UTF-8 in it decodes to
// U+FFFD, which folds to no letter, as statusName sees it too. A string
// with a backslash is not decoded here: written with escapes, each rune
// of a matching key takes at most 6 bytes (\uXXXX; an escaped surrogate
// pair decodes to a rune beyond the letters, and the other escapes to
// punctuation), so such a string of at most 7*6 bytes counts as a match.
//
// What lacksStatus says of invalid JSON does not matter for exactness:
// json.Unmarshal checks the whole input before it decodes anything, so
// both passes would fail with the same *json.SyntaxError and set nothing.
func lacksStatus(data []byte) bool {
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return false
	}
	for i++; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		start, escaped := i+1, false
		for i = start; i < len(data) && data[i] != '"'; i++ {
			if data[i] == '\\' {
				escaped = true
				i++ // the escaped byte, which may be a quote
			}
		}
		if i >= len(data) {
			return false // an unterminated string: not JSON
		}
		if s := data[start:i]; escaped && len(s) <= maxEscapedStatusName || !escaped && statusName(s) {
			return false
		}
	}
	return true
}

// maxEscapedStatusName is the longest a string with escapes can be and
// still decode to a key that matches errcode (7 runes) or errmsg (6): 6
// bytes (\uXXXX) for each rune.
const maxEscapedStatusName = 7 * len(`\u0000`)

// statusName reports whether the unescaped key s folds, as encoding/json
// folds keys, to errcode or errmsg.
func statusName(s []byte) bool {
	if len(s) < len("errmsg") || len(s) > 2*len("errcode") {
		return false // ASCII letters take 1 byte, ſ 2
	}
	var buf [7]byte
	n := 0
	for i := 0; i < len(s); i++ {
		if n == len(buf) {
			return false
		}
		c := s[i]
		switch {
		case c < 0x80:
			c |= 0x20 // lower case; no other byte comes out as a letter of the names
		case c == 0xc5 && i+1 < len(s) && s[i+1] == 0xbf: // U+017F ſ
			c = 's'
			i++
		default:
			return false // no other rune folds to a letter of the names
		}
		buf[n] = c
		n++
	}
	name := buf[:n]
	return string(name) == "errcode" || string(name) == "errmsg"
}
