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
