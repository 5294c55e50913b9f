package wechat

import (
	"errors"
	"strings"
	"testing"
	"unsafe"

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

// The reader keeps offsets as int32, so a document of 2 GiB or more is
// refused before a byte of it is read, with a parse error rather than
// offsets that wrap. The string below claims that length over a short
// buffer: a reader that looked past the check would read memory it does
// not own, which is the point of checking first. The race detector's
// pointer checks would refuse such a string, hence nocheckptr.
//
//go:nocheckptr
func TestParseXMLRefusesDocumentsTooLongForItsOffsets(t *testing.T) {
	doc := []byte("<xml><MsgType>text</MsgType></xml>")
	huge := unsafe.String(unsafe.SliceData(doc), 1<<31)
	_, err := parseXML(huge, nil)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("got %v, want a ParseError saying the document is too long", err)
	}
	if _, err := parseXML(string(doc), nil); err != nil {
		t.Fatalf("a short document: %v", err)
	}
}
