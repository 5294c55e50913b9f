package wechat

import (
	"unicode/utf8"
)

// WeChat writes some numbers and identifiers as a JSON number in one API
// or version and as a string in another. Each kind has one lenient type
// (package internal/lenient, shared with package platform), and every
// field that drifts is decoded with it:
//
//   - lenient.Int, a number that may come as a string: errcode, counts,
//     flags, times, and the numeric ids (tag and group ids, msgids).
//   - lenient.String, an identifier that may come as a number: menuid,
//     kf_id, publish_id and msg_data_id, and the codes and ids of a menu
//     match rule (tag_id, group_id, sex, client_platform_type).
//
// A public type whose field drifts decodes it in place, by pointing a
// lenient shadow field at it (see MatchRule.UnmarshalJSON); its other
// fields are decoded as declared, so none needs copying by hand.

// appendJSONString appends s as a JSON string the way the package's
// encoder writes strings (encodeJSON: HTML characters as they are): '"',
// '\\' and control characters escaped, invalid UTF-8 replaced by U+FFFD,
// and U+2028 and U+2029 escaped, which JavaScript would take for line
// ends.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	from := 0 // s[from:i] is yet to be appended as it is
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[from:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			from = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, s[from:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[from:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += n
			continue
		}
		i += n
		from = i
	}
	b = append(b, s[from:]...)
	return append(b, '"')
}
