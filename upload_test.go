package wechat

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

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
