package wechat

import (
	"math"
	"slices"
	"strconv"
)

// The XML documents of the webhook (a pushed message, a passive reply)
// are declared as tables of fields. A field names one element, points at
// the Go field that holds it, and knows how to read and write it:
// ParseMessage, ParseReply, Message.XML and the AppendXML methods all work
// from the same tables, so an element is declared once.

// field is one element of a document whose Go form is S: a Message, a
// reply, or a part nested in one.
type field[S any] struct {
	name string // as WeChat writes it
	alt  string // another spelling WeChat sends, read as name

	// set stores the text of an element that holds only text (a string,
	// a number) and reports a number that does not convert; the field is
	// then left zero.
	set func(s *S, text string) *badValue
	// read stores node n, an element that holds elements, and returns
	// the first number in it that does not convert.
	read func(nodes []xmlNode, n int32, s *S) *ParseError
	// write appends the element as WeChat writes it.
	write func(f *field[S], b []byte, s *S) []byte
	// zero reports whether s holds nothing for the element.
	zero func(s *S) bool

	cdata    bool // the value goes in a CDATA section
	omitZero bool // the element is written only when it is not zero
}

// plain writes a string without CDATA, as WeChat writes MenuId or
// publish_id.
func (f field[S]) plain() field[S] {
	f.cdata = false
	return f
}

// inCDATA writes a number in a CDATA section, as WeChat writes those of
// SendLocationInfo.
func (f field[S]) inCDATA() field[S] {
	f.cdata = true
	return f
}

// optional leaves the element out when it is zero.
func (f field[S]) optional() field[S] {
	f.omitZero = true
	return f
}

// alias reads the element under a second spelling too.
func (f field[S]) alias(name string) field[S] {
	f.alt = name
	return f
}

// badValue is a number that does not convert, before it is placed.
type badValue struct {
	what string // "is not an integer", …
	err  error  // strconv's error, if any
}

// at places e at node n.
func (e *badValue) at(n *xmlNode) *ParseError {
	return &ParseError{Offset: int(n.off), Msg: "<" + clip(n.name) + "> " + e.what, Err: e.err}
}

// Elements that hold text.

// text is an element holding a string, written in CDATA.
func text[S any, T ~string](name string, p func(*S) *T) field[S] {
	return field[S]{
		name:  name,
		cdata: true,
		set: func(s *S, v string) *badValue {
			*p(s) = T(v)
			return nil
		},
		write: func(f *field[S], b []byte, s *S) []byte {
			if f.cdata {
				return appendStr(b, f.name, string(*p(s)))
			}
			return appendRawText(b, f.name, string(*p(s)))
		},
		zero: func(s *S) bool { return *p(s) == "" },
	}
}

// integer is an element holding a signed decimal.
func integer[S any, T ~int | ~int64](name string, p func(*S) *T) field[S] {
	return number(name, p, parseInteger[T], func(b []byte, v T) []byte { return strconv.AppendInt(b, int64(v), 10) })
}

// unsigned is an element holding an unsigned decimal.
func unsigned[S any](name string, p func(*S) *uint64) field[S] {
	return number(name, p, parseUnsigned, func(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) })
}

// float is an element holding a decimal number, written with the
// shortest digits that read back exactly.
func float[S any](name string, p func(*S) *float64) field[S] {
	return number(name, p, parseFloat, func(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) })
}

// number is an element holding a number of type T, which parse reads and
// format writes; it is written without CDATA unless inCDATA says so.
func number[S any, T comparable](name string, p func(*S) *T,
	parse func(string) (T, *badValue), format func([]byte, T) []byte) field[S] {
	return field[S]{
		name: name,
		set: func(s *S, v string) *badValue {
			n, err := parse(v)
			*p(s) = n
			return err
		},
		write: func(f *field[S], b []byte, s *S) []byte {
			b = appendOpen(b, f.name)
			if f.cdata {
				b = append(b, "<![CDATA["...)
			}
			b = format(b, *p(s))
			if f.cdata {
				b = append(b, "]]>"...)
			}
			return appendClose(b, f.name)
		},
		zero: func(s *S) bool {
			var zero T
			return *p(s) == zero
		},
	}
}

// count is an element holding the length of a list, written but not read
// (the ArticleCount of a news reply).
func count[S any](name string, n func(*S) int) field[S] {
	return field[S]{
		name: name,
		write: func(f *field[S], b []byte, s *S) []byte {
			return appendInt(b, f.name, int64(n(s)))
		},
		zero: func(s *S) bool { return n(s) == 0 },
	}
}

// Elements that hold elements.

// group is an element whose children are fields of S itself: the <Image>
// of an image reply, the <article_detail> of a publish event, an <item>
// of a list.
func group[S any](name string, fs ...field[S]) field[S] {
	return field[S]{
		name: name,
		read: func(nodes []xmlNode, n int32, s *S) *ParseError { return readChildren(nodes, n, fs, s) },
		write: func(f *field[S], b []byte, s *S) []byte {
			b = appendOpen(b, f.name)
			b = appendFields(b, fs, s)
			return appendClose(b, f.name)
		},
		zero: func(s *S) bool {
			for i := range fs {
				if fs[i].zero != nil && !fs[i].zero(s) {
					return false
				}
			}
			return true
		},
	}
}

// part is an element holding a struct of its own, kept behind a pointer
// that stays nil when the element is absent (ScanCodeInfo). A nil part is
// written empty, in the documented shape.
func part[S, P any](name string, p func(*S) **P, fs ...field[P]) field[S] {
	g := group(name, fs...)
	return field[S]{
		name: name,
		read: func(nodes []xmlNode, n int32, s *S) *ParseError {
			v := new(P)
			*p(s) = v
			return g.read(nodes, n, v)
		},
		write: func(_ *field[S], b []byte, s *S) []byte {
			v := *p(s)
			if v == nil {
				v = new(P)
			}
			return g.write(&g, b, v)
		},
		zero: func(s *S) bool { return *p(s) == nil },
	}
}

// list is an element holding an item element per entry of a slice
// (ResultList/item, SubscribeMsgPopupEvent/List). Children other than
// items are ignored.
func list[S, E any](name string, p func(*S) *[]E, item field[E]) field[S] {
	return field[S]{
		name: name,
		read: func(nodes []xmlNode, n int32, s *S) *ParseError {
			var first *ParseError
			for c := nodes[n].child; c >= 0; c = nodes[c].next {
				if nodes[c].name == item.name {
					first = firstError(first, item.load(nodes, c, grow(p(s))))
				}
			}
			return first
		},
		write: func(f *field[S], b []byte, s *S) []byte {
			b = appendOpen(b, f.name)
			b = appendItems(b, &item, *p(s))
			return appendClose(b, f.name)
		},
		zero: func(s *S) bool { return len(*p(s)) == 0 },
	}
}

// repeated is an element that stands once per entry of a slice, with no
// element around the entries (fail_idx, article_detail/item).
func repeated[S, E any](p func(*S) *[]E, item field[E]) field[S] {
	f := field[S]{
		name: item.name,
		write: func(_ *field[S], b []byte, s *S) []byte {
			return appendItems(b, &item, *p(s))
		},
		zero: func(s *S) bool { return len(*p(s)) == 0 },
	}
	if item.set != nil {
		f.set = func(s *S, v string) *badValue { return item.set(grow(p(s)), v) }
	} else {
		f.read = func(nodes []xmlNode, n int32, s *S) *ParseError { return item.read(nodes, n, grow(p(s))) }
	}
	return f
}

// self is the accessor of a list entry that is the value itself.
func self[T any](v *T) *T { return v }

// grow appends a zero entry to *l and returns it, to be read in place.
func grow[E any](l *[]E) *E {
	var zero E
	*l = append(*l, zero)
	return &(*l)[len(*l)-1]
}

// Reading.

// readDocument reads the children of the root of nodes into s, each by
// the field find gives for its name, and returns the first number that
// does not convert. The fields that hold elements get a copy of nodes on
// the heap, made when the first of them is met: handing them nodes, which
// may be the caller's stack buffer, would move that buffer to the heap
// for every document, so a text message would cost one allocation more.
func readDocument[S any](nodes []xmlNode, s *S, find func(name string) *field[S]) *ParseError {
	var first *ParseError
	var heap []xmlNode
	for c := nodes[0].child; c >= 0; c = nodes[c].next {
		n := &nodes[c]
		f := find(n.name)
		switch {
		case f == nil:
		case f.set != nil:
			if e := f.set(s, n.text); e != nil && first == nil {
				first = e.at(n)
			}
		case f.read != nil:
			if heap == nil {
				heap = slices.Clone(nodes)
			}
			first = firstError(first, f.read(heap, c, s))
		}
	}
	return first
}

// readChildren reads the children of node n into s by the fields fs.
func readChildren[S any](nodes []xmlNode, n int32, fs []field[S], s *S) *ParseError {
	var first *ParseError
	for c := nodes[n].child; c >= 0; c = nodes[c].next {
		if f := lookup(fs, nodes[c].name); f != nil {
			first = firstError(first, f.load(nodes, c, s))
		}
	}
	return first
}

// lookup returns the field of fs called name, or nil.
func lookup[S any](fs []field[S], name string) *field[S] {
	for i := range fs {
		if fs[i].name == name || fs[i].alt == name {
			return &fs[i]
		}
	}
	return nil
}

// load reads node c into s.
func (f *field[S]) load(nodes []xmlNode, c int32, s *S) *ParseError {
	switch {
	case f.set != nil:
		if e := f.set(s, nodes[c].text); e != nil {
			return e.at(&nodes[c])
		}
	case f.read != nil:
		return f.read(nodes, c, s)
	}
	return nil
}

func firstError(a, b *ParseError) *ParseError {
	if a != nil {
		return a
	}
	return b
}

func parseInteger[T ~int | ~int64](s string) (T, *badValue) {
	if s == "" {
		return 0, nil
	}
	if d, ok := parseDigits(s); ok && int64(T(d)) == int64(d) {
		return T(d), nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &badValue{what: "is not an integer", err: err}
	}
	if int64(T(v)) != v {
		return 0, &badValue{what: "is out of range"}
	}
	return T(v), nil
}

func parseUnsigned(s string) (uint64, *badValue) {
	if d, ok := parseDigits(s); ok {
		return d, nil
	}
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, &badValue{what: "is not an unsigned integer", err: err}
	}
	return v, nil
}

// parseDigits reads a decimal of at most 18 digits, which cannot
// overflow: every CreateTime and MsgId WeChat sends, at a third of the
// cost of strconv, which handles the rest.
func parseDigits(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + uint64(c)
	}
	return v, true
}

// parseFloat refuses NaN and infinities, which no coordinate or
// precision can be.
func parseFloat(s string) (float64, *badValue) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		err = strconv.ErrSyntax
	}
	if err != nil {
		return 0, &badValue{what: "is not a number", err: err}
	}
	return v, nil
}

// Writing.

// appendFields appends the fields fs of s in order.
func appendFields[S any](b []byte, fs []field[S], s *S) []byte {
	for i := range fs {
		f := &fs[i]
		if f.write == nil || f.omitZero && f.zero(s) {
			continue
		}
		b = f.write(f, b, s)
	}
	return b
}

// appendItems appends an item element per entry of l.
func appendItems[E any](b []byte, item *field[E], l []E) []byte {
	for i := range l {
		b = item.write(item, b, &l[i])
	}
	return b
}

// nameIndex maps element names to table entries. It is an open-addressed
// table hashed on a name's length and end bytes: for the few dozen short
// names of a message, a lookup costs a fraction of a map's, and
// ParseMessage makes one per element.
type nameIndex struct {
	keys [nameSlots]string
	vals [nameSlots]int16 // entry + 1; 0 is an empty slot
}

// nameSlots keeps the table under half full for up to 64 names.
const nameSlots = 128

func nameHash(s string) uint {
	if s == "" {
		return 0
	}
	return uint(len(s))*7 + uint(s[0])*31 + uint(s[len(s)-1])*131
}

// add maps name, which is not in x, to entry i. It does nothing once x is
// full; find then misses the name and a test notices.
func (x *nameIndex) add(name string, i int) {
	for h, n := nameHash(name), 0; n < nameSlots; h, n = h+1, n+1 {
		if s := h % nameSlots; x.vals[s] == 0 {
			x.keys[s], x.vals[s] = name, int16(i+1)
			return
		}
	}
}

// find returns the entry of name, or -1.
func (x *nameIndex) find(name string) int {
	for h, n := nameHash(name), 0; n < nameSlots; h, n = h+1, n+1 {
		s := h % nameSlots
		if x.vals[s] == 0 {
			return -1
		}
		if x.keys[s] == name {
			return int(x.vals[s]) - 1
		}
	}
	return -1
}
