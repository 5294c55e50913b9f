package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"mime/multipart"
	"slices"
	"strconv"
	"strings"

	"github.com/mpkit/wechat/internal/endpoint"
)

// ImageSource is the image an image service reads. Build it with ImageURL
// or ImageFile; the zero value is rejected.
//
// The image services (智能接口: OCR and image processing: Client.OCRIDCard
// and the other OCR methods, ScanQRCode, SuggestCrops, UpscaleImage) each
// read one image, given either as a URL WeChat downloads (ImageURL) or as
// a file uploaded with the request (ImageFile). Images must be under
// 2 MB. The daily free quota is small; Client.GetAPIQuota shows what is
// left.
type ImageSource struct {
	url      string
	filename string
	r        io.Reader
}

// ImageURL is an image WeChat downloads from u.
func ImageURL(u string) ImageSource { return ImageSource{url: u} }

// ImageFile is an image uploaded with the request, streamed from r.
// WeChat takes its type from filename's extension. If r is an io.Seeker
// the upload can be repeated after a token refresh or a network error.
func ImageFile(filename string, r io.Reader) ImageSource {
	return ImageSource{filename: filename, r: r}
}

// callImage calls the image service id with img and decodes its reply
// into a new R. The image is img_url in the query, or the file in the
// multipart field "img"; fields are extra form fields (sent as a form of
// their own when the image is a URL).
func callImage[R any](ctx context.Context, c *Client, id endpoint.ID, img ImageSource, q query, fields map[string]string) (*R, error) {
	var body any
	switch {
	case img.url != "" && img.r == nil:
		if err := checkHTTPURL("image URL", img.url); err != nil {
			return nil, err
		}
		q = append(q, param{"img_url", img.url})
		if len(fields) > 0 {
			body = newForm(fields)
		}
	case img.url == "" && img.r != nil:
		if img.filename == "" {
			return nil, invalidArg("image filename is empty")
		}
		body = newUpload("img", img.filename, img.r, fields)
	default:
		return nil, invalidArg("no image: use ImageURL or ImageFile")
	}
	return call[R](ctx, c, id, q, body)
}

// form is a multipart form of plain fields, small enough to hold in
// memory and send again. It is a bodySource.
type form struct {
	keys   []string // sorted, so that the body is the same every time
	fields map[string]string
}

func newForm(fields map[string]string) *form {
	return &form{keys: slices.Sorted(maps.Keys(fields)), fields: fields}
}

func (f *form) open() (io.Reader, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range f.keys {
		if err := mw.WriteField(k, f.fields[k]); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, mw.FormDataContentType(), nil
}

// Geometry shared by the replies.

// ImagePoint is a pixel position, from the top left corner.
type ImagePoint struct {
	X int `json:"x"`
	Y int `json:"y"`
}

// ImageQuad is the four corners of a region of the image.
type ImageQuad struct {
	LeftTop     ImagePoint `json:"left_top"`
	RightTop    ImagePoint `json:"right_top"`
	RightBottom ImagePoint `json:"right_bottom"`
	LeftBottom  ImagePoint `json:"left_bottom"`
}

// ImageSize is the width and height of the image, in pixels.
type ImageSize struct {
	W int `json:"w"`
	H int `json:"h"`
}

// wrappedQuad is how some replies nest a region: {"pos": {...}}.
type wrappedQuad struct {
	Pos ImageQuad `json:"pos"`
}

func (w *wrappedQuad) quad() *ImageQuad {
	if w == nil {
		return nil
	}
	q := w.Pos
	return &q
}

// OCRMode tells the ID-card service how the picture was taken.
type OCRMode string

// ID-card picture modes.
const (
	OCRPhoto OCRMode = "photo" // 拍照模式: a photo with background
	OCRScan  OCRMode = "scan"  // 扫描模式: a scan without background
)

// ID card sides.
const (
	IDCardFront = "Front"
	IDCardBack  = "Back"
)

// IDCardOCR is a recognised Chinese resident ID card. The front side sets
// the personal fields, the back side ValidDate.
type IDCardOCR struct {
	// Type is the side: IDCardFront or IDCardBack.
	Type        string `json:"type"`
	Name        string `json:"name"`
	ID          string `json:"id"`
	Addr        string `json:"addr"`
	Gender      string `json:"gender"`
	Nationality string `json:"nationality"`
	// ValidDate is the validity period as printed ("20070105-20270105").
	ValidDate string `json:"valid_date"`
}

// OCRIDCard reads an ID card (身份证OCR识别, [cv/ocr/idcard]).
//
// [cv/ocr/idcard]: https://developers.weixin.qq.com/doc/service/api/openpoc/ocr/api_idcardocr.html
func (c *Client) OCRIDCard(ctx context.Context, img ImageSource, mode OCRMode) (*IDCardOCR, error) {
	if mode != OCRPhoto && mode != OCRScan {
		return nil, invalidArg("OCR mode %q is neither photo nor scan", mode)
	}
	return callImage[IDCardOCR](ctx, c, endpoint.OCRIDCard, img, query{{"type", string(mode)}}, nil)
}

// BankCardOCR is a recognised bank card.
type BankCardOCR struct {
	Number string `json:"number"`
}

// OCRBankCard reads the number of a bank card (银行卡OCR识别,
// [cv/ocr/bankcard]).
//
// [cv/ocr/bankcard]: https://developers.weixin.qq.com/doc/service/api/openpoc/ocr/api_bankcardocr.html
func (c *Client) OCRBankCard(ctx context.Context, img ImageSource) (*BankCardOCR, error) {
	return callImage[BankCardOCR](ctx, c, endpoint.OCRBankCard, img, nil, nil)
}

// VehicleLicenseOCR is a recognised vehicle licence (行驶证).
type VehicleLicenseOCR struct {
	PlateNum       string `json:"plate_num"`
	VehicleType    string `json:"vehicle_type"`
	Owner          string `json:"owner"`
	Addr           string `json:"addr"`
	UseCharacter   string `json:"use_character"`
	Model          string `json:"model"`
	VIN            string `json:"vin"`
	EngineNum      string `json:"engine_num"`
	RegisterDate   string `json:"register_date"`
	IssueDate      string `json:"issue_date"`
	PlateNumB      string `json:"plate_num_b"`
	Record         string `json:"record"`
	PassengersNum  string `json:"passengers_num"`
	TotalQuality   string `json:"total_quality"`
	PrepareQuality string `json:"prepare_quality"`
	OverallSize    string `json:"overall_size"`
	// CardPositionFront and CardPositionBack locate the two sides, when
	// they were found.
	CardPositionFront *ImageQuad `json:"-"`
	CardPositionBack  *ImageQuad `json:"-"`
	ImgSize           ImageSize  `json:"img_size"`
}

// UnmarshalJSON unwraps the card positions and accepts "vhicle_type", the
// spelling of the Mini Program reference's example.
func (v *VehicleLicenseOCR) UnmarshalJSON(b []byte) error {
	type plain VehicleLicenseOCR
	var w struct {
		plain
		Misspelt string       `json:"vhicle_type"`
		Front    *wrappedQuad `json:"card_position_front"`
		Back     *wrappedQuad `json:"card_position_back"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*v = VehicleLicenseOCR(w.plain)
	if v.VehicleType == "" {
		v.VehicleType = w.Misspelt
	}
	v.CardPositionFront, v.CardPositionBack = w.Front.quad(), w.Back.quad()
	return nil
}

// OCRVehicleLicense reads a vehicle licence (行驶证OCR识别, [cv/ocr/driving]).
//
// [cv/ocr/driving]: https://developers.weixin.qq.com/doc/service/api/openpoc/ocr/api_drivingocr.html
func (c *Client) OCRVehicleLicense(ctx context.Context, img ImageSource) (*VehicleLicenseOCR, error) {
	return callImage[VehicleLicenseOCR](ctx, c, endpoint.OCRVehicleLicense, img, nil, nil)
}

// DrivingLicenseOCR is a recognised driving licence (驾驶证).
type DrivingLicenseOCR struct {
	IDNum        string `json:"id_num"`
	Name         string `json:"name"`
	Sex          string `json:"sex"`
	Nationality  string `json:"nationality"`
	Address      string `json:"address"`
	BirthDate    string `json:"birth_date"`
	IssueDate    string `json:"issue_date"`
	CarClass     string `json:"car_class"`
	ValidFrom    string `json:"valid_from"`
	ValidTo      string `json:"valid_to"`
	OfficialSeal string `json:"official_seal"`
}

// OCRDrivingLicense reads a driving licence (驾驶证OCR识别,
// [cv/ocr/drivinglicense]).
//
// [cv/ocr/drivinglicense]: https://developers.weixin.qq.com/doc/service/api/openpoc/ocr/api_drivinglicenseocr.html
func (c *Client) OCRDrivingLicense(ctx context.Context, img ImageSource) (*DrivingLicenseOCR, error) {
	return callImage[DrivingLicenseOCR](ctx, c, endpoint.OCRDrivingLicense, img, nil, nil)
}

// BusinessLicenseOCR is a recognised business licence (营业执照).
type BusinessLicenseOCR struct {
	RegNum              string `json:"reg_num"`
	Serial              string `json:"serial"`
	LegalRepresentative string `json:"legal_representative"`
	EnterpriseName      string `json:"enterprise_name"`
	TypeOfOrganization  string `json:"type_of_organization"`
	Address             string `json:"address"`
	TypeOfEnterprise    string `json:"type_of_enterprise"`
	BusinessScope       string `json:"business_scope"`
	RegisteredCapital   string `json:"registered_capital"`
	PaidInCapital       string `json:"paid_in_capital"`
	ValidPeriod         string `json:"valid_period"`
	RegisteredDate      string `json:"registered_date"`
	// CertPosition locates the licence in the image.
	CertPosition *ImageQuad `json:"-"`
	ImgSize      ImageSize  `json:"img_size"`
}

// UnmarshalJSON unwraps cert_position.
func (l *BusinessLicenseOCR) UnmarshalJSON(b []byte) error {
	type plain BusinessLicenseOCR
	var w struct {
		plain
		Cert *wrappedQuad `json:"cert_position"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*l = BusinessLicenseOCR(w.plain)
	l.CertPosition = w.Cert.quad()
	return nil
}

// OCRBusinessLicense reads a business licence (营业执照OCR识别,
// [cv/ocr/bizlicense]).
//
// [cv/ocr/bizlicense]: https://developers.weixin.qq.com/doc/service/api/openpoc/ocr/api_bizlicenseocr.html
func (c *Client) OCRBusinessLicense(ctx context.Context, img ImageSource) (*BusinessLicenseOCR, error) {
	return callImage[BusinessLicenseOCR](ctx, c, endpoint.OCRBizLicense, img, nil, nil)
}

// TextItem is a line of recognised text and where it is.
type TextItem struct {
	Text string    `json:"text"`
	Pos  ImageQuad `json:"pos"`
}

// PrintedTextOCR is the printed text found in an image.
type PrintedTextOCR struct {
	Items   []TextItem `json:"items"`
	ImgSize ImageSize  `json:"img_size"`
}

// OCRPrintedText reads the printed text of an image (通用印刷体OCR识别,
// [cv/ocr/comm]).
//
// [cv/ocr/comm]: https://developers.weixin.qq.com/doc/service/api/openpoc/ocr/api_commocr.html
func (c *Client) OCRPrintedText(ctx context.Context, img ImageSource) (*PrintedTextOCR, error) {
	return callImage[PrintedTextOCR](ctx, c, endpoint.OCRPrintedText, img, nil, nil)
}

// CodeResult is one code found in an image.
type CodeResult struct {
	// TypeName is the symbology: "QR_CODE", "EAN_13", "CODE_128",
	// "DATA_MATRIX", "PDF_417", …
	TypeName string `json:"type_name"`
	// Data is the decoded content.
	Data string `json:"data"`
	// Pos locates QR and Data Matrix codes; it is nil for bar codes and
	// PDF417.
	Pos *ImageQuad `json:"pos,omitempty"`
}

// CodeScan is the codes found in an image.
type CodeScan struct {
	Codes   []CodeResult `json:"code_results"`
	ImgSize ImageSize    `json:"img_size"`
}

// ScanQRCode decodes the QR codes, bar codes, Data Matrix and PDF417 codes
// of an image (二维码/条码识别, [cv/img/qrcode]).
//
// [cv/img/qrcode]: https://developers.weixin.qq.com/doc/service/api/openpoc/image/api_imgqrcode.html
func (c *Client) ScanQRCode(ctx context.Context, img ImageSource) (*CodeScan, error) {
	return callImage[CodeScan](ctx, c, endpoint.ImgQRCode, img, nil, nil)
}

// CropRect is a suggested crop, in pixels.
type CropRect struct {
	Left   int `json:"crop_left"`
	Top    int `json:"crop_top"`
	Right  int `json:"crop_right"`
	Bottom int `json:"crop_bottom"`
}

// CropSuggestions is the reply of SuggestCrops.
type CropSuggestions struct {
	Results []CropRect `json:"results"`
	ImgSize ImageSize  `json:"img_size"`
}

// maxCropRatios is the most aspect ratios SuggestCrops takes.
const maxCropRatios = 5

// SuggestCrops suggests crops of an image around its subject (图片智能裁剪,
// [cv/img/aicrop]). ratios are the wanted width/height ratios, at most 5;
// with none WeChat picks the best.
//
// [cv/img/aicrop]: https://developers.weixin.qq.com/doc/service/api/openpoc/image/api_imgaicrop.html
func (c *Client) SuggestCrops(ctx context.Context, img ImageSource, ratios ...float64) (*CropSuggestions, error) {
	if len(ratios) > maxCropRatios {
		return nil, invalidArg("%d crop ratios given, at most %d are allowed", len(ratios), maxCropRatios)
	}
	var fields map[string]string
	if len(ratios) > 0 {
		s := make([]string, len(ratios))
		for i, r := range ratios {
			if !(r > 0) {
				return nil, invalidArg("crop ratio %v is not positive", r)
			}
			s[i] = strconv.FormatFloat(r, 'f', -1, 64)
		}
		fields = map[string]string{"ratios": strings.Join(s, ",")}
	}
	return callImage[CropSuggestions](ctx, c, endpoint.ImgAICrop, img, nil, fields)
}

// UpscaleImage enlarges an image (图片高清化, [cv/img/superresolution]). It
// returns the media id of the result, a temporary media valid for 3 days,
// to download with the media API. WeChat's reference for official
// accounts no longer lists this service; the Mini Program reference still
// documents it.
//
// Deprecated: WeChat has withdrawn the API ("由于系统维护原因，已下架",
// withdrawn for system maintenance); its page sends those who still need
// it to the developer community or the WeChat service market.
//
// [cv/img/superresolution]: https://developers.weixin.qq.com/miniprogram/dev/server/API/img-ocr/img/api_imgsuperresolution.html
func (c *Client) UpscaleImage(ctx context.Context, img ImageSource) (string, error) {
	out, err := callImage[mediaIDReply](ctx, c, endpoint.ImgSuperResolution, img, nil, nil)
	if err != nil {
		return "", err
	}
	return present(endpoint.ImgSuperResolution, "media_id", out.MediaID)
}
