package wechat

import (
	"errors"
	"strings"
	"testing"
	"unsafe"
)

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
