package wechat

import (
	"bytes"
	"context"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// imageCase is one image service: its call, endpoint, fixture and decoded
// reply.
type imageCase struct {
	name    string
	id      endpoint.ID
	fixture string
	query   map[string]string // besides img_url and access_token
	call    func(c *Client, ctx context.Context, img ImageSource) (any, error)
	want    any
}

func imageCases() []imageCase {
	return []imageCase{
		{"id card front", endpoint.OCRIDCard, "ocr_idcard_front.json", map[string]string{"type": "photo"},
			func(c *Client, ctx context.Context, img ImageSource) (any, error) {
				return c.OCRIDCard(ctx, img, OCRPhoto)
			},
			&IDCardOCR{Type: IDCardFront, Name: "张三", ID: "123456789012345678", Addr: "广东省广州市", Gender: "男", Nationality: "汉"}},
		{"id card back", endpoint.OCRIDCard, "ocr_idcard_back.json", map[string]string{"type": "scan"},
			func(c *Client, ctx context.Context, img ImageSource) (any, error) {
				return c.OCRIDCard(ctx, img, OCRScan)
			},
			&IDCardOCR{Type: IDCardBack, ValidDate: "20070105-20270105"}},
		{"bank card", endpoint.OCRBankCard, "ocr_bankcard.json", nil,
			func(c *Client, ctx context.Context, img ImageSource) (any, error) { return c.OCRBankCard(ctx, img) },
			&BankCardOCR{Number: "24234234345234"}},
		{"vehicle licence", endpoint.OCRVehicleLicense, "ocr_driving.json", nil,
			func(c *Client, ctx context.Context, img ImageSource) (any, error) {
				return c.OCRVehicleLicense(ctx, img)
			},
			&VehicleLicenseOCR{
				PlateNum: "粤xxxxx", VehicleType: "小型普通客车", Owner: "东莞市xxxxx机械厂", Addr: "广东省东莞市xxxxx号",
				UseCharacter: "非营运", Model: "江淮牌HFCxxxxxxx", VIN: "LJ166xxxxxxxx51", EngineNum: "J3xxxxx3",
				RegisterDate: "2018-07-06", IssueDate: "2018-07-01", PlateNumB: "粤xxxxx", Record: "441xxxxxx3",
				PassengersNum: "7人", TotalQuality: "2700kg", PrepareQuality: "1995kg", OverallSize: "4582x1795x1458mm",
				CardPositionFront: &ImageQuad{ImagePoint{119, 76}, ImagePoint{1084, 76}, ImagePoint{1084, 718}, ImagePoint{119, 718}},
				CardPositionBack:  &ImageQuad{ImagePoint{1168, 90}, ImagePoint{2160, 90}, ImagePoint{2160, 716}, ImagePoint{1168, 716}},
				ImgSize:           ImageSize{W: 2258, H: 1018},
			}},
		{"driving licence", endpoint.OCRDrivingLicense, "ocr_drivinglicense.json", nil,
			func(c *Client, ctx context.Context, img ImageSource) (any, error) {
				return c.OCRDrivingLicense(ctx, img)
			},
			&DrivingLicenseOCR{IDNum: "660601xxxxxxxx1234", Name: "张三", Sex: "男", Nationality: "中国", Address: "广东省东莞市xxxxx号",
				BirthDate: "1990-12-21", IssueDate: "2012-12-21", CarClass: "C1", ValidFrom: "2018-07-06", ValidTo: "2020-07-01",
				OfficialSeal: "xx市公安局公安交通管理局"}},
		{"business licence", endpoint.OCRBizLicense, "ocr_bizlicense.json", nil,
			func(c *Client, ctx context.Context, img ImageSource) (any, error) {
				return c.OCRBusinessLicense(ctx, img)
			},
			&BusinessLicenseOCR{RegNum: "123123", Serial: "123123", LegalRepresentative: "张三", EnterpriseName: "XX饮食店",
				TypeOfOrganization: "个人经营", Address: "XX市XX区XX路XX号", TypeOfEnterprise: "xxx",
				BusinessScope: "中型餐馆(不含凉菜、不含裱花蛋糕，不含生食海产品)。", RegisteredCapital: "200万", PaidInCapital: "200万",
				ValidPeriod: "2019年1月1日", RegisteredDate: "2018年1月1日",
				CertPosition: &ImageQuad{ImagePoint{155, 191}, ImagePoint{725, 157}, ImagePoint{743, 512}, ImagePoint{164, 525}},
				ImgSize:      ImageSize{W: 966, H: 728}}},
		{"printed text", endpoint.OCRPrintedText, "ocr_comm.json", nil,
			func(c *Client, ctx context.Context, img ImageSource) (any, error) { return c.OCRPrintedText(ctx, img) },
			&PrintedTextOCR{Items: []TextItem{
				{Text: "腾讯", Pos: ImageQuad{ImagePoint{575, 519}, ImagePoint{744, 519}, ImagePoint{744, 532}, ImagePoint{573, 532}}},
				{Text: "微信团队", Pos: ImageQuad{ImagePoint{670, 516}, ImagePoint{762, 517}, ImagePoint{762, 532}, ImagePoint{670, 531}}},
			}, ImgSize: ImageSize{W: 1280, H: 720}}},
		{"qr code", endpoint.ImgQRCode, "img_qrcode.json", nil,
			func(c *Client, ctx context.Context, img ImageSource) (any, error) { return c.ScanQRCode(ctx, img) },
			&CodeScan{Codes: []CodeResult{
				{TypeName: "QR_CODE", Data: "https://www.qq.com", Pos: &ImageQuad{ImagePoint{585, 378}, ImagePoint{828, 378}, ImagePoint{828, 618}, ImagePoint{585, 618}}},
				{TypeName: "QR_CODE", Data: "https://mp.weixin.qq.com", Pos: &ImageQuad{ImagePoint{185, 142}, ImagePoint{396, 142}, ImagePoint{396, 353}, ImagePoint{185, 353}}},
				{TypeName: "EAN_13", Data: "5906789678957"},
				{TypeName: "CODE_128", Data: "50090500019191"},
			}, ImgSize: ImageSize{W: 1000, H: 900}}},
		{"ai crop", endpoint.ImgAICrop, "img_aicrop.json", nil,
			func(c *Client, ctx context.Context, img ImageSource) (any, error) { return c.SuggestCrops(ctx, img) },
			&CropSuggestions{Results: []CropRect{{112, 0, 839, 727}, {0, 205, 965, 615}}, ImgSize: ImageSize{W: 966, H: 728}}},
		{"super resolution", endpoint.ImgSuperResolution, "img_superresolution.json", nil,
			func(c *Client, ctx context.Context, img ImageSource) (any, error) { return c.UpscaleImage(ctx, img) },
			"6WXsIXkG7lXuDLspD9xfm5dsvHzb0EFl0li6ySxi92ap8Vl3zZoD9DpOyNudeJGB"},
	}
}

func TestImageServicesByUpload(t *testing.T) {
	for _, tc := range imageCases() {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newTestClient(t)
			path := endpoint.Get(tc.id).Path
			rec := stub(mt, "POST", path, fixture(t, "api/"+tc.fixture))
			got, err := tc.call(c, context.Background(), ImageFile("card.png", strings.NewReader("PNGDATA")))
			require.NoError(t, err)
			w := rec.only(t)
			assertWire(t, w, "POST", path, "")
			assert.False(t, w.Query.Has("img_url"))
			for k, v := range tc.query {
				assert.Equal(t, v, w.Query.Get(k), k)
			}
			fields, field, filename, partType, data := parseUpload(t, w)
			assert.Empty(t, fields)
			assert.Equal(t, "img", field)
			assert.Equal(t, "card.png", filename)
			assert.Equal(t, "image/png", partType)
			assert.Equal(t, "PNGDATA", string(data))
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestImageServiceErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range imageCases() {
		t.Run(tc.name+" invalid image", func(t *testing.T) {
			c := newOfflineClient(t)
			for name, img := range map[string]ImageSource{
				"zero":        {},
				"relative":    ImageURL("/a.jpg"),
				"no filename": ImageFile("", strings.NewReader("x")),
				"nil reader":  ImageFile("a.jpg", nil),
			} {
				_, err := tc.call(c, ctx, img)
				assert.ErrorIs(t, err, ErrInvalidArgument, name)
			}
		})
	}
}

func TestOCRIDCardMode(t *testing.T) {
	c := newOfflineClient(t)
	_, err := c.OCRIDCard(context.Background(), ImageURL("https://example.com/a.jpg"), "auto")
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestVehicleLicenseMisspeltType(t *testing.T) {
	// The Mini Program reference's example spells the field "vhicle_type".
	var v VehicleLicenseOCR
	require.NoError(t, v.UnmarshalJSON([]byte(`{"vhicle_type":"小型普通客⻋","owner":"o"}`)))
	assert.Equal(t, "小型普通客⻋", v.VehicleType)
	assert.Nil(t, v.CardPositionFront)
}

func TestAICropRatios(t *testing.T) {
	ctx := context.Background()
	t.Run("upload", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cv/img/aicrop", fixture(t, "api/img_aicrop.json"))
		_, err := c.SuggestCrops(ctx, ImageFile("a.jpg", strings.NewReader("JPG")), 1, 2.35)
		require.NoError(t, err)
		fields, field, _, _, data := parseUpload(t, rec.only(t))
		assert.Equal(t, map[string]string{"ratios": "1,2.35"}, fields)
		assert.Equal(t, "img", field)
		assert.Equal(t, "JPG", string(data))
	})
	t.Run("url", func(t *testing.T) {
		c, rec := newStubClient(t, "POST", "/cv/img/aicrop", fixture(t, "api/img_aicrop.json"))
		_, err := c.SuggestCrops(ctx, ImageURL("https://example.com/a.jpg"), 1.5)
		require.NoError(t, err)
		w := rec.only(t)
		assert.Equal(t, "https://example.com/a.jpg", w.Query.Get("img_url"))
		mediaType, params, err := mime.ParseMediaType(w.Header.Get("Content-Type"))
		require.NoError(t, err)
		assert.Equal(t, "multipart/form-data", mediaType)
		form, err := multipart.NewReader(bytes.NewReader(w.Body), params["boundary"]).ReadForm(1 << 10)
		require.NoError(t, err)
		assert.Equal(t, map[string][]string{"ratios": {"1.5"}}, form.Value)
		assert.Empty(t, form.File)
	})
	t.Run("invalid", func(t *testing.T) {
		c := newOfflineClient(t)
		img := ImageURL("https://example.com/a.jpg")
		_, err := c.SuggestCrops(ctx, img, 1, 2, 3, 4, 5, 6)
		assert.ErrorIs(t, err, ErrInvalidArgument)
		_, err = c.SuggestCrops(ctx, img, 0)
		assert.ErrorIs(t, err, ErrInvalidArgument)
	})
}

func TestImageUploadReplayedAfterTokenRefresh(t *testing.T) {
	// A seekable image is sent again, whole, after WeChat rejects the token.
	c, mt := newTestClient(t)
	stub(mt, "GET", "/cgi-bin/token", fixture(t, "api/token.json"))
	rec := stubSeq(mt, "POST", "/cv/ocr/bankcard", fixture(t, "api/errors/40001_invalid_credential_rid.json"), fixture(t, "api/ocr_bankcard.json"))
	got, err := c.OCRBankCard(context.Background(), ImageFile("card.jpg", bytes.NewReader([]byte("JPEGDATA"))))
	require.NoError(t, err)
	assert.Equal(t, "24234234345234", got.Number)
	calls := rec.Calls()
	require.Len(t, calls, 2)
	_, _, _, _, data := parseUpload(t, calls[1])
	assert.Equal(t, "JPEGDATA", string(data))
	assert.NotEqual(t, testToken, calls[1].Query.Get("access_token"))
}

func TestSuperResolutionWithoutMediaID(t *testing.T) {
	c, _ := newStubClient(t, "POST", "/cv/img/superresolution", fixture(t, "api/ok.json"))
	_, err := c.UpscaleImage(context.Background(), ImageURL("https://example.com/a.jpg"))
	assert.ErrorIs(t, err, ErrUnexpectedResponse)
}

func ocrEndpoints() map[endpoint.ID]endpointCase {
	const imgURL = "https://example.com/card.jpg?size=l&v=2"
	cases := map[endpoint.ID]endpointCase{}
	for _, tc := range imageCases() {
		if _, ok := cases[tc.id]; ok {
			continue // one case an endpoint: the id card's front
		}
		q := url.Values{"img_url": {imgURL}}
		for k, v := range tc.query {
			q.Set(k, v)
		}
		cases[tc.id] = endpointCase{
			// The image is WeChat's to fetch: no body.
			call:  func(ctx context.Context, c *Client) (any, error) { return tc.call(c, ctx, ImageURL(imgURL)) },
			query: q,
			reply: "api/" + tc.fixture,
			want:  tc.want,
			invalid: func(ctx context.Context, c *Client) error {
				_, err := tc.call(c, ctx, ImageURL("/a.jpg"))
				return err
			},
		}
	}
	return cases
}
