package wechat

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUploadMedia(t *testing.T) {
	tests := []struct {
		typ      MediaType
		filename string
		reply    string
		want     UploadedMedia
	}{
		{MediaImage, "photo.jpg", "api/media_upload.json", UploadedMedia{Type: MediaImage, MediaID: "dPlluMsb5R5uw24i-bUKNi7_MMTJ2enonGNkjmbcSlJjzsD2SdAB7DICkU8JIfjK", CreatedAt: time.Unix(1454546204, 0)}},
		{MediaVoice, "voice.amr", "api/media_upload.json", UploadedMedia{Type: MediaImage, MediaID: "dPlluMsb5R5uw24i-bUKNi7_MMTJ2enonGNkjmbcSlJjzsD2SdAB7DICkU8JIfjK", CreatedAt: time.Unix(1454546204, 0)}},
		{MediaVideo, "clip.mp4", "api/media_upload.json", UploadedMedia{Type: MediaImage, MediaID: "dPlluMsb5R5uw24i-bUKNi7_MMTJ2enonGNkjmbcSlJjzsD2SdAB7DICkU8JIfjK", CreatedAt: time.Unix(1454546204, 0)}},
		// WeChat answers a thumb upload with thumb_media_id.
		{MediaThumb, "cover.jpg", "api/media_upload_thumb.json", UploadedMedia{Type: MediaThumb, MediaID: "SfE42Oy3x2SLQzgaXsUuWgl-ZhTFRS5DMWCFLbCmh9RS1gHGSc5-CMMWCWYu7kLN", CreatedAt: time.Unix(1718691181, 0)}},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/media/upload", fixture(t, tt.reply))
			content := "\x00\x01binary\r\n--not-a-boundary\xff"
			got, err := c.UploadMedia(context.Background(), tt.typ, tt.filename, strings.NewReader(content))
			require.NoError(t, err)
			assert.Equal(t, &tt.want, got)

			w := rec.only(t)
			assertWire(t, w, "POST", "/cgi-bin/media/upload", "")
			assert.Equal(t, string(tt.typ), w.Query.Get("type"))
			fields, field, filename, _, data := parseUpload(t, w)
			assert.Empty(t, fields)
			assert.Equal(t, "media", field)
			assert.Equal(t, tt.filename, filename)
			assert.Equal(t, content, string(data), "file bytes on the wire")
		})
	}
}

func TestUploadMediaPartContentType(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/media/upload", fixture(t, "api/media_upload.json"))
	_, err := c.UploadMedia(context.Background(), MediaImage, "photo.JPG", strings.NewReader("jpeg"))
	require.NoError(t, err)
	_, _, _, partType, _ := parseUpload(t, rec.only(t))
	assert.Equal(t, "image/jpeg", partType)
}

func TestUploadMediaRejects(t *testing.T) {
	tests := []struct {
		name     string
		typ      MediaType
		filename string
		r        io.Reader
	}{
		{"news", MediaNews, "a.jpg", strings.NewReader("x")},
		{"empty type", "", "a.jpg", strings.NewReader("x")},
		{"unknown type", "file", "a.jpg", strings.NewReader("x")},
		{"no filename", MediaImage, " ", strings.NewReader("x")},
		{"nil reader", MediaImage, "a.jpg", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOfflineClient(t)
			_, err := c.UploadMedia(context.Background(), tt.typ, tt.filename, tt.r)
			require.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
}

func TestUploadMediaAPIError(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cgi-bin/media/upload", fixture(t, "api/errors/40004_invalid_media_type.json"))
	_, err := c.UploadMedia(context.Background(), MediaVoice, "a.wav", strings.NewReader("RIFF"))
	assertAPIError(t, err, 40004, "/cgi-bin/media/upload")
}

func TestUploadMediaReplyWithoutID(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cgi-bin/media/upload", fixture(t, "api/ok.json"))
	_, err := c.UploadMedia(context.Background(), MediaImage, "a.jpg", strings.NewReader("x"))
	require.ErrorIs(t, err, ErrUnexpectedResponse)
}

// onlyReader hides every method of a reader but Read, so it is not an
// io.Seeker.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestUploadMediaTokenRetry(t *testing.T) {
	tests := []struct {
		name      string
		r         io.Reader
		wantCalls int
		wantErr   bool
	}{
		{"seekable reader is sent again", strings.NewReader("IMAGE"), 2, false},
		{"non-seekable reader is not", onlyReader{strings.NewReader("IMAGE")}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newTestClient(t)
			mt.RegisterResponder("GET", testBase+"/cgi-bin/token", httpmock.NewStringResponder(200, `{"access_token":"fresh","expires_in":7200}`))
			rec := stubSeq(mt, "POST", "/cgi-bin/media/upload", fixture(t, "api/errors/40001_invalid_credential_rid.json"), fixture(t, "api/media_upload.json"))
			_, err := c.UploadMedia(context.Background(), MediaImage, "a.jpg", tt.r)
			calls := rec.Calls()
			require.Len(t, calls, tt.wantCalls)
			for _, w := range calls {
				_, _, _, _, data := parseUpload(t, w)
				assert.Equal(t, "IMAGE", string(data), "every attempt sends the whole file")
			}
			if tt.wantErr {
				require.ErrorIs(t, err, ErrTokenInvalid, "the token rejection is reported")
				require.ErrorIs(t, err, errBodyNotReplayable)
				assertAPIError(t, err, CodeInvalidCredential, "/cgi-bin/media/upload")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "fresh", calls[1].Query.Get("access_token"))
		})
	}
}

// patternReader yields n deterministic bytes and counts how many it has
// given out.
type patternReader struct {
	n, off int64
	read   atomic.Int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n-p.off)]
	for i := range b {
		b[i] = byte((p.off + int64(i)) * 31 % 251)
	}
	p.off += int64(len(b))
	p.read.Add(int64(len(b)))
	return len(b), nil
}

func patternSum(n int64) [sha256.Size]byte {
	h := sha256.New()
	_, _ = io.Copy(h, &patternReader{n: n})
	var s [sha256.Size]byte
	copy(s[:], h.Sum(nil))
	return s
}

// TestUploadMediaStreamsLargeFile shows that a 32 MiB upload is streamed:
// the server sees the start of the file while most of it is still unread,
// the bytes it receives are exact, and the upload allocates far less than
// the file's size.
func TestUploadMediaStreamsLargeFile(t *testing.T) {
	const size = 32 << 20
	want := patternSum(size)

	c, mt := newTestClient(t)
	src := &patternReader{n: size}
	var (
		readWhenServerStarted int64
		received              int64
		sum                   [sha256.Size]byte
		field, filename       string
	)
	mt.RegisterResponder("POST", testBase+"/cgi-bin/media/upload", func(req *http.Request) (*http.Response, error) {
		_, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
		if err != nil {
			return nil, err
		}
		part, err := multipart.NewReader(req.Body, params["boundary"]).NextPart()
		if err != nil {
			return nil, err
		}
		field, filename = part.FormName(), part.FileName()
		h := sha256.New()
		first := make([]byte, 64<<10)
		n, err := io.ReadFull(part, first)
		if err != nil {
			return nil, err
		}
		readWhenServerStarted = src.read.Load()
		h.Write(first[:n])
		rest, err := io.Copy(h, part)
		if err != nil {
			return nil, err
		}
		received = int64(n) + rest
		copy(sum[:], h.Sum(nil))
		return httpmock.NewBytesResponse(200, fixture(t, "api/media_upload.json")), nil
	})

	var got *UploadedMedia
	var err error
	alloc := allocated(func() { got, err = c.UploadMedia(context.Background(), MediaVideo, "big.mp4", src) })
	require.NoError(t, err)
	assert.NotEmpty(t, got.MediaID)

	assert.Equal(t, "media", field)
	assert.Equal(t, "big.mp4", filename)
	assert.Equal(t, int64(size), received, "bytes of the file part")
	assert.Equal(t, want, sum, "file part is the source, byte for byte")
	assert.Less(t, readWhenServerStarted, int64(1<<20), "the request was in flight before the file was read")
	t.Logf("uploading %d MiB allocated %d KiB", size>>20, alloc>>10)
	assert.Less(t, alloc, uint64(size/8), "the file is not buffered")
}

// BenchmarkUploadMedia reports the allocations of streaming a 10 MiB
// upload; they do not grow with the file.
func BenchmarkUploadMedia(b *testing.B) {
	const size = 10 << 20
	c, mt := newTestClient(b)
	mt.RegisterResponder("POST", testBase+"/cgi-bin/media/upload", func(req *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, req.Body)
		return httpmock.NewBytesResponse(200, fixture(b, "api/media_upload.json")), nil
	})
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.UploadMedia(context.Background(), MediaVideo, "big.mp4", &patternReader{n: size}); err != nil {
			b.Fatal(err)
		}
	}
}

// trackedBody is a response body that records reads and Close.
type trackedBody struct {
	r      io.Reader
	read   atomic.Int64
	closed atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	return n, err
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

// stubFile answers path with a file body and the given headers.
func stubFile(mt *httpmock.MockTransport, path string, body io.ReadCloser, length int64, header http.Header) *recorder {
	return stubWith(mt, "GET", path, func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: header, Body: body, ContentLength: length, Request: req}, nil
	})
}

// TestDownloadStreamsFile checks that a download hands the file over
// unread, with what its headers say, and that Close closes it.
func TestDownloadStreamsFile(t *testing.T) {
	jpeg := bytes.Repeat([]byte("\xff\xd8JPEG"), 4096)
	tests := []struct {
		name                  string
		download              func(*Client, context.Context, string) (*Media, error)
		path, mediaID         string
		content               []byte
		length                int64 // -1 when the response does not say
		contentType, filename string
	}{
		{"DownloadMedia", (*Client).DownloadMedia, "/cgi-bin/media/get", "MEDIA_ID", jpeg, int64(len(jpeg)), "image/jpeg", "MEDIA_ID.jpg"},
		{"DownloadHDVoice", (*Client).DownloadHDVoice, "/cgi-bin/media/get/jssdk", "VOICE_ID", []byte("Speex   speex-1.2"), -1, "voice/speex", "XXX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mt := newTestClient(t)
			body := &trackedBody{r: bytes.NewReader(tt.content)}
			rec := stubFile(mt, tt.path, body, tt.length, http.Header{
				"Content-Type":        {tt.contentType},
				"Content-Disposition": {`attachment; filename="` + tt.filename + `"`},
			})

			m, err := tt.download(c, context.Background(), tt.mediaID)
			require.NoError(t, err)
			w := rec.only(t)
			assertWire(t, w, "GET", tt.path, "")
			assert.Equal(t, tt.mediaID, w.Query.Get("media_id"))

			assert.Zero(t, body.read.Load(), "nothing is read before the caller reads")
			assert.Equal(t, tt.contentType, m.ContentType)
			assert.Equal(t, tt.filename, m.Filename)
			assert.Equal(t, tt.length, m.ContentLength)
			assert.Empty(t, m.VideoURL)
			got, err := io.ReadAll(m.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.content, got)
			require.NoError(t, m.Close())
			assert.True(t, body.closed.Load(), "Close closes the response body")
		})
	}
}

func TestDownloadMediaVideoURL(t *testing.T) {
	c, rec := newStubClient(t, "GET", "/cgi-bin/media/get", fixture(t, "api/media_get_video.json"))
	m, err := c.DownloadMedia(context.Background(), "VIDEO_MEDIA_ID")
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, "VIDEO_MEDIA_ID", rec.only(t).Query.Get("media_id"))
	assert.Equal(t, "DOWN_URL", m.VideoURL)
	got, err := io.ReadAll(m.Body)
	require.NoError(t, err)
	assert.Empty(t, got, "no file body for a video")
}

func TestDownloadMediaJSONError(t *testing.T) {
	for _, ct := range []string{"application/json; encoding=utf-8", "text/plain"} {
		t.Run(ct, func(t *testing.T) {
			c, mt := newTestClient(t)
			body := io.NopCloser(bytes.NewReader(fixture(t, "api/errors/40007_invalid_media_id.json")))
			stubFile(mt, "/cgi-bin/media/get", body, -1, http.Header{"Content-Type": {ct}})
			m, err := c.DownloadMedia(context.Background(), "EXPIRED")
			assert.Nil(t, m)
			apiErr := assertAPIError(t, err, 40007, "/cgi-bin/media/get")
			assert.Equal(t, "invalid media_id", apiErr.Message)
		})
	}
}

func TestDownloadMediaRejectsEmptyID(t *testing.T) {
	c := newOfflineClient(t)
	_, err := c.DownloadMedia(context.Background(), "")
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = c.DownloadHDVoice(context.Background(), " ")
	require.ErrorIs(t, err, ErrInvalidArgument)
}

func TestDownloadHDVoiceUnexpectedJSON(t *testing.T) {
	// media/get/jssdk has no video case: a JSON success is not a file.
	c, _ := newStubClient(t, "GET", "/cgi-bin/media/get/jssdk", fixture(t, "api/media_get_video.json"))
	_, err := c.DownloadHDVoice(context.Background(), "VOICE_ID")
	require.ErrorIs(t, err, ErrUnexpectedResponse)
}

func TestDownloadMediaHTTPError(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", testBase+"/cgi-bin/media/get", httpmock.NewStringResponder(404, "not found"))
	_, err := c.DownloadMedia(context.Background(), "X")
	var httpErr *HTTPError
	require.ErrorAs(t, err, &httpErr)
	assert.Equal(t, 404, httpErr.StatusCode)
	assert.NotContains(t, err.Error(), testToken)
}

func mediaEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.MediaUpload: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UploadMedia(ctx, MediaImage, "photo.jpg", strings.NewReader("JPEG"))
			},
			query: url.Values{"type": {"image"}},
			form:  &wantForm{field: "media", filename: "photo.jpg", data: "JPEG"},
			reply: "api/media_upload.json",
			want:  &UploadedMedia{Type: MediaImage, MediaID: "dPlluMsb5R5uw24i-bUKNi7_MMTJ2enonGNkjmbcSlJjzsD2SdAB7DICkU8JIfjK", CreatedAt: time.Unix(1454546204, 0)},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.UploadMedia(ctx, MediaNews, "photo.jpg", strings.NewReader("JPEG"))
				return err
			},
		},
		endpoint.MediaGet: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return readDownload(c.DownloadMedia(ctx, "MEDIA_ID"))
			},
			query:   url.Values{"media_id": {"MEDIA_ID"}},
			file:    &servedFile{contentType: "image/jpeg", filename: "a.jpg", data: "\xff\xd8JPEG"},
			want:    downloaded{ContentType: "image/jpeg", Filename: "a.jpg", Body: "\xff\xd8JPEG"},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.DownloadMedia(ctx, " "); return err },
		},
		endpoint.MediaGetJSSDK: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return readDownload(c.DownloadHDVoice(ctx, "MEDIA_ID"))
			},
			query:   url.Values{"media_id": {"MEDIA_ID"}},
			file:    &servedFile{contentType: "voice/speex", data: "SPEEX"},
			want:    downloaded{ContentType: "voice/speex", Body: "SPEEX"},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.DownloadHDVoice(ctx, ""); return err },
		},
	}
}
