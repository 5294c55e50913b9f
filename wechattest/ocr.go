package wechattest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mpkit/wechat/internal/endpoint"
)

// imageAPI answers the image services (智能接口: OCR and image processing)
// with the documented sample results: the fake recognises nothing. It
// checks what WeChat checks of the request: an image, given as img_url
// or uploaded in the multipart field "img", under 2 MB.
type imageAPI struct {
	group
}

// maxServiceImage is the documented size limit of the images the image
// services read.
const maxServiceImage = 2 << 20

// Sample results of the image services: the documented example of each
// (testdata/api/ocr_*.json and img_*.json).
var (
	sampleIDCardFront  = `{"errcode":0,"errmsg":"ok","type":"Front","name":"张三","id":"123456789012345678","addr":"广东省广州市","gender":"男","nationality":"汉"}`
	sampleIDCardBack   = `{"errcode":0,"errmsg":"ok","type":"Back","valid_date":"20070105-20270105"}`
	sampleBankCard     = `{"errcode":0,"errmsg":"ok","number":"24234234345234"}`
	sampleVehicle      = `{"errcode":0,"errmsg":"ok","plate_num":"粤xxxxx","vehicle_type":"小型普通客车","owner":"东莞市xxxxx机械厂","addr":"广东省东莞市xxxxx号","use_character":"非营运","model":"江淮牌HFCxxxxxxx","vin":"LJ166xxxxxxxx51","engine_num":"J3xxxxx3","register_date":"2018-07-06","issue_date":"2018-07-01","plate_num_b":"粤xxxxx","record":"441xxxxxx3","passengers_num":"7人","total_quality":"2700kg","prepare_quality":"1995kg","overall_size":"4582x1795x1458mm","card_position_front":{"pos":{"left_top":{"x":119,"y":76},"right_top":{"x":1084,"y":76},"right_bottom":{"x":1084,"y":718},"left_bottom":{"x":119,"y":718}}},"card_position_back":{"pos":{"left_top":{"x":1168,"y":90},"right_top":{"x":2160,"y":90},"right_bottom":{"x":2160,"y":716},"left_bottom":{"x":1168,"y":716}}},"img_size":{"w":2258,"h":1018}}`
	sampleDriving      = `{"errcode":0,"errmsg":"ok","id_num":"660601xxxxxxxx1234","name":"张三","sex":"男","nationality":"中国","address":"广东省东莞市xxxxx号","birth_date":"1990-12-21","issue_date":"2012-12-21","car_class":"C1","valid_from":"2018-07-06","valid_to":"2020-07-01","official_seal":"xx市公安局公安交通管理局"}`
	sampleBizLicense   = `{"errcode":0,"errmsg":"ok","reg_num":"123123","serial":"123123","legal_representative":"张三","enterprise_name":"XX饮食店","type_of_organization":"个人经营","address":"XX市XX区XX路XX号","type_of_enterprise":"xxx","business_scope":"中型餐馆(不含凉菜、不含裱花蛋糕，不含生食海产品)。","registered_capital":"200万","paid_in_capital":"200万","valid_period":"2019年1月1日","registered_date":"2018年1月1日","cert_position":{"pos":{"left_top":{"x":155,"y":191},"right_top":{"x":725,"y":157},"right_bottom":{"x":743,"y":512},"left_bottom":{"x":164,"y":525}}},"img_size":{"w":966,"h":728}}`
	samplePrintedText  = `{"errcode":0,"errmsg":"ok","items":[{"text":"腾讯","pos":{"left_top":{"x":575,"y":519},"right_top":{"x":744,"y":519},"right_bottom":{"x":744,"y":532},"left_bottom":{"x":573,"y":532}}},{"text":"微信团队","pos":{"left_top":{"x":670,"y":516},"right_top":{"x":762,"y":517},"right_bottom":{"x":762,"y":532},"left_bottom":{"x":670,"y":531}}}],"img_size":{"w":1280,"h":720}}`
	sampleCodeScan     = `{"errcode":0,"errmsg":"ok","code_results":[{"type_name":"QR_CODE","data":"https://www.qq.com","pos":{"left_top":{"x":585,"y":378},"right_top":{"x":828,"y":378},"right_bottom":{"x":828,"y":618},"left_bottom":{"x":585,"y":618}}},{"type_name":"QR_CODE","data":"https://mp.weixin.qq.com","pos":{"left_top":{"x":185,"y":142},"right_top":{"x":396,"y":142},"right_bottom":{"x":396,"y":353},"left_bottom":{"x":185,"y":353}}},{"type_name":"EAN_13","data":"5906789678957"},{"type_name":"CODE_128","data":"50090500019191"}],"img_size":{"w":1000,"h":900}}`
	sampleCropRects    = `[{"crop_left":112,"crop_top":0,"crop_right":839,"crop_bottom":727},{"crop_left":0,"crop_top":205,"crop_right":965,"crop_bottom":615}]`
	sampleCropImgSize  = `{"w":966,"h":728}`
	maxCropRatios      = 5
	idCardBackFilename = "back" // an uploaded file whose name holds it is read as the back side
)

func (g *imageAPI) routes() []route {
	fixed := func(doc string) handler {
		return func(x *exchange) any {
			if _, e := g.image(x); e != nil {
				return e
			}
			return json.RawMessage(doc)
		}
	}
	return []route{
		g.route(endpoint.OCRIDCard, g.handleIDCard),
		g.route(endpoint.OCRBankCard, fixed(sampleBankCard)),
		g.route(endpoint.OCRVehicleLicense, fixed(sampleVehicle)),
		g.route(endpoint.OCRDrivingLicense, fixed(sampleDriving)),
		g.route(endpoint.OCRBizLicense, fixed(sampleBizLicense)),
		g.route(endpoint.OCRPrintedText, fixed(samplePrintedText)),
		g.route(endpoint.ImgQRCode, fixed(sampleCodeScan)),
		g.route(endpoint.ImgAICrop, g.handleAICrop),
		g.route(endpoint.ImgSuperResolution, g.handleSuperResolution),
	}
}

// serviceImage is the image of an image-service request.
type serviceImage struct {
	filename    string
	contentType string
	data        []byte // nil for an img_url
}

// image reads the image of a request: img_url in the query (an absolute
// http(s) URL, which the fake does not fetch; 101000 otherwise), or the
// multipart field "img" (41005 without one). An uploaded file must be a
// JPEG, PNG, GIF or BMP image (101002, invalid image, otherwise) under
// 2 MB (40006).
func (g *imageAPI) image(x *exchange) (*serviceImage, *apiError) {
	if raw := x.r.URL.Query().Get("img_url"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fail(101000)
		}
		return &serviceImage{filename: u.Path}, nil
	}
	part, data, e := readFile(x, "img")
	if e != nil {
		return nil, e
	}
	if len(data) >= maxServiceImage {
		return nil, fail(40006)
	}
	ct := http.DetectContentType(data)
	switch ct {
	case "image/jpeg", "image/png", "image/gif", "image/bmp":
	default:
		return nil, fail(101002)
	}
	return &serviceImage{filename: part.FileName(), contentType: ct, data: data}, nil
}

// handleIDCard answers 身份证OCR识别 (POST cv/ocr/idcard?type=photo|scan)
// with the documented sample of the front side, or of the back side for
// an image whose file name (or URL path) contains "back". A type other
// than photo and scan fails with 47001.
func (g *imageAPI) handleIDCard(x *exchange) any {
	switch x.r.URL.Query().Get("type") {
	case "photo", "scan":
	default:
		return fail(47001)
	}
	img, e := g.image(x)
	if e != nil {
		return e
	}
	if strings.Contains(strings.ToLower(img.filename), idCardBackFilename) {
		return json.RawMessage(sampleIDCardBack)
	}
	return json.RawMessage(sampleIDCardFront)
}

// handleAICrop answers 图片智能裁剪 (POST cv/img/aicrop, with an optional
// form field "ratios", at most 5 positive numbers separated by commas;
// 47001 otherwise) with the documented sample crops, one per ratio asked
// for (the sample's first crop repeated past its two), or the two of the
// sample without ratios.
func (g *imageAPI) handleAICrop(x *exchange) any {
	if _, e := g.image(x); e != nil {
		return e
	}
	var crops []json.RawMessage
	_ = json.Unmarshal([]byte(sampleCropRects), &crops)
	if v := formValue(x, "ratios"); v != "" {
		ratios := strings.Split(v, ",")
		if len(ratios) > maxCropRatios {
			return fail(47001)
		}
		out := make([]json.RawMessage, len(ratios))
		for i, r := range ratios {
			if f, err := strconv.ParseFloat(strings.TrimSpace(r), 64); err != nil || !(f > 0) {
				return fail(47001)
			}
			out[i] = crops[min(i, len(crops)-1)]
		}
		crops = out
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "results": crops, "img_size": json.RawMessage(sampleCropImgSize)}
}

// formValue reads a plain field of a multipart body, "" without one.
func formValue(x *exchange, field string) string {
	_, data, err := readPart(x, field)
	if err != nil {
		return ""
	}
	return string(data)
}

// handleSuperResolution answers 图片高清化 (POST cv/img/superresolution)
// with the media_id of a temporary image, which media/get serves: the
// uploaded image itself (the fake enlarges nothing), or for an img_url a
// small placeholder JPEG.
func (g *imageAPI) handleSuperResolution(x *exchange) any {
	img, e := g.image(x)
	if e != nil {
		return e
	}
	data, ct := img.data, img.contentType
	if data == nil {
		data, ct = placeholderImage(img.filename), "image/jpeg"
	}
	id := g.s.media.add("image", ct, ".jpg", bytes.Clone(data), x.now)
	return map[string]any{"errcode": 0, "errmsg": "ok", "media_id": id}
}
