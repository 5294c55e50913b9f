package wechat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is the small XML reader and writer behind
// ParseMessage, ParseReply, ParseEnvelope and the XML methods. WeChat's
// documents are flat: an <xml> root, elements holding text or CDATA, a few nested lists.
// encoding/xml handles them but allocates for every token; this reader
// allocates the node list once and returns text as substrings of the
// input, except where an entity or a split CDATA section must be joined.
// It accepts well-formed XML only (matched tags, closed sections, valid
// UTF-8, legal characters) and never panics.

// maxXMLDepth bounds element nesting. WeChat documents nest four levels.
const maxXMLDepth = 16

// maxXMLNodes bounds the element list of a document. WeChat's largest
// documented pushes (a copyright check of eight articles, a news reply)
// have about a hundred elements; the bound keeps a hostile document from
// costing more than a few hundred KiB of nodes.
const maxXMLNodes = 4096

// xmlNode is one element of a parsed document; nodes[0] is the root.
type xmlNode struct {
	name  string
	text  string
	off   int32 // byte offset of the start tag
	end   int32 // byte offset just past the end tag
	child int32 // first child, or -1
	next  int32 // next sibling, or -1
}

// xmlFrame is an open element while its content is read.
type xmlFrame struct {
	node      int32
	lastChild int32
	n         int    // text chunks kept
	text      string // the only chunk, when n == 1
	buf       []byte // the joined chunks, when n > 1
	cdata     bool
}

func (f *xmlFrame) add(chunk string, cdata bool) {
	if cdata {
		f.cdata = true
	} else if isXMLSpace(chunk) {
		// Indentation between elements, and the spaces some official
		// samples put around CDATA sections, are not part of the value.
		return
	}
	switch f.n {
	case 0:
		f.text = chunk
	case 1:
		f.buf = make([]byte, 0, len(f.text)+len(chunk)+16)
		f.buf = append(append(f.buf, f.text...), chunk...)
	default:
		f.buf = append(f.buf, chunk...)
	}
	f.n++
}

func (f *xmlFrame) value() string {
	s := f.text
	if f.n > 1 {
		s = string(f.buf)
	}
	if !f.cdata {
		s = trimXMLSpace(s)
	}
	return s
}

// parseDocument parses one of WeChat's XML documents (a message, a reply,
// an encrypted envelope) into nodes appended to buf, and checks that its
// root element is <xml>.
func parseDocument(data []byte, buf []xmlNode) ([]xmlNode, error) {
	return parseDocumentString(string(data), buf)
}

// parseDocumentString is parseDocument of a document already in a
// string.
func parseDocumentString(s string, buf []xmlNode) ([]xmlNode, error) {
	nodes, err := parseXML(s, buf)
	if err != nil {
		return nil, err
	}
	if nodes[0].name != "xml" {
		return nil, parseErr(0, fmt.Sprintf("root element is <%s>, want <xml>", clip(nodes[0].name)))
	}
	return nodes, nil
}

// maxXMLBytes is the longest document the reader takes: its nodes keep
// offsets as int32.
const maxXMLBytes = math.MaxInt32

// parseXML reads a whole document. It appends the elements to nodes,
// which may be a caller's stack buffer.
func parseXML(s string, nodes []xmlNode) ([]xmlNode, error) {
	if len(s) > maxXMLBytes {
		return nil, parseErr(0, "document too long")
	}
	var stack [maxXMLDepth]xmlFrame
	depth := 0
	rootDone := false
	i := 0
	if strings.HasPrefix(s, "\uFEFF") {
		i = 3
	}
	for i < len(s) {
		if s[i] != '<' {
			// Nearly always the newline and indentation before a tag:
			// stepped over here, without a search for the '<'.
			j := i
			for j < len(s) && isSpaceByte(s[j]) {
				j++
			}
			if j == len(s) || s[j] == '<' {
				i = j
				continue
			}
			end := len(s)
			if j := strings.IndexByte(s[i:], '<'); j >= 0 {
				end = i + j
			}
			chunk := s[i:end]
			if isXMLSpace(chunk) {
				// Indentation: valid anywhere, never part of a value.
			} else if depth == 0 {
				return nil, parseErr(i, "text outside the root element")
			} else {
				v, err := unescapeText(chunk, i)
				if err != nil {
					return nil, err
				}
				stack[depth-1].add(v, false)
			}
			i = end
			continue
		}
		rest := s[i:]
		// Dispatch on the byte after '<': start tags, end tags and CDATA
		// are nearly all a message holds.
		var second byte
		if len(rest) > 1 {
			second = rest[1]
		}
		switch {
		case second == '?' || second == '!' && strings.HasPrefix(rest, "<!--"):
			// Comments and processing instructions are skipped.
			open, end, what := "<?", "?>", "processing instruction"
			if second == '!' {
				open, end, what = "<!--", "-->", "comment"
			}
			_, n, ok := section(rest, open, end)
			if !ok {
				return nil, parseErr(i, "unterminated "+what)
			}
			i += n
		case second == '!' && strings.HasPrefix(rest, "<![CDATA["):
			if depth == 0 {
				return nil, parseErr(i, "CDATA outside the root element")
			}
			body := rest[len("<![CDATA["):]
			end, bad, cr := scanCDATA(body)
			if end < 0 {
				return nil, parseErr(i, "unterminated CDATA section")
			}
			if bad >= 0 {
				return nil, parseErr(i+len("<![CDATA[")+bad, "illegal character")
			}
			v := body[:end]
			if cr {
				v = normalizeNewlines(v)
			}
			stack[depth-1].add(v, true)
			i += len("<![CDATA[") + end + len("]]>")
		case second == '!':
			return nil, parseErr(i, "declarations (DOCTYPE, ENTITY) are not accepted")
		case second == '/':
			if depth == 0 {
				return nil, parseErr(i, "end tag without a start tag")
			}
			f := &stack[depth-1]
			open := nodes[f.node].name
			// The end tag nearly always is the open name and '>': that is
			// checked first, which is what scanning the name and
			// comparing it would conclude.
			k := 2 + len(open)
			if k >= len(rest) || rest[k] != '>' || rest[2:k] != open {
				name := scanName(rest[2:])
				k = 2 + len(name)
				for k < len(rest) && isSpaceByte(rest[k]) {
					k++
				}
				if name == "" || k >= len(rest) || rest[k] != '>' {
					return nil, parseErr(i, "malformed end tag")
				}
				if open != name {
					return nil, parseErr(i, fmt.Sprintf("element <%s> closed by </%s>", clip(open), clip(name)))
				}
			}
			nodes[f.node].text = f.value()
			nodes[f.node].end = int32(i + k + 1)
			depth--
			if depth == 0 {
				rootDone = true
			}
			i += k + 1
		default:
			if rootDone {
				return nil, parseErr(i, "a second root element")
			}
			name := scanName(rest[1:])
			if name == "" {
				return nil, parseErr(i, "malformed start tag")
			}
			k, selfClose, err := scanAttrs(rest, 1+len(name), i)
			if err != nil {
				return nil, err
			}
			idx := int32(len(nodes))
			if idx == maxXMLNodes {
				return nil, parseErr(i, "too many elements")
			}
			nodes = append(nodes, xmlNode{name: name, off: int32(i), end: int32(i + k), child: -1, next: -1})
			if depth > 0 {
				p := &stack[depth-1]
				if p.lastChild < 0 {
					nodes[p.node].child = idx
				} else {
					nodes[p.lastChild].next = idx
				}
				p.lastChild = idx
			}
			if selfClose {
				if depth == 0 {
					rootDone = true
				}
			} else {
				if depth == maxXMLDepth {
					return nil, parseErr(i, "elements nested too deeply")
				}
				if v, n, ok := leafContent(rest[k:], name); ok {
					// The whole element at once: its text and end tag.
					nodes[idx].text, nodes[idx].end = v, int32(i+k+n)
					if depth == 0 {
						rootDone = true
					}
					i += k + n
					continue
				}
				stack[depth] = xmlFrame{node: idx, lastChild: -1}
				depth++
			}
			i += k
		}
	}
	if depth > 0 {
		return nil, parseErr(len(s), fmt.Sprintf("unexpected end of input: <%s> is not closed", clip(nodes[stack[depth-1].node].name)))
	}
	if !rootDone {
		return nil, parseErr(len(s), "no root element")
	}
	return nodes, nil
}

// leafContent reads, in rest after the start tag of element name, the
// content and end tag of an element that holds one CDATA section or
// plain text, as nearly all of WeChat's elements do: its value, as the
// general path would make it, and the length of what it read. ok is
// false for anything else (other content, an entity, a carriage return,
// a character XML does not allow, another end tag), which the general
// path then reads, and refuses where it must, as for any other element.
func leafContent(rest, name string) (v string, n int, ok bool) {
	if body, found := strings.CutPrefix(rest, "<![CDATA["); found {
		end, bad, cr := scanCDATA(body)
		if end < 0 || bad >= 0 || cr {
			return "", 0, false
		}
		v, n = body[:end], len("<![CDATA[")+end+len("]]>")
	} else {
		// One pass to the '<', for text as short as a number.
		j, ascii := 0, true
		for ; j < len(rest) && rest[j] != '<'; j++ {
			switch c := rest[j]; {
			case c == '&' || c == '\r':
				return "", 0, false
			case c >= utf8.RuneSelf:
				ascii = false
			case c < 0x20 && c != '\t' && c != '\n':
				return "", 0, false
			}
		}
		if j == len(rest) || !ascii && checkChars(rest[:j]) >= 0 {
			return "", 0, false
		}
		v, n = trimXMLSpace(rest[:j]), j
	}
	closing := rest[n:]
	if len(closing) < len(name)+3 || closing[:2] != "</" || closing[2:2+len(name)] != name || closing[2+len(name)] != '>' {
		return "", 0, false
	}
	return v, n + len(name) + 3, true
}

// section reads the comment, CDATA section or processing instruction
// that rest starts with: open, a body, and the first end after it. n is
// its length; ok is false when end is missing.
func section(rest, open, end string) (body string, n int, ok bool) {
	j := strings.Index(rest[len(open):], end)
	if j < 0 {
		return "", 0, false
	}
	return rest[len(open) : len(open)+j], len(open) + j + len(end), true
}

// scanAttrs skips the attributes of a start tag whose name ends at k and
// returns the length of the tag.
func scanAttrs(tag string, k, off int) (int, bool, error) {
	for {
		sp := k
		for k < len(tag) && isSpaceByte(tag[k]) {
			k++
		}
		if k >= len(tag) {
			return 0, false, parseErr(off, "unterminated start tag")
		}
		switch tag[k] {
		case '>':
			return k + 1, false, nil
		case '/':
			if k+1 < len(tag) && tag[k+1] == '>' {
				return k + 2, true, nil
			}
			return 0, false, parseErr(off, "malformed start tag")
		}
		name := scanName(tag[k:])
		if name == "" || sp == k {
			return 0, false, parseErr(off, "malformed attribute")
		}
		k += len(name)
		for k < len(tag) && isSpaceByte(tag[k]) {
			k++
		}
		if k >= len(tag) || tag[k] != '=' {
			return 0, false, parseErr(off, "attribute without a value")
		}
		k++
		for k < len(tag) && isSpaceByte(tag[k]) {
			k++
		}
		if k >= len(tag) || (tag[k] != '"' && tag[k] != '\'') {
			return 0, false, parseErr(off, "unquoted attribute value")
		}
		q := tag[k]
		j := strings.IndexByte(tag[k+1:], q)
		if j < 0 || strings.IndexByte(tag[k+1:k+1+j], '<') >= 0 {
			return 0, false, parseErr(off, "unterminated attribute value")
		}
		k += 1 + j + 1
	}
}

// Classes of the bytes of a name, for scanName: bits, so that the
// classes met in a name can be collected with |.
const (
	notName      = 0
	nameStart    = 1 << iota // an ASCII letter, '_' or ':': anywhere in a name
	nameRest                 // an ASCII digit, '-' or '.': anywhere but first
	nameNonASCII             // part of a multi-byte character, checked as UTF-8
)

// nameClass is the class of every byte: one lookup per byte keeps
// scanName, which reads the name of every start tag, cheap.
var nameClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':':
			t[c] = nameStart
		case c >= '0' && c <= '9' || c == '-' || c == '.':
			t[c] = nameRest
		case c >= utf8.RuneSelf:
			t[c] = nameNonASCII
		}
	}
	return t
}()

// scanName returns the XML name at the start of s ("" if none).
func scanName(s string) string {
	if len(s) == 0 || nameClass[s[0]]&(nameStart|nameNonASCII) == 0 {
		return ""
	}
	seen := nameClass[s[0]]
	i := 1
	for i < len(s) && nameClass[s[i]] != notName {
		seen |= nameClass[s[i]]
		i++
	}
	name := s[:i]
	if seen&nameNonASCII != 0 && !utf8.ValidString(name) {
		return ""
	}
	return name
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimXMLSpace(s string) string {
	for len(s) > 0 && isSpaceByte(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpaceByte(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isXMLSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSpaceByte(s[i]) {
			return false
		}
	}
	return true
}

// checkChars reports the offset of the first byte of s that is not an XML
// character (control characters other than tab and newlines, U+FFFE,
// U+FFFF, invalid UTF-8), or -1.
func checkChars(s string) int {
	for i := 0; i < len(s); {
		// Skip eight printable ASCII bytes at a time: no byte has its
		// high bit set or is below 0x20.
		if i+8 <= len(s) {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			const lo, hi = 0x2020202020202020, 0x8080808080808080
			if (x|(x-lo))&hi == 0 {
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			return i
		}
		i += n
	}
	return -1
}

// Classes of the bytes of a CDATA section, for scanCDATA.
const (
	cdataPlain    = iota // printable ASCII, tab, newline
	cdataBracket         // ']', which may end the section
	cdataCR              // '\r', which becomes a newline
	cdataNonASCII        // part of a multi-byte character, checked as UTF-8
	cdataIllegal         // a control character XML does not allow
)

// cdataClass is the class of every byte.
var cdataClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == ']':
			t[c] = cdataBracket
		case c == '\r':
			t[c] = cdataCR
		case c >= utf8.RuneSelf:
			t[c] = cdataNonASCII
		case c < 0x20 && c != '\t' && c != '\n':
			t[c] = cdataIllegal
		}
	}
	return t
}()

// scanCDATA reads the body of a CDATA section, s being what follows its
// "<![CDATA[", in one pass: end is the offset of the first "]]>" (-1 if
// there is none), bad that of the first byte before it that is not an
// XML character (-1 if none, as checkChars), and cr reports a '\r' in the
// body, which XML turns into a newline. A section is most of a message's
// text: one pass costs a fraction of a search for its end followed by a
// check of its characters and a search for '\r'.
func scanCDATA(s string) (end, bad int, cr bool) {
	bad = -1
	for i := 0; i < len(s); {
		// Skip eight printable ASCII bytes at a time, as checkChars
		// does, when none of them is ']': y has a zero byte for each.
		if i+8 <= len(s) {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			const lo, hi, ones, brackets = 0x2020202020202020, 0x8080808080808080, 0x0101010101010101, 0x5D5D5D5D5D5D5D5D
			y := x ^ brackets
			if (x|(x-lo))&hi == 0 && (y-ones)&^y&hi == 0 {
				i += 8
				continue
			}
		}
		// Byte by byte through the eight that did not pass.
		for stop := min(i+8, len(s)); i < stop; {
			c := cdataClass[s[i]]
			if c == cdataPlain {
				i++
				continue
			}
			switch c {
			case cdataBracket:
				if strings.HasPrefix(s[i:], "]]>") {
					return i, bad, cr
				}
			case cdataCR:
				cr = true
			case cdataNonASCII:
				r, n := utf8.DecodeRuneInString(s[i:])
				if (r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF) && bad < 0 {
					bad = i
				}
				i += n
				continue
			default:
				if bad < 0 {
					bad = i
				}
			}
			i++
		}
	}
	return -1, bad, cr
}

func normalizeNewlines(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' {
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeText decodes the character data s found at offset off: entity
// and character references, and newlines.
func unescapeText(s string, off int) (string, error) {
	if j := checkChars(s); j >= 0 {
		return "", parseErr(off+j, "illegal character")
	}
	if strings.IndexByte(s, '&') < 0 {
		if strings.IndexByte(s, '\r') < 0 {
			return s, nil
		}
		return normalizeNewlines(s), nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\r':
			b = append(b, '\n')
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case '&':
			j := strings.IndexByte(s[i:], ';')
			if j < 0 || j > 12 {
				return "", parseErr(off+i, "malformed entity reference")
			}
			ent := s[i+1 : i+j]
			switch ent {
			case "lt":
				b = append(b, '<')
			case "gt":
				b = append(b, '>')
			case "amp":
				b = append(b, '&')
			case "apos":
				b = append(b, '\'')
			case "quot":
				b = append(b, '"')
			default:
				r, ok := charRef(ent)
				if !ok {
					return "", parseErr(off+i, "unknown entity reference")
				}
				b = utf8.AppendRune(b, r)
			}
			i += j + 1
		default:
			b = append(b, c)
			i++
		}
	}
	return string(b), nil
}

// charRef decodes "#123" or "#x7B".
func charRef(ent string) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var v uint64
	var err error
	if ent[1] == 'x' {
		if len(ent) < 3 {
			return 0, false
		}
		v, err = strconv.ParseUint(ent[2:], 16, 32)
	} else {
		v, err = strconv.ParseUint(ent[1:], 10, 32)
	}
	if err != nil {
		return 0, false
	}
	r := rune(v)
	if !isXMLChar(r) {
		return 0, false
	}
	return r, true
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// replaceIllegalChars returns a copy of b in which every character XML
// cannot carry (see checkChars) is U+FFFD, as appendCDATA writes it, or
// nil when b has none. WeChat does not filter what users type: a control
// character or a character cut in half reaches a push raw, inside CDATA,
// and the push is still the user's message.
func replaceIllegalChars(b []byte) []byte {
	s := string(b)
	i := checkChars(s)
	if i < 0 {
		return nil
	}
	out := make([]byte, 0, len(s)+8)
	for i >= 0 {
		out = append(out, s[:i]...)
		// One byte for a control character or a byte that is not
		// UTF-8, three for U+FFFE and U+FFFF.
		_, n := utf8.DecodeRuneInString(s[i:])
		out = append(out, "\uFFFD"...)
		s = s[i+n:]
		i = checkChars(s)
	}
	return append(out, s...)
}

// clip shortens a name read from the input before it goes into an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Writing.

// appendCDATA appends s as a CDATA section. "]]>" inside s is split over
// two sections, and characters XML cannot carry (control characters,
// invalid UTF-8) become U+FFFD, so any string is safe to send.
func appendCDATA(b []byte, s string) []byte {
	b = append(b, "<![CDATA["...)
	if end, bad, _ := scanCDATA(s); end < 0 && bad < 0 {
		b = append(b, s...)
		return append(b, "]]>"...)
	}
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "]]>") {
			// End the section after "]]" and start a new one with ">".
			b = append(b, "]]]]><![CDATA[>"...)
			i += 3
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, c)
			}
			i++
			continue
		}
		var n int
		b, n = appendXMLRune(b, s[i:])
		i += n
	}
	return append(b, "]]>"...)
}

// appendXMLRune appends the character s starts with, or U+FFFD if XML
// cannot carry it, and returns its length in s.
func appendXMLRune(b []byte, s string) ([]byte, int) {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
		return append(b, "\uFFFD"...), n
	}
	return append(b, s[:n]...), n
}

func appendOpen(b []byte, name string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	return append(b, '>')
}

func appendClose(b []byte, name string) []byte {
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// appendStr appends <name><![CDATA[v]]></name>.
func appendStr(b []byte, name, v string) []byte {
	b = appendOpen(b, name)
	b = appendCDATA(b, v)
	return appendClose(b, name)
}

// appendInt appends <name>v</name>.
func appendInt(b []byte, name string, v int64) []byte {
	b = appendOpen(b, name)
	b = strconv.AppendInt(b, v, 10)
	return appendClose(b, name)
}

// appendRawText appends <name>v</name> with v escaped as character data,
// for the few values WeChat sends without CDATA that are not numbers. A
// value with leading or trailing whitespace goes in CDATA instead, since
// readers trim character data.
func appendRawText(b []byte, name, v string) []byte {
	if trimXMLSpace(v) != v {
		return appendStr(b, name, v)
	}
	b = appendOpen(b, name)
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '<':
			b = append(b, "&lt;"...)
		case c == '>':
			b = append(b, "&gt;"...)
		case c == '&':
			b = append(b, "&amp;"...)
		case c == '\r':
			b = append(b, "&#xD;"...)
		case c < 0x20 && c != '\t' && c != '\n':
			b = append(b, "\uFFFD"...)
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			var n int
			b, n = appendXMLRune(b, v[i:])
			i += n
			continue
		}
		i++
	}
	return appendClose(b, name)
}
