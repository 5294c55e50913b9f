package wechat

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// flexInt decodes a JSON number or a number in a string: some WeChat
// replies change the type of a field between versions.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("wechat: %s is not a number", b)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// flexString decodes a JSON string or a number into a string: WeChat sends
// some identifiers (kf_id, publish_id) either way.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("wechat: %s is neither a string nor a number", b)
	}
	*s = flexString(n.String())
	return nil
}
