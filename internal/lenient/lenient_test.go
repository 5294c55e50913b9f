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
