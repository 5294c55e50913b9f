package lenient

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

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
