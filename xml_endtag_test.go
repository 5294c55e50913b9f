package wechat

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An end tag is the open element's name, optionally spaces, then '>';
// anything else is refused with what was found, however much of the open
// name it starts with.
func TestXMLEndTags(t *testing.T) {
	for _, tc := range []struct{ doc, content, err string }{
		{`<xml><MsgType>text</MsgType><Content>hi</Content></xml>`, "hi", ""},
		{`<xml><MsgType>text</MsgType><Content>hi</Content ></xml >`, "hi", ""},
		{"<xml><MsgType>text</MsgType><Content>hi</Content\t\r\n></xml>", "hi", ""},
		{`<xml><MsgType>text</MsgType><内容>hi</内容></xml>`, "", ""},
		{`<xml><MsgType>text</MsgType><Content>hi</Contentx></xml>`, "", "<Content> closed by </Contentx>"},
		{`<xml><MsgType>text</MsgType><Content>hi</Conten></xml>`, "", "<Content> closed by </Conten>"},
		{`<xml><MsgType>text</MsgType><Content>hi</content></xml>`, "", "<Content> closed by </content>"},
		{`<xml><MsgType>text</MsgType><Content>hi</Content`, "", "malformed end tag"},
		{`<xml><MsgType>text</MsgType><Content>hi</Content x></xml>`, "", "malformed end tag"},
		{`<xml><MsgType>text</MsgType><Content>hi</></xml>`, "", "malformed end tag"},
		{`<xml><MsgType>text</MsgType><Content>hi</Content/></xml>`, "", "malformed end tag"},
		{`<xml><MsgType>text</MsgType></xml></xml>`, "", "end tag without a start tag"},
	} {
		m, err := ParseMessage([]byte(tc.doc))
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.doc)
			continue
		}
		require.NoError(t, err, tc.doc)
		assert.Equal(t, tc.content, m.Content, tc.doc)
	}
}
