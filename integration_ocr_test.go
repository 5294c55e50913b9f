package wechat_test

// End-to-end tests of the image services (智能接口) against wechattest,
// which answers the documented sample results.

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
)

func TestIntegrationOCR(t *testing.T) {
	srv, c := startFake(t)
	ctx := context.Background()
	jpeg := append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{9}, 200)...)

	front, err := c.OCRIDCard(ctx, wechat.ImageFile("card.jpg", bytes.NewReader(jpeg)), wechat.OCRPhoto)
	require.NoError(t, err)
	assert.Equal(t, &wechat.IDCardOCR{Type: wechat.IDCardFront, Name: "张三", ID: "123456789012345678", Addr: "广东省广州市", Gender: "男", Nationality: "汉"}, front)
	back, err := c.OCRIDCard(ctx, wechat.ImageURL("https://example.com/id-back.jpg"), wechat.OCRScan)
	require.NoError(t, err)
	assert.Equal(t, "20070105-20270105", back.ValidDate)

	_, err = c.OCRBankCard(ctx, wechat.ImageFile("card.txt", strings.NewReader("not an image")))
	requireAPIError(t, err, 101002, "/cv/ocr/bankcard")
	_, err = c.OCRBankCard(ctx, wechat.ImageFile("big.jpg", bytes.NewReader(append(jpeg, make([]byte, 2<<20)...))))
	requireAPIError(t, err, 40006, "/cv/ocr/bankcard")

	bank, err := c.OCRBankCard(ctx, wechat.ImageFile("card.jpg", bytes.NewReader(jpeg)))
	require.NoError(t, err)
	assert.Equal(t, "24234234345234", bank.Number)
	car, err := c.OCRVehicleLicense(ctx, wechat.ImageFile("car.jpg", bytes.NewReader(jpeg)))
	require.NoError(t, err)
	assert.Equal(t, "小型普通客车", car.VehicleType)
	require.NotNil(t, car.CardPositionBack)
	drv, err := c.OCRDrivingLicense(ctx, wechat.ImageFile("d.jpg", bytes.NewReader(jpeg)))
	require.NoError(t, err)
	assert.Equal(t, "C1", drv.CarClass)
	biz, err := c.OCRBusinessLicense(ctx, wechat.ImageFile("b.jpg", bytes.NewReader(jpeg)))
	require.NoError(t, err)
	assert.Equal(t, "XX饮食店", biz.EnterpriseName)
	text, err := c.OCRPrintedText(ctx, wechat.ImageFile("t.jpg", bytes.NewReader(jpeg)))
	require.NoError(t, err)
	require.Len(t, text.Items, 2)
	assert.Equal(t, "微信团队", text.Items[1].Text)
	codes, err := c.ScanQRCode(ctx, wechat.ImageFile("q.jpg", bytes.NewReader(jpeg)))
	require.NoError(t, err)
	require.Len(t, codes.Codes, 4)
	assert.Equal(t, "https://www.qq.com", codes.Codes[0].Data)
	assert.Nil(t, codes.Codes[2].Pos, "bar codes have no position")

	crops, err := c.SuggestCrops(ctx, wechat.ImageFile("p.jpg", bytes.NewReader(jpeg)), 1, 1.5, 0.75)
	require.NoError(t, err)
	assert.Len(t, crops.Results, 3, "one crop per ratio")
	assert.Equal(t, wechat.ImageSize{W: 966, H: 728}, crops.ImgSize)

	// The enlarged image is a temporary media the media API serves.
	id, err := c.UpscaleImage(ctx, wechat.ImageFile("p.jpg", bytes.NewReader(jpeg)))
	require.NoError(t, err)
	m, err := c.DownloadMedia(ctx, id)
	require.NoError(t, err)
	defer m.Close()
	got, err := io.ReadAll(m.Body)
	require.NoError(t, err)
	assert.Equal(t, jpeg, got)
	assert.Equal(t, 1, srv.Calls("/cv/img/superresolution"))
}
