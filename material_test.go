package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddMaterial(t *testing.T) {
	tests := []struct {
		typ      MediaType
		filename string
		partType string
	}{
		{MediaImage, "cover.png", "image/png"},
		{MediaVoice, "hello.mp3", ""}, // the type of .mp3 depends on the system's MIME table
		{MediaThumb, "thumb.jpg", "image/jpeg"},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			c, rec := newStubClient(t, "POST", "/cgi-bin/material/add_material", fixture(t, "api/material_add_material_image.json"))
			m, err := c.AddMaterial(context.Background(), tt.typ, tt.filename, strings.NewReader("FILEDATA"))
			require.NoError(t, err)
			assert.Equal(t, &Material{MediaID: "MEDIA_ID_654321", URL: "https://example.com/image.jpg"}, m)

			w := rec.only(t)
			assertWire(t, w, "POST", "/cgi-bin/material/add_material", "")
			assert.Equal(t, url.Values{"access_token": {testToken}, "type": {string(tt.typ)}}, w.Query)
			fields, field, filename, partType, data := parseUpload(t, w)
			assert.Empty(t, fields)
			assert.Equal(t, "media", field)
			assert.Equal(t, tt.filename, filename)
			if tt.partType != "" {
				assert.Equal(t, tt.partType, partType)
			}
			assert.Equal(t, "FILEDATA", string(data))
		})
	}
}

func TestAddVideoMaterial(t *testing.T) {
	c, rec := newStubClient(t, "POST", "/cgi-bin/material/add_material", fixture(t, "api/material_add_material_video.json"))
	m, err := c.AddVideoMaterial(context.Background(), "clip.mp4", strings.NewReader("MP4"), "Launch <day>", "Q&A \"live\"")
	require.NoError(t, err)
	assert.Equal(t, &Material{MediaID: "MEDIA_ID_123456"}, m)

	w := rec.only(t)
	assert.Equal(t, "video", w.Query.Get("type"))
	fields, field, filename, partType, data := parseUpload(t, w)
	assert.Equal(t, "media", field)
	assert.Equal(t, "clip.mp4", filename)
	assert.NotEmpty(t, partType)
	assert.Equal(t, "MP4", string(data))
	require.Contains(t, fields, "description")
	assert.JSONEq(t, `{"title":"Launch <day>","introduction":"Q&A \"live\""}`, fields["description"])
	assert.Contains(t, fields["description"], "<day>", "no HTML escaping")
}

func TestAddMaterialRejects(t *testing.T) {
	c := newOfflineClient(t)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"video without title": func() error { _, err := c.AddMaterial(ctx, MediaVideo, "v.mp4", strings.NewReader("x")); return err },
		"news":                func() error { _, err := c.AddMaterial(ctx, MediaNews, "n.txt", strings.NewReader("x")); return err },
		"unknown type":        func() error { _, err := c.AddMaterial(ctx, "file", "f.pdf", strings.NewReader("x")); return err },
		"nil reader":          func() error { _, err := c.AddMaterial(ctx, MediaImage, "a.jpg", nil); return err },
		"no extension":        func() error { _, err := c.AddMaterial(ctx, MediaImage, "photo", strings.NewReader("x")); return err },
		"empty video title": func() error {
			_, err := c.AddVideoMaterial(ctx, "v.mp4", strings.NewReader("x"), "", "intro")
			return err
		},
	} {
		assert.ErrorIs(t, call(), ErrInvalidArgument, name)
	}
}

func TestAddMaterialNotRetriedAfterNetworkError(t *testing.T) {
	// A retry after a lost reply would add the material twice.
	c, mt := newTestClient(t)
	calls := 0
	mt.RegisterResponder("POST", testBase+"/cgi-bin/material/add_material", func(req *http.Request) (*http.Response, error) {
		calls++
		_, _ = io.Copy(io.Discard, req.Body)
		return nil, errors.New("connection reset by peer")
	})
	_, err := c.AddMaterial(context.Background(), MediaImage, "a.jpg", strings.NewReader("JPEG"))
	require.Error(t, err)
	assert.Equal(t, 1, calls)
}

func TestGetMaterial(t *testing.T) {
	t.Run("video", func(t *testing.T) {
		c, mt := newTestClient(t)
		mt.RegisterResponder("POST", testBase+"/cgi-bin/material/get_material", func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewBytesResponse(200, fixture(t, "api/material_get_material_video.json"))
			resp.Header.Set("Content-Type", "text/plain")
			return resp, nil
		})
		m, err := c.GetMaterial(context.Background(), "MEDIA_ID")
		require.NoError(t, err)
		assert.Equal(t, &MaterialContent{Video: &VideoMaterial{Title: "TITLE", Description: "DESCRIPTION", DownURL: "DOWN_URL"}}, m)
	})

	t.Run("binary", func(t *testing.T) {
		c, mt := newTestClient(t)
		rec := stubWith(mt, "POST", "/cgi-bin/material/get_material", func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(200, "\xff\xd8\xff\xe0JFIF")
			resp.Header.Set("Content-Type", "image/jpeg")
			resp.Header.Set("Content-Disposition", `attachment; filename="MEDIA_ID.jpg"`)
			return resp, nil
		})
		m, err := c.GetMaterial(context.Background(), "MEDIA_ID")
		require.NoError(t, err)
		require.NotNil(t, m.File)
		assert.Nil(t, m.News)
		assert.Nil(t, m.Video)
		defer m.File.Body.Close()
		b, err := io.ReadAll(m.File.Body)
		require.NoError(t, err)
		assert.Equal(t, "\xff\xd8\xff\xe0JFIF", string(b))
		assert.Equal(t, "image/jpeg", m.File.ContentType)
		assert.Equal(t, "MEDIA_ID.jpg", m.File.Filename)
		assertWire(t, rec.only(t), "POST", "/cgi-bin/material/get_material", `{"media_id":"MEDIA_ID"}`)
	})

	t.Run("invalid media_id", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/material/get_material", fixture(t, "api/errors/40007_invalid_media_id.json"))
		_, err := c.GetMaterial(context.Background(), "NOPE")
		assertAPIError(t, err, 40007, "/cgi-bin/material/get_material")
	})

	t.Run("unknown JSON", func(t *testing.T) {
		c, _ := newStubClient(t, "POST", "/cgi-bin/material/get_material", []byte(`{"something":"else"}`))
		_, err := c.GetMaterial(context.Background(), "MEDIA_ID")
		assert.ErrorIs(t, err, ErrUnexpectedResponse)
	})
}

func materialItem(id string) string {
	return fmt.Sprintf(`{"media_id":%q,"name":"%s.jpg","update_time":1620000000,"url":"http://mmbiz.qpic.cn/%s"}`, id, id, id)
}

func TestMaterials(t *testing.T) {
	pages := fiveItemPages(materialItem, "M")
	t.Run("three pages", func(t *testing.T) {
		names := walkBatchPages(t, "/cgi-bin/material/batchget_material", pages, `{"type":"video","offset":%d,"count":20}`,
			func(c *Client) iter.Seq2[MaterialItem, error] { return c.Materials(context.Background(), MediaVideo) },
			func(m MaterialItem) string { return m.Name })
		assert.Equal(t, []string{"M1.jpg", "M2.jpg", "M3.jpg", "M4.jpg", "M5.jpg"}, names)
	})
	t.Run("early break", func(t *testing.T) {
		calls := breakBatchPages(t, "/cgi-bin/material/batchget_material", pages,
			func(c *Client) iter.Seq2[MaterialItem, error] { return c.Materials(context.Background(), MediaVoice) },
			func(m MaterialItem) string { return m.MediaID }, "M4")
		assert.Len(t, calls, 2, "no request after the break")
	})
	t.Run("types that cannot be listed", func(t *testing.T) {
		c := newOfflineClient(t)
		for _, typ := range []MediaType{MediaNews, MediaThumb, ""} {
			n := 0
			for _, err := range c.Materials(context.Background(), typ) {
				n++
				assert.ErrorIs(t, err, ErrInvalidArgument)
			}
			assert.Equal(t, 1, n)
		}
	})
}

func TestNewsMaterials(t *testing.T) {
	t.Run("documented page", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cgi-bin/material/batchget_material", fixture(t, "api/material_batchget_material_news.json"))
		for m, err := range c.NewsMaterials(context.Background()) {
			require.NoError(t, err)
			assert.Equal(t, NewsMaterial{MediaID: "MEDIA_ID", UpdateTime: time.Unix(1620000000, 0), Articles: []NewsArticle{{
				Title: "TITLE", ThumbMediaID: "THUMB_MEDIA_ID", ShowCoverPic: true, Author: "AUTHOR", Digest: "DIGEST",
				Content: "CONTENT", URL: "URL", ContentSourceURL: "CONTENT_SOURCE_URL",
			}}}, m)
			break
		}
		assertWire(t, rec.only(t), "POST", "/cgi-bin/material/batchget_material", `{"type":"news","offset":0,"count":20}`)
	})

	t.Run("three pages", func(t *testing.T) {
		pages := fiveItemPages(draftItem, "N")
		ids := walkBatchPages(t, "/cgi-bin/material/batchget_material", pages, `{"type":"news","offset":%d,"count":20}`,
			func(c *Client) iter.Seq2[NewsMaterial, error] { return c.NewsMaterials(context.Background()) },
			func(m NewsMaterial) string { return m.MediaID })
		assert.Equal(t, []string{"N1", "N2", "N3", "N4", "N5"}, ids)
	})
}

// firstItem returns the first item of an iterator, for the cases of the
// paged endpoints: one page is one request.
func firstItem[T any](seq iter.Seq2[T, error]) (any, error) {
	for v, err := range seq {
		return v, err
	}
	return nil, errors.New("no item")
}

func materialEndpoints() map[endpoint.ID]endpointCase {
	return map[endpoint.ID]endpointCase{
		endpoint.MaterialAdd: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddMaterial(ctx, MediaImage, "cover.png", strings.NewReader("FILEDATA"))
			},
			query: url.Values{"type": {"image"}},
			form:  &wantForm{field: "media", filename: "cover.png", data: "FILEDATA"},
			reply: "api/material_add_material_image.json",
			want:  &Material{MediaID: "MEDIA_ID_654321", URL: "https://example.com/image.jpg"},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.AddMaterial(ctx, MediaNews, "n.txt", strings.NewReader("x"))
				return err
			},
		},
		endpoint.MediaUploadImg: {
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UploadArticleImage(ctx, "inline.JPG", strings.NewReader("JPEG"))
			},
			form:  &wantForm{field: "media", filename: "inline.JPG", data: "JPEG"},
			reply: "api/media_uploadimg.json",
			// Returned as sent, literal space included.
			want: "http://mmbiz.qpic.cn/mmbiz/gLO17UPS6FS2xsypf378iaNhWacZ1G1UplZYWEYfwvuU6Ont96b1roYs CNFwaRrSaKTPCUdBK9DgEHicsKwWCBRQ/0",
			invalid: func(ctx context.Context, c *Client) error {
				_, err := c.UploadArticleImage(ctx, "anim.gif", strings.NewReader("GIF"))
				return err
			},
		},
		endpoint.MaterialGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return c.GetMaterial(ctx, "MEDIA_ID") },
			body:  `{"media_id":"MEDIA_ID"}`,
			reply: "api/material_get_material_news.json",
			want: &MaterialContent{News: []NewsArticle{{
				Title: "TITLE", ThumbMediaID: "THUMB_MEDIA_ID", ShowCoverPic: true, Author: "AUTHOR", Digest: "DIGEST",
				Content: "CONTENT", URL: "URL", ContentSourceURL: "CONTENT_SOURCE_URL",
			}}},
			invalid: func(ctx context.Context, c *Client) error { _, err := c.GetMaterial(ctx, ""); return err },
		},
		endpoint.MaterialDel: execCase(`{"media_id":"MEDIA_ID"}`,
			func(ctx context.Context, c *Client) error { return c.DeleteMaterial(ctx, "MEDIA_ID") },
			func(ctx context.Context, c *Client) error { return c.DeleteMaterial(ctx, "") }),
		endpoint.MaterialCount: {
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetMaterialCount(ctx) },
			reply:  "api/material_get_materialcount.json",
			want:   &MaterialCount{Voice: 1, Video: 2, Image: 3, News: 4},
			noArgs: true,
		},
		endpoint.MaterialBatchGet: {
			call:  func(ctx context.Context, c *Client) (any, error) { return firstItem(c.Materials(ctx, MediaImage)) },
			body:  `{"type":"image","offset":0,"count":20}`,
			reply: "api/material_batchget_material_image.json",
			want:  MaterialItem{MediaID: "MEDIA_ID", Name: "IMAGE.jpg", URL: "http://mmbiz.qpic.cn/xxx", UpdateTime: time.Unix(1620000000, 0)},
			invalid: func(ctx context.Context, c *Client) error {
				_, err := firstItem(c.Materials(ctx, MediaThumb))
				return err
			},
		},
	}
}
