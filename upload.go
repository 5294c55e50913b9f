package wechat

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/textproto"
	"path"
	"slices"
	"strings"
)

// upload is a multipart/form-data body that is streamed from its reader,
// never held in memory whole. WeChat's upload APIs (media, material,
// customer-service avatars, OCR images) all take one file part. It is a
// bodySource: it can be sent a second time (after a token refresh) only
// if the reader is an io.Seeker.
type upload struct {
	field    string            // name of the file part, "media" for most APIs
	filename string            // WeChat derives the file type from its extension
	r        io.Reader         // the file
	fields   map[string]string // extra form fields, written before the file

	start int64 // where r was when the upload began; -1 if it cannot seek
	used  bool  // the body has been opened once

	// The pipe and the writer of the attempt that opened the body last,
	// until finish. The transport may go on reading a body after the
	// reply has come (http.RoundTripper allows it, and net/http does when
	// WeChat answers early), so the writer can outlive its attempt.
	pr   *io.PipeReader
	done chan struct{} // closed when the writer has returned
}

// errAttemptOver stops the writer of an attempt whose reply has come.
var errAttemptOver = errors.New("wechat: upload attempt is over")

func newUpload(field, filename string, r io.Reader, fields map[string]string) *upload {
	u := &upload{field: field, filename: filename, r: r, fields: fields, start: -1}
	if s, ok := r.(io.Seeker); ok {
		if pos, err := s.Seek(0, io.SeekCurrent); err == nil {
			u.start = pos
		}
	}
	return u
}

func (u *upload) open() (io.Reader, string, error) {
	if u.used {
		if u.start < 0 {
			return nil, "", errBodyNotReplayable
		}
		if _, err := u.r.(io.Seeker).Seek(u.start, io.SeekStart); err != nil {
			return nil, "", errBodyNotReplayable
		}
	}
	u.used = true
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan struct{})
	u.pr, u.done = pr, done
	go func() {
		// The transport or finish closes pr, so this goroutine cannot
		// outlive the request.
		defer close(done)
		pw.CloseWithError(u.write(mw))
	}()
	return pr, mw.FormDataContentType(), nil
}

// finish ends the attempt that opened the body last, once its reply has
// been read: its writer stops at its next write. For a reader that can
// seek, finish also waits until the writer has returned, so that the
// file is read by no one when the next attempt rewinds it, nor once the
// call has returned to its caller. A reader that cannot seek is not
// waited for: its Read may block for as long as its source likes, and
// the call must not hang on it; it cannot be sent again anyway.
func (u *upload) finish() {
	if u.pr == nil {
		return
	}
	u.pr.CloseWithError(errAttemptOver)
	if u.start >= 0 {
		<-u.done
	}
	u.pr, u.done = nil, nil
}

func (u *upload) write(mw *multipart.Writer) error {
	// In the order of the names, as a plain form's (newForm): the same
	// upload makes the same bytes.
	for _, k := range slices.Sorted(maps.Keys(u.fields)) {
		if err := mw.WriteField(k, u.fields[k]); err != nil {
			return err
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(u.field), quoteEscaper.Replace(u.filename)))
	ct := mime.TypeByExtension(strings.ToLower(path.Ext(u.filename)))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, u.r); err != nil {
		return err
	}
	return mw.Close()
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")
