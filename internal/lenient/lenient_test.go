package lenient

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// String takes IDs WeChat sends as strings or numbers: kf_id, menuid,
// publish_id, the tag_id of a match rule.
func TestString(t *testing.T) {
	for in, want := range map[string]string{`"1001"`: "1001", `1001`: "1001", `null`: "", `""`: "",
		`"208379533"`: "208379533", `208396993`: "208396993", `12345678901234567890`: "12345678901234567890"} {
		var s String
		require.NoError(t, json.Unmarshal([]byte(in), &s), in)
		assert.Equal(t, want, string(s), in)
	}
	var s String
	assert.Error(t, s.UnmarshalJSON([]byte(`{}`)))
	assert.Error(t, json.Unmarshal([]byte(`{}`), &s))
	assert.Error(t, s.UnmarshalJSON([]byte(`"unterminated`)))
}

// Int takes numbers WeChat sends as numbers or strings: errcode, counts,
// flags, times.
func TestInt(t *testing.T) {
	for in, want := range map[string]int64{`1`: 1, `"1"`: 1, `-40001`: -40001, `"1423028166"`: 1423028166,
		`null`: 0, `""`: 0, `2.0`: 2, `"7.9"`: 7} {
		var n Int
		require.NoError(t, json.Unmarshal([]byte(in), &n), in)
		assert.Equal(t, want, int64(n), in)
	}
	for _, bad := range []string{`"one"`, `true`, `{}`, `[1]`} {
		var n Int
		assert.Error(t, json.Unmarshal([]byte(bad), &n), bad)
	}
}

// A value that is no int64 (NaN, an infinity, a number beyond the range)
// is an error, as encoding/json reports one for an int64 field: taken as
// a number, it became whatever the CPU makes of the conversion
// (math.MinInt64 on amd64), so an errcode of "NaN" read as a code of
// -9223372036854775808 and a count of 1e19 as a negative count.
func TestIntOutOfRange(t *testing.T) {
	for _, bad := range []string{`"NaN"`, `"nan"`, `"Inf"`, `"-Infinity"`, `1e19`, `"1e19"`, `-1e19`,
		`99999999999999999999`, `"99999999999999999999"`, `9223372036854775808`, `9.3e18`} {
		var n Int
		err := json.Unmarshal([]byte(`{"n":`+bad+`}`), &struct{ N *Int }{&n})
		assert.Error(t, err, "%s decoded as %d", bad, int64(n))
	}
	// The ends of the range, and a fraction close to them, still decode.
	for in, want := range map[string]int64{`9223372036854775807`: 9223372036854775807,
		`-9223372036854775808`: -9223372036854775808, `"1e3"`: 1000, `9.2e18`: 9200000000000000000, `-9.2e18`: -9200000000000000000} {
		var n Int
		if assert.NoError(t, json.Unmarshal([]byte(in), &n), in) {
			assert.Equal(t, want, int64(n), in)
		}
	}
}
