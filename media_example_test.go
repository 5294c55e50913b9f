package wechat_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// jpeg stands in for a photo: WeChat tells the format from the file
// name's extension.
var jpeg = append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{0}, 1020)...)

func ExampleClient_UploadMedia() {
	srv := wechattest.NewServer(wechattest.WithFollowers(wechattest.Follower{OpenID: "o_user"}))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The file is streamed as it is sent. A reader that is also an
	// io.Seeker (a *bytes.Reader, an *os.File) can be sent again after a
	// token refresh.
	media, err := client.UploadMedia(ctx, wechat.MediaImage, "photo.jpg", bytes.NewReader(jpeg))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(media.Type, media.MediaID != "")

	// A temporary media id is good for three days: send it as a message.
	if err := client.SendImage(ctx, "o_user", media.MediaID); err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.SentMessages()[0].MsgType)
	// Output:
	// image true
	// image
}

func ExampleClient_DownloadMedia() {
	srv := wechattest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	uploaded, err := client.UploadMedia(ctx, wechat.MediaImage, "photo.jpg", bytes.NewReader(jpeg))
	if err != nil {
		log.Fatal(err)
	}

	// The body is streamed: copy it to a file or a response without
	// holding it in memory. The caller closes it.
	m, err := client.DownloadMedia(ctx, uploaded.MediaID)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	var file bytes.Buffer // an *os.File in practice
	n, err := io.Copy(&file, m.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, bytes.Equal(file.Bytes(), jpeg))
	// Output:
	// 1024 true
}
