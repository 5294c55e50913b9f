package wechat

// Article is one item of a news message (图文消息): a passive news reply, a
// customer-service news message. Its XML names are those of the passive
// reply, its JSON names those of the customer-service API.
type Article struct {
	Title       string `json:"title" xml:"Title"`
	Description string `json:"description" xml:"Description"`
	URL         string `json:"url" xml:"Url"`
	PicURL      string `json:"picurl" xml:"PicUrl"`
}

// MediaType is the kind of a media file or permanent material.
type MediaType string

// Media types accepted by the media and material APIs.
const (
	MediaImage MediaType = "image"
	MediaVoice MediaType = "voice"
	MediaVideo MediaType = "video"
	MediaThumb MediaType = "thumb"
	MediaNews  MediaType = "news" // permanent material only
)

// Wire shapes several APIs share.

// mediaRef is {"media_id": …}: a request naming a media file, material or
// draft, the reply that returns one, and a message's media content.
type mediaRef struct {
	MediaID string `json:"media_id"`
}

// mediaIDReply is a reply that returns the media_id of what the call
// made: a draft, an enlarged image.
type mediaIDReply struct {
	status
	mediaRef
}

// articleRef is {"article_id": …}: a request naming a published article,
// and the content of a customer-service message that sends one.
type articleRef struct {
	ArticleID string `json:"article_id"`
}

// appIDRef is {"appid": …}: a request naming an account or a Mini
// Program.
type appIDRef struct {
	AppID string `json:"appid"`
}

// openIDRef is {"openid": …}: a request naming one user.
type openIDRef struct {
	OpenID string `json:"openid"`
}

// textContent is the {"content": …} of a text message.
type textContent struct {
	Content string `json:"content"`
}
