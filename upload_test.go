package wechat

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseUpload reads a recorded multipart body.
func parseUpload(t *testing.T, w wire) (fields map[string]string, field, filename, partType string, data []byte) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(w.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mt)
	mr := multipart.NewReader(bytes.NewReader(w.Body), params["boundary"])
	fields = map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		if p.FileName() == "" {
			fields[p.FormName()] = string(b)
			continue
		}
		field, filename, partType, data = p.FormName(), p.FileName(), p.Header.Get("Content-Type"), b
	}
	return
}

func TestUploadStreamsMultipart(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/media/upload", fixture(t, "api/media_upload.json"))
	u := newUpload("media", `a"b.jpg`, strings.NewReader("JPEGDATA"), map[string]string{"description": `{"title":"t"}`})
	require.NoError(t, exec(context.Background(), c, endpoint.MediaUpload, nil, u))

	fields, field, filename, partType, data := parseUpload(t, rec.only(t))
	assert.Equal(t, "media", field)
	assert.Equal(t, `a"b.jpg`, filename)
	assert.Equal(t, "image/jpeg", partType)
	assert.Equal(t, "JPEGDATA", string(data))
	assert.Equal(t, map[string]string{"description": `{"title":"t"}`}, fields)
}

func TestUploadReplaysSeekableReaderAfterTokenError(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", testBase+"/cgi-bin/token", httpmock.NewStringResponder(200, `{"access_token":"fresh","expires_in":7200}`))
	rec := stubSeq(mt, "POST", "/cgi-bin/media/upload", []byte(`{"errcode":40001,"errmsg":"invalid credential"}`), fixture(t, "api/media_upload.json"))
	r := strings.NewReader("xxVOICE")
	_, _ = r.Seek(2, io.SeekStart) // uploads start where the reader is
	require.NoError(t, exec(context.Background(), c, endpoint.MediaUpload, nil, newUpload("media", "v.amr", r, nil)))
	calls := rec.Calls()
	require.Len(t, calls, 2)
	for _, w := range calls {
		_, _, _, _, data := parseUpload(t, w)
		assert.Equal(t, "VOICE", string(data))
	}
	assert.Equal(t, "fresh", calls[1].Query.Get("access_token"))
}

func TestUploadTransportErrorDoesNotLeakGoroutine(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("POST", testBase+"/cgi-bin/media/upload", func(req *http.Request) (*http.Response, error) {
		return nil, io.ErrUnexpectedEOF // the transport does not read the body
	})
	err := exec(context.Background(), c, endpoint.MediaUpload, nil, newUpload("media", "big.bin", io.LimitReader(zeroReader{}, 64<<20), nil))
	require.Error(t, err)
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Extra form fields go out in the order of their names, as a plain
// form's do: the same upload makes the same bytes.
func TestUploadFieldsInNameOrder(t *testing.T) {
	for range 20 {
		u := newUpload("media", "a.jpg", strings.NewReader("J"), map[string]string{"b": "2", "c": "3", "a": "1"})
		r, ct, err := u.open()
		require.NoError(t, err)
		_, params, err := mime.ParseMediaType(ct)
		require.NoError(t, err)
		mr := multipart.NewReader(r, params["boundary"])
		var names []string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			names = append(names, p.FormName())
		}
		require.Equal(t, []string{"a", "b", "c", "media"}, names)
	}
}

// lateBodyTransport answers an upload before reading its body, as a
// gateway that checks the token first may, and reads the body only when
// told to: http.RoundTripper allows a transport to go on reading a
// request body after RoundTrip has returned, and net/http's Transport
// does when a server answers early. The first upload is answered with
// first, every later one is read whole and answered with ok.
type lateBodyTransport struct {
	first string
	// readLate is closed when the first body is to be read.
	readLate chan struct{}
	// lateDone is closed once the first body has been read and closed.
	lateDone chan struct{}

	mu     sync.Mutex
	n      int
	bodies [][]byte // of the later uploads
}

func newLateBodyTransport(first string) *lateBodyTransport {
	return &lateBodyTransport{first: first, readLate: make(chan struct{}), lateDone: make(chan struct{})}
}

func (t *lateBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	reply := func(body string) *http.Response {
		return &http.Response{
			StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
		}
	}
	if req.URL.Path == "/cgi-bin/token" {
		return reply(`{"access_token":"fresh","expires_in":7200}`), nil
	}
	t.mu.Lock()
	t.n++
	n := t.n
	t.mu.Unlock()
	if n == 1 {
		go func() {
			defer close(t.lateDone)
			<-t.readLate
			_, _ = io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}()
		return reply(t.first), nil
	}
	// The second upload arrives while the first body is still unread:
	// let the first be read now, and give it a head start on this one.
	close(t.readLate)
	time.Sleep(20 * time.Millisecond)
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.bodies = append(t.bodies, data)
	t.mu.Unlock()
	return reply(`{"type":"image","media_id":"MEDIA","created_at":1}`), nil
}

// An upload resent after a token rejection sends the whole file again,
// even when the transport is still reading the first attempt's body: the
// first attempt's writer must not keep reading the file the resend
// rewinds.
func TestUploadResendWhileFirstBodyIsStillRead(t *testing.T) {
	lt := newLateBodyTransport(`{"errcode":40001,"errmsg":"invalid credential"}`)
	c, err := New(WithAppID(testAppID), WithAppSecret(testSecret), WithBaseURL(testBase),
		WithHTTPClient(&http.Client{Transport: lt}))
	require.NoError(t, err)
	file := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	err = exec(context.Background(), c, endpoint.MediaUpload, nil, newUpload("media", "a.jpg", bytes.NewReader(file), nil))
	require.NoError(t, err)
	<-lt.lateDone
	require.Len(t, lt.bodies, 1)
	_, _, _, _, data := parseUpload(t, wire{Header: http.Header{"Content-Type": {lastUploadType(t, lt)}}, Body: lt.bodies[0]})
	assert.Equal(t, len(file), len(data), "bytes of the file in the resent upload")
	assert.True(t, bytes.Equal(file, data), "the resent upload carries the file as it is")
}

// lastUploadType recovers the multipart boundary of the recorded body:
// the transport keeps bodies only.
func lastUploadType(t *testing.T, lt *lateBodyTransport) string {
	t.Helper()
	b := lt.bodies[len(lt.bodies)-1]
	line, _, ok := bytes.Cut(b, []byte("\r\n"))
	require.True(t, ok)
	return "multipart/form-data; boundary=" + strings.TrimPrefix(string(line), "--")
}

// countingReader counts the reads made of it after returned is set.
type countingReader struct {
	r         *bytes.Reader
	returned  *atomic.Bool
	lateReads *atomic.Int64
}

func (r countingReader) Read(p []byte) (int, error) {
	if r.returned.Load() {
		r.lateReads.Add(1)
	}
	return r.r.Read(p)
}

func (r countingReader) Seek(off int64, whence int) (int64, error) { return r.r.Seek(off, whence) }

// Once an upload method has returned, the caller's reader is the
// caller's again: nothing of the Client reads it behind the caller's
// back, even when the transport reads the request body late.
func TestUploadReaderNotReadAfterReturn(t *testing.T) {
	lt := newLateBodyTransport(`{"type":"image","media_id":"MEDIA","created_at":1}`)
	c, err := New(WithAppID(testAppID), WithAppSecret(testSecret), WithBaseURL(testBase),
		WithHTTPClient(&http.Client{Transport: lt}))
	require.NoError(t, err)
	var returned atomic.Bool
	var lateReads atomic.Int64
	r := countingReader{r: bytes.NewReader(make([]byte, 1<<20)), returned: &returned, lateReads: &lateReads}
	err = exec(context.Background(), c, endpoint.MediaUpload, nil, newUpload("media", "a.jpg", r, nil))
	require.NoError(t, err)
	returned.Store(true)
	close(lt.readLate)
	<-lt.lateDone
	assert.Zero(t, lateReads.Load(), "reads of the caller's reader after the call returned")
}
