package wechat

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/mpkit/wechat/internal/endpoint"
	"github.com/mpkit/wechat/internal/lenient"
)

// ButtonType is the action of a menu button (菜单的响应动作类型).
type ButtonType string

// Button types accepted by menu/create and menu/addconditional. Each
// needs one more field besides Name, noted after it.
const (
	ButtonClick              ButtonType = "click"                // Key: pushes a CLICK event
	ButtonView               ButtonType = "view"                 // URL: opens a web page
	ButtonScancodePush       ButtonType = "scancode_push"        // Key: scans a code and pushes the result
	ButtonScancodeWaitMsg    ButtonType = "scancode_waitmsg"     // Key: as scancode_push, showing "receiving"
	ButtonPicSysPhoto        ButtonType = "pic_sysphoto"         // Key: takes a photo
	ButtonPicPhotoOrAlbum    ButtonType = "pic_photo_or_album"   // Key: takes a photo or picks one from the album
	ButtonPicWeixin          ButtonType = "pic_weixin"           // Key: picks a photo from the WeChat album
	ButtonLocationSelect     ButtonType = "location_select"      // Key: sends a location
	ButtonMediaID            ButtonType = "media_id"             // MediaID: sends a permanent material
	ButtonArticleID          ButtonType = "article_id"           // ArticleID: sends a published article
	ButtonArticleViewLimited ButtonType = "article_view_limited" // ArticleID: opens a published article
	ButtonMiniProgram        ButtonType = "miniprogram"          // AppID, PagePath and a fallback URL: opens a mini program
)

// Button types that only get_current_selfmenu_info reports, for menus set
// up on the mp.weixin.qq.com website rather than through the API.
const (
	ButtonText  ButtonType = "text"  // SelfMenuButton.Value holds the text
	ButtonImage ButtonType = "img"   // SelfMenuButton.Value holds a media ID
	ButtonVoice ButtonType = "voice" // SelfMenuButton.Value holds a media ID
	ButtonVideo ButtonType = "video" // SelfMenuButton.Value holds a download URL
	ButtonNews  ButtonType = "news"  // SelfMenuButton.News holds the articles
)

// Menu limits of the custom menu (自定义菜单) API.
const (
	MaxMenuButtons = 3 // top-level buttons
	MaxSubButtons  = 5 // sub-buttons under one top-level button
)

// CodeMenuNotExist is the errcode of menu/get when the account has no
// menu created through the API (menu no exist).
const CodeMenuNotExist = 46003

// Button is one button of a custom menu. A top-level button either has an
// action (Type and the field that type needs) or SubButtons, never both.
type Button struct {
	Type ButtonType `json:"type,omitempty"`
	// Name is the label; WeChat documents at most 16 bytes for a
	// top-level button and 60 bytes for a sub-button.
	Name string `json:"name"`
	// Key is pushed back in the menu event (at most 128 bytes).
	Key string `json:"key,omitempty"`
	// URL is the page of a view button, or the page a miniprogram button
	// opens on clients that cannot open mini programs.
	URL string `json:"url,omitempty"`
	// MediaID is the permanent material of a media_id button.
	MediaID string `json:"media_id,omitempty"`
	// AppID and PagePath name the mini program page of a miniprogram
	// button.
	AppID    string `json:"appid,omitempty"`
	PagePath string `json:"pagepath,omitempty"`
	// ArticleID is the published article of an article_id or
	// article_view_limited button.
	ArticleID  string   `json:"article_id,omitempty"`
	SubButtons []Button `json:"sub_button,omitempty"`
}

// ClientPlatform is the client OS a conditional menu matches.
type ClientPlatform string

// Client platforms of MatchRule.ClientPlatformType.
const (
	ClientPlatformIOS     ClientPlatform = "1"
	ClientPlatformAndroid ClientPlatform = "2"
	ClientPlatformOthers  ClientPlatform = "3"
)

// MatchRule selects the followers who see a conditional menu
// (个性化菜单匹配规则). At least one field must be set.
//
// Since WeChat's privacy change, menu/addconditional rejects rules on
// Sex, Country, Province, City or Language with errcode 65320; the fields
// remain because menu/get still reports old rules that use them.
type MatchRule struct {
	TagID              string         `json:"tag_id,omitempty"`
	Sex                string         `json:"sex,omitempty"` // "1" male, "2" female
	Country            string         `json:"country,omitempty"`
	Province           string         `json:"province,omitempty"`
	City               string         `json:"city,omitempty"`
	ClientPlatformType ClientPlatform `json:"client_platform_type,omitempty"`
	Language           string         `json:"language,omitempty"` // such as "zh_CN"
	// GroupID is the legacy user-group rule that tags replaced; menu/get
	// reports it for menus created with it.
	GroupID string `json:"group_id,omitempty"`
}

// UnmarshalJSON accepts numbers as well as strings for the codes and ids
// of a rule: menu/addconditional takes "tag_id":"2" while menu/get
// reports "group_id":2. Every other field is decoded as declared.
func (m *MatchRule) UnmarshalJSON(b []byte) error {
	type plain MatchRule
	*m = MatchRule{}
	return json.Unmarshal(b, &struct {
		*plain
		TagID              *lenient.String `json:"tag_id"`
		Sex                *lenient.String `json:"sex"`
		ClientPlatformType *lenient.String `json:"client_platform_type"`
		GroupID            *lenient.String `json:"group_id"`
	}{(*plain)(m), (*lenient.String)(&m.TagID), (*lenient.String)(&m.Sex), (*lenient.String)(&m.ClientPlatformType), (*lenient.String)(&m.GroupID)})
}

func (m *MatchRule) empty() bool { return m == nil || *m == (MatchRule{}) }

// Menu is a custom menu: the default menu, or a conditional menu when
// MatchRule is set.
type Menu struct {
	Buttons []Button `json:"button"`
	// MatchRule is set on conditional menus only.
	MatchRule *MatchRule `json:"matchrule,omitempty"`
	// MenuID is reported by menu/get (the default menu has one once
	// conditional menus exist); it is ignored when creating a menu.
	MenuID string `json:"menuid,omitempty"`
}

// UnmarshalJSON accepts menuid as a number (menu/get) or a string
// (menu/addconditional).
func (m *Menu) UnmarshalJSON(b []byte) error {
	type plain Menu
	*m = Menu{}
	return json.Unmarshal(b, &struct {
		*plain
		MenuID *lenient.String `json:"menuid"`
	}{(*plain)(m), (*lenient.String)(&m.MenuID)})
}

// Menus is what menu/get reports: the default menu and the conditional
// menus, newest last as WeChat lists them.
type Menus struct {
	Menu        Menu   `json:"menu"`
	Conditional []Menu `json:"conditionalmenu"`
}

// CreateMenu creates the default custom menu (自定义菜单 创建接口,
// [menu/create]), replacing the current one. The menu is checked before
// sending: 1 to MaxMenuButtons top-level buttons, at most MaxSubButtons
// sub-buttons each, and every button has a name and the field its type
// needs. A menu with a MatchRule is rejected: use AddConditionalMenu.
//
// Followers see the change within about five minutes.
//
// The default menu (CreateMenu, GetMenu, DeleteMenu) is available to
// verified subscription accounts and to service accounts, verified or not
// (认证订阅号, 认证/未认证服务号); conditional menus (AddConditionalMenu,
// DeleteConditionalMenu, GetUserMenu) to verified subscription and verified
// service accounts (认证订阅号, 认证服务号); GetCurrentSelfMenu to every account type.
//
// [menu/create]: https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu.html
func (c *Client) CreateMenu(ctx context.Context, menu *Menu) error {
	if menu == nil {
		return invalidArg("menu is nil")
	}
	if menu.MatchRule != nil {
		return invalidArg("menu has a match rule: use AddConditionalMenu")
	}
	if err := validateButtons(menu.Buttons); err != nil {
		return err
	}
	body := struct {
		Buttons []Button `json:"button"`
	}{menu.Buttons}
	return exec(ctx, c, endpoint.MenuCreate, nil, body)
}

// GetMenu returns the menu created through the API and, when there are
// any, the conditional menus (自定义菜单 查询接口, [menu/get]). Without a menu
// it fails with an *APIError of code CodeMenuNotExist. A menu set up on the
// website is reported by GetCurrentSelfMenu instead.
//
// [menu/get]: https://developers.weixin.qq.com/doc/service/api/custommenu/api_getmenu.html
func (c *Client) GetMenu(ctx context.Context) (*Menus, error) {
	r, err := call[struct {
		status
		Menus
	}](ctx, c, endpoint.MenuGet, nil, nil)
	if err != nil {
		return nil, err
	}
	return &r.Menus, nil
}

// DeleteMenu deletes the custom menu, conditional menus included
// (自定义菜单 删除接口, [menu/delete]).
//
// [menu/delete]: https://developers.weixin.qq.com/doc/service/api/custommenu/api_deletemenu.html
func (c *Client) DeleteMenu(ctx context.Context) error {
	return exec(ctx, c, endpoint.MenuDelete, nil, nil)
}

// AddConditionalMenu creates a conditional menu (创建个性化菜单,
// [menu/addconditional]) shown to the followers menu.MatchRule selects, and
// returns its menu ID. A default menu must exist first. The buttons are
// checked as by CreateMenu.
//
// [menu/addconditional]: https://developers.weixin.qq.com/doc/service/api/custommenu/api_addconditionalmenu.html
func (c *Client) AddConditionalMenu(ctx context.Context, menu *Menu) (menuID string, err error) {
	if menu == nil {
		return "", invalidArg("menu is nil")
	}
	if menu.MatchRule.empty() {
		return "", invalidArg("conditional menu needs a match rule with at least one field")
	}
	if err := validateButtons(menu.Buttons); err != nil {
		return "", err
	}
	body := struct {
		Buttons   []Button   `json:"button"`
		MatchRule *MatchRule `json:"matchrule"`
	}{menu.Buttons, menu.MatchRule}
	out, err := call[struct {
		status
		MenuID lenient.String `json:"menuid"`
	}](ctx, c, endpoint.MenuAddConditional, nil, body)
	if err != nil {
		return "", err
	}
	if out.MenuID == "" {
		return "", badReply(endpoint.MenuAddConditional, "reply has no menuid")
	}
	return string(out.MenuID), nil
}

// DeleteConditionalMenu deletes one conditional menu (删除个性化菜单,
// [menu/delconditional]).
//
// [menu/delconditional]: https://developers.weixin.qq.com/doc/service/api/custommenu/api_deleteconditionalmenu.html
func (c *Client) DeleteConditionalMenu(ctx context.Context, menuID string) error {
	if strings.TrimSpace(menuID) == "" {
		return invalidArg("menu ID is empty")
	}
	body := struct {
		MenuID string `json:"menuid"`
	}{menuID}
	return exec(ctx, c, endpoint.MenuDelConditional, nil, body)
}

// GetUserMenu returns the menu a follower sees, as WeChat's test of
// conditional-menu matching computes it (测试个性化菜单匹配结果,
// [menu/trymatch]). userID is the follower's OpenID or WeChat ID.
//
// [menu/trymatch]: https://developers.weixin.qq.com/doc/service/api/custommenu/api_trymatchmenu.html
func (c *Client) GetUserMenu(ctx context.Context, userID string) (*Menu, error) {
	if strings.TrimSpace(userID) == "" {
		return nil, invalidArg("user ID is empty")
	}
	body := struct {
		UserID string `json:"user_id"`
	}{userID}
	return call[Menu](ctx, c, endpoint.MenuTryMatch, nil, body)
}

// SelfMenu is the menu in use, however it was set up, as reported by
// get_current_selfmenu_info.
type SelfMenu struct {
	// Open reports whether the menu is switched on.
	Open    bool
	Buttons []SelfMenuButton
}

// SelfMenuButton is one button of a SelfMenu. For a menu set up through
// the API the fields are those of Button. For a menu set up on the
// website, Value carries the text (text), media ID (img, voice) or
// download URL (video), and a news button lists its articles in News.
type SelfMenuButton struct {
	Type       ButtonType
	Name       string
	Key        string
	URL        string
	Value      string
	AppID      string
	PagePath   string
	ArticleID  string
	News       []SelfMenuArticle
	SubButtons []SelfMenuButton
}

// SelfMenuArticle is one article of a news button.
type SelfMenuArticle struct {
	Title      string
	Author     string
	Digest     string
	ShowCover  bool
	CoverURL   string
	ContentURL string
	SourceURL  string
}

// UnmarshalJSON flattens WeChat's {"list": [...]} wrappers around
// sub-buttons and news articles.
func (b *SelfMenuButton) UnmarshalJSON(data []byte) error {
	var v struct {
		Type      ButtonType   `json:"type"`
		Name      string       `json:"name"`
		Key       string       `json:"key"`
		URL       string       `json:"url"`
		Value     string       `json:"value"`
		AppID     string       `json:"appid"`
		PagePath  string       `json:"pagepath"`
		ArticleID string       `json:"article_id"`
		NewsInfo  newsInfoJSON `json:"news_info"`
		SubButton struct {
			List []SelfMenuButton `json:"list"`
		} `json:"sub_button"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*b = SelfMenuButton{
		Type: v.Type, Name: v.Name, Key: v.Key, URL: v.URL, Value: v.Value,
		AppID: v.AppID, PagePath: v.PagePath, ArticleID: v.ArticleID,
		SubButtons: v.SubButton.List, News: v.NewsInfo.articles(),
	}
	return nil
}

// GetCurrentSelfMenu returns the menu in use, whether it was set up
// through the API or on the mp.weixin.qq.com website (查询自定义菜单信息,
// [get_current_selfmenu_info]). Media IDs of website menus are temporary
// media, valid for three days.
//
// [get_current_selfmenu_info]: https://developers.weixin.qq.com/doc/service/api/custommenu/api_getcurrentselfmenuinfo.html
func (c *Client) GetCurrentSelfMenu(ctx context.Context) (*SelfMenu, error) {
	out, err := call[struct {
		status
		IsMenuOpen   lenient.Int `json:"is_menu_open"`
		SelfMenuInfo struct {
			Button []SelfMenuButton `json:"button"`
		} `json:"selfmenu_info"`
	}](ctx, c, endpoint.SelfMenuInfo, nil, nil)
	if err != nil {
		return nil, err
	}
	return &SelfMenu{Open: out.IsMenuOpen != 0, Buttons: out.SelfMenuInfo.Button}, nil
}

// validateButtons checks the documented shape of a menu before it is
// sent, so a mistake is reported with the button at fault rather than as
// an errcode.
func validateButtons(buttons []Button) error {
	if len(buttons) == 0 {
		return invalidArg("menu has no buttons")
	}
	if len(buttons) > MaxMenuButtons {
		return invalidArg("menu has %d buttons, at most %d are allowed", len(buttons), MaxMenuButtons)
	}
	for i, b := range buttons {
		where := "button " + strconv.Itoa(i+1)
		if len(b.SubButtons) == 0 {
			if err := validateAction(where, b); err != nil {
				return err
			}
			continue
		}
		if strings.TrimSpace(b.Name) == "" {
			return invalidArg("%s has no name", where)
		}
		if b.Type != "" {
			return invalidArg("%s has both a type and sub-buttons", where)
		}
		if len(b.SubButtons) > MaxSubButtons {
			return invalidArg("%s has %d sub-buttons, at most %d are allowed", where, len(b.SubButtons), MaxSubButtons)
		}
		for j, s := range b.SubButtons {
			sub := where + " sub-button " + strconv.Itoa(j+1)
			if len(s.SubButtons) > 0 {
				return invalidArg("%s has sub-buttons: menus have two levels", sub)
			}
			if err := validateAction(sub, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateAction checks a button that has an action: its name, and the
// field its type needs. Types this package does not know are passed
// through for WeChat to judge.
func validateAction(where string, b Button) error {
	if strings.TrimSpace(b.Name) == "" {
		return invalidArg("%s has no name", where)
	}
	need := func(field, value string) error {
		if strings.TrimSpace(value) == "" {
			return invalidArg("%s (%s) needs %s", where, b.Type, field)
		}
		return nil
	}
	switch b.Type {
	case "":
		return invalidArg("%s has neither a type nor sub-buttons", where)
	case ButtonClick, ButtonScancodePush, ButtonScancodeWaitMsg, ButtonPicSysPhoto,
		ButtonPicPhotoOrAlbum, ButtonPicWeixin, ButtonLocationSelect:
		return need("a key", b.Key)
	case ButtonView:
		return need("a url", b.URL)
	case ButtonMediaID:
		return need("a media_id", b.MediaID)
	case ButtonArticleID, ButtonArticleViewLimited:
		return need("an article_id", b.ArticleID)
	case ButtonMiniProgram:
		if err := need("an appid", b.AppID); err != nil {
			return err
		}
		if err := need("a pagepath", b.PagePath); err != nil {
			return err
		}
		return need("a fallback url", b.URL)
	}
	return nil
}
