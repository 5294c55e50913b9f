// Package lenient decodes the JSON values WeChat writes one way in one API
// or version and another way in the next: a number that may come as a
// string, an identifier that may come as a number. The root package and
// package platform decode every drifting field with these two types, so
// that both take what WeChat sends alike.
package lenient

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Int decodes a JSON number or a number in a string; an empty string and
// null are zero, and a fraction is truncated. NaN, an infinity or a
// number outside the range of int64 is an error, as encoding/json makes
// it for an int64.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("wechat: %s is not a number", b)
		}
		// Go leaves the conversion of a float beyond int64 to the CPU
		// (math.MinInt64 on amd64): check the range first. 2^63 is
		// exact in a float64, and its negation is math.MinInt64.
		if f >= 1<<63 || f < -(1<<63) {
			return fmt.Errorf("wechat: %s is out of the range of an integer", b)
		}
		v = int64(f)
	}
	*n = Int(v)
	return nil
}

// String decodes a JSON string or a number into a string; null is empty.
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("wechat: %s is neither a string nor a number", b)
	}
	*s = String(n.String())
	return nil
}
