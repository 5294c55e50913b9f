package endpoint

// ID names an endpoint of the table.
type ID int

// The endpoints, by API group. The wechat method that calls each one
// follows it.
const (
	// Access tokens and tickets (token.go).
	Token       ID = iota // AccessToken, RefreshAccessToken
	StableToken           // the same, with WithStableToken
	Ticket                // JSAPITicket, RefreshJSAPITicket

	// Operations and diagnostics (basic.go).
	CallbackIP    // ListCallbackIPs
	APIDomainIP   // ListAPIDomainIPs
	CallbackCheck // CheckCallback
	ClearQuota    // ClearQuota
	ClearQuotaV2  // ClearQuotaWithSecret
	QuotaGet      // GetAPIQuota
	RIDGet        // GetRIDInfo
	ShortenGen    // CreateShortKey
	ShortenFetch  // GetShortKey

	// Custom menus (menu.go).
	MenuCreate         // CreateMenu
	MenuGet            // GetMenu
	MenuDelete         // DeleteMenu
	MenuAddConditional // AddConditionalMenu
	MenuDelConditional // DeleteConditionalMenu
	MenuTryMatch       // GetUserMenu
	SelfMenuInfo       // GetCurrentSelfMenu

	// Temporary media (media.go).
	MediaUpload   // UploadMedia
	MediaGet      // DownloadMedia
	MediaGetJSSDK // DownloadHDVoice

	// Mass sends (mass.go).
	MediaUploadVideo // UploadMassVideo
	MassSendAll      // SendMassToAll, SendMassToTag
	MassSend         // SendMassToUsers
	MassPreview      // PreviewMass, PreviewMassToWxName
	MassDelete       // DeleteMass, DeleteMassByURL
	MassGet          // GetMassStatus
	MassSpeedGet     // GetMassSpeed
	MassSpeedSet     // SetMassSpeed

	// Permanent material (material.go).
	MaterialAdd      // AddMaterial, AddVideoMaterial
	MediaUploadImg   // UploadArticleImage
	MaterialGet      // GetMaterial
	MaterialDel      // DeleteMaterial
	MaterialCount    // GetMaterialCount
	MaterialBatchGet // Materials, NewsMaterials

	// Drafts (draft.go).
	DraftAdd      // AddDraft
	DraftGet      // GetDraft
	DraftUpdate   // UpdateDraft
	DraftDelete   // DeleteDraft
	DraftCount    // GetDraftCount
	DraftBatchGet // Drafts

	// Publishing (publish.go).
	PublishSubmit     // PublishDraft
	PublishGet        // GetPublishStatus
	PublishDelete     // DeletePublication
	PublishGetArticle // GetPublication
	PublishBatchGet   // Publications

	// Web authorization (oauth.go).
	OAuthAccessToken  // ExchangeCode
	OAuthRefreshToken // RefreshOAuthToken
	OAuthUserInfo     // GetOAuthUserInfo
	OAuthCheck        // CheckOAuthToken

	// Users, the blacklist and legacy groups (user.go).
	UserInfo          // GetUserInfo
	UserInfoBatchGet  // BatchGetUserInfo
	UserUpdateRemark  // UpdateUserRemark
	UserGet           // ListFollowers, Followers
	BlacklistGet      // ListBlacklist, Blacklist
	BlacklistAdd      // BlacklistUsers
	BlacklistRemove   // UnblacklistUsers
	ChangeOpenID      // ChangeOpenID
	GroupCreate       // CreateGroup
	GroupGet          // ListGroups
	GroupGetID        // GetUserGroup
	GroupUpdate       // UpdateGroup
	GroupMemberUpdate // MoveUserToGroup
	GroupMemberBatch  // MoveUsersToGroup
	GroupDelete       // DeleteGroup

	// User tags (tag.go).
	TagCreate     // CreateTag
	TagGet        // ListTags
	TagUpdate     // UpdateTag
	TagDelete     // DeleteTag
	TagMembers    // ListTagMembers, TagMembers
	TagBatchTag   // TagUsers
	TagBatchUntag // UntagUsers
	TagIDList     // ListUserTags

	// Customer-service messages (custom.go).
	CustomSend   // SendText, SendImage, … SendMiniProgramPage
	CustomTyping // SetTyping

	// Template messages (template.go).
	TemplateSetIndustry // SetTemplateIndustry
	TemplateGetIndustry // GetTemplateIndustry
	TemplateAdd         // AddTemplate
	TemplateList        // ListTemplates
	TemplateDelete      // DeleteTemplate
	TemplateSend        // SendTemplateMessage

	// Parametric QR codes (qrcode.go).
	QRCodeCreate // CreateQRCode
	QRCodeShow   // DownloadQRCode (QRCodeURL builds its address)

	// Customer-service accounts, sessions and history (kf.go).
	KFList           // ListKFAccounts
	KFOnlineList     // ListOnlineKFAccounts
	KFAccountAdd     // AddKFAccount
	KFAccountInvite  // InviteKFWorker
	KFAccountUpdate  // UpdateKFAccount
	KFAccountDel     // DeleteKFAccount
	KFAccountAvatar  // UploadKFAvatar
	KFSessionCreate  // CreateKFSession
	KFSessionClose   // CloseKFSession
	KFSessionGet     // GetKFSession
	KFSessionList    // ListKFSessions
	KFSessionWaiting // ListKFWaitCases
	KFMsgRecords     // KFMessageRecords

	// Subscribe messages (subscribe.go).
	SubscribeSend        // SendSubscribeMessage
	SubscribeCategories  // ListSubscribeCategories
	SubscribePubTitles   // ListPublicSubscribeTemplates
	SubscribePubKeywords // ListSubscribeTemplateKeywords
	SubscribeAdd         // AddSubscribeTemplate
	SubscribeDelete      // DeleteSubscribeTemplate
	SubscribeList        // ListSubscribeTemplates
	OneTimeSubscribeSend // SendOneTimeSubscribeMessage

	// Statistics (datacube.go).
	UserSummary          // GetUserSummary
	UserCumulate         // GetUserCumulate
	ArticleSummary       // GetArticleSummary
	ArticleTotal         // GetArticleTotal
	UserRead             // GetUserRead
	UserReadHour         // GetUserReadHour
	UserShare            // GetUserShare
	UserShareHour        // GetUserShareHour
	UpstreamMsg          // GetUpstreamMessages
	UpstreamMsgHour      // GetUpstreamMessagesHour
	UpstreamMsgWeek      // GetUpstreamMessagesWeek
	UpstreamMsgMonth     // GetUpstreamMessagesMonth
	UpstreamMsgDist      // GetUpstreamMessageDist
	UpstreamMsgDistWeek  // GetUpstreamMessageDistWeek
	UpstreamMsgDistMonth // GetUpstreamMessageDistMonth
	InterfaceSummary     // GetInterfaceSummary
	InterfaceSummaryHour // GetInterfaceSummaryHour

	// OCR and image services (ocr.go).
	OCRIDCard          // OCRIDCard
	OCRBankCard        // OCRBankCard
	OCRVehicleLicense  // OCRVehicleLicense
	OCRDrivingLicense  // OCRDrivingLicense
	OCRBizLicense      // OCRBusinessLicense
	OCRPrintedText     // OCRPrintedText
	ImgQRCode          // ScanQRCode
	ImgAICrop          // SuggestCrops
	ImgSuperResolution // UpscaleImage

	// Comments on mass-sent and published articles (comment.go).
	CommentOpen        // OpenComments
	CommentClose       // CloseComments
	CommentList        // ListComments, Comments
	CommentMarkElect   // MarkCommentElected
	CommentUnmarkElect // UnmarkCommentElected
	CommentDelete      // DeleteComment
	CommentReplyAdd    // ReplyToComment
	CommentReplyDelete // DeleteCommentReply

	// Auto-reply rules (autoreply.go).
	AutoReplyInfo // GetAutoReplyRules

	// Publisher (流量主) statistics (publisher.go): one path, the report
	// named by the action parameter.
	PublisherStat // ListAdSlotStats, AdSlotStats, ListCPSStats, CPSStats, ListSettlements, Settlements

	// Mini programs linked to the account (wxamplink.go).
	WxaLinkGet // ListLinkedMiniPrograms
	WxaLink    // LinkMiniProgram
	WxaUnlink  // UnlinkMiniProgram

	// The quota of one API (basic.go).
	QuotaClearAPI // ClearAPIQuota

	// Open Platform accounts of an account, called by a third-party
	// platform with the authorizer's token (open.go).
	OpenCreate // CreateOpenAccount
	OpenBind   // BindOpenAccount
	OpenUnbind // UnbindOpenAccount
	OpenGet    // GetOpenAccount
	OpenHave   // HasOpenAccount

	// The third-party platform's own APIs (package platform, through
	// Client.Call), with the component_access_token.
	APIComponentToken          // the component_access_token itself
	APICreatePreAuthCode       // PreAuthCode
	APIQueryAuth               // QueryAuth
	APIAuthorizerToken         // the authorizer_access_token of an Authorizer
	APIGetAuthorizerInfo       // AuthorizerInfo
	APIGetAuthorizerList       // Authorizers
	APIGetAuthorizerOption     // AuthorizerOption
	APISetAuthorizerOption     // SetAuthorizerOption
	ComponentClearQuota        // ClearQuota
	ComponentOAuthAccessToken  // ExchangeOAuthCode
	ComponentOAuthRefreshToken // RefreshOAuthToken

	Count // the number of endpoints: IDs run from 0 to Count-1
)

const (
	at = AccessToken
	ct = ComponentToken
)

// table is every endpoint. An ID without an entry here is a zero
// Endpoint, which Check rejects.
var table = [Count]Endpoint{
	Token:       get("/cgi-bin/token", None, TokenFetch),
	StableToken: post("/cgi-bin/stable_token", None, TokenFetch),
	Ticket:      get("/cgi-bin/ticket/getticket", at, TokenFetch),

	CallbackIP:    get("/cgi-bin/getcallbackip", at, IdempotentRead),
	APIDomainIP:   get("/cgi-bin/get_api_domain_ip", at, IdempotentRead),
	CallbackCheck: post("/cgi-bin/callback/check", at, IdempotentRead),
	ClearQuota:    post("/cgi-bin/clear_quota", at, WriteOnce), // spends one of ten resets a month
	ClearQuotaV2:  post("/cgi-bin/clear_quota/v2", None, WriteOnce),
	QuotaGet:      post("/cgi-bin/openapi/quota/get", at, IdempotentRead),
	RIDGet:        post("/cgi-bin/openapi/rid/get", at, IdempotentRead),
	ShortenGen:    post("/cgi-bin/shorten/gen", at, WriteOnce),
	ShortenFetch:  post("/cgi-bin/shorten/fetch", at, IdempotentRead),

	MenuCreate:         post("/cgi-bin/menu/create", at, IdempotentWrite), // replaces the whole menu
	MenuGet:            get("/cgi-bin/menu/get", at, IdempotentRead),
	MenuDelete:         get("/cgi-bin/menu/delete", at, IdempotentWrite),
	MenuAddConditional: post("/cgi-bin/menu/addconditional", at, WriteOnce),
	MenuDelConditional: post("/cgi-bin/menu/delconditional", at, WriteOnce),
	MenuTryMatch:       post("/cgi-bin/menu/trymatch", at, IdempotentRead),
	SelfMenuInfo:       get("/cgi-bin/get_current_selfmenu_info", at, IdempotentRead),

	MediaUpload:   post("/cgi-bin/media/upload", at, WriteOnce),
	MediaGet:      get("/cgi-bin/media/get", at, IdempotentRead),
	MediaGetJSSDK: get("/cgi-bin/media/get/jssdk", at, IdempotentRead),

	MediaUploadVideo: post("/cgi-bin/media/uploadvideo", at, WriteOnce), // each call makes a new media_id
	MassSendAll:      post("/cgi-bin/message/mass/sendall", at, SendOnce),
	MassSend:         post("/cgi-bin/message/mass/send", at, SendOnce),
	MassPreview:      post("/cgi-bin/message/mass/preview", at, SendOnce),
	MassDelete:       post("/cgi-bin/message/mass/delete", at, WriteOnce),
	MassGet:          post("/cgi-bin/message/mass/get", at, IdempotentRead),
	MassSpeedGet:     post("/cgi-bin/message/mass/speed/get", at, IdempotentRead),
	MassSpeedSet:     post("/cgi-bin/message/mass/speed/set", at, WriteOnce),

	MaterialAdd:      post("/cgi-bin/material/add_material", at, WriteOnce),
	MediaUploadImg:   post("/cgi-bin/media/uploadimg", at, WriteOnce),
	MaterialGet:      post("/cgi-bin/material/get_material", at, IdempotentRead),
	MaterialDel:      post("/cgi-bin/material/del_material", at, WriteOnce),
	MaterialCount:    get("/cgi-bin/material/get_materialcount", at, IdempotentRead),
	MaterialBatchGet: post("/cgi-bin/material/batchget_material", at, IdempotentRead),

	DraftAdd:      post("/cgi-bin/draft/add", at, WriteOnce),
	DraftGet:      post("/cgi-bin/draft/get", at, IdempotentRead),
	DraftUpdate:   post("/cgi-bin/draft/update", at, WriteOnce),
	DraftDelete:   post("/cgi-bin/draft/delete", at, WriteOnce),
	DraftCount:    get("/cgi-bin/draft/count", at, IdempotentRead),
	DraftBatchGet: post("/cgi-bin/draft/batchget", at, IdempotentRead),

	PublishSubmit:     post("/cgi-bin/freepublish/submit", at, WriteOnce), // a retry could publish twice
	PublishGet:        post("/cgi-bin/freepublish/get", at, IdempotentRead),
	PublishDelete:     post("/cgi-bin/freepublish/delete", at, WriteOnce),
	PublishGetArticle: post("/cgi-bin/freepublish/getarticle", at, IdempotentRead),
	PublishBatchGet:   post("/cgi-bin/freepublish/batchget", at, IdempotentRead),

	OAuthAccessToken:  get("/sns/oauth2/access_token", None, TokenFetch),
	OAuthRefreshToken: get("/sns/oauth2/refresh_token", None, TokenFetch),
	OAuthUserInfo:     get("/sns/userinfo", None, IdempotentRead),
	OAuthCheck:        get("/sns/auth", None, IdempotentRead),

	UserInfo:          get("/cgi-bin/user/info", at, IdempotentRead),
	UserInfoBatchGet:  post("/cgi-bin/user/info/batchget", at, IdempotentRead),
	UserUpdateRemark:  post("/cgi-bin/user/info/updateremark", at, WriteOnce),
	UserGet:           get("/cgi-bin/user/get", at, IdempotentRead),
	BlacklistGet:      post("/cgi-bin/tags/members/getblacklist", at, IdempotentRead),
	BlacklistAdd:      post("/cgi-bin/tags/members/batchblacklist", at, WriteOnce),
	BlacklistRemove:   post("/cgi-bin/tags/members/batchunblacklist", at, WriteOnce),
	ChangeOpenID:      post("/cgi-bin/changeopenid", at, IdempotentRead), // a conversion: the same mapping each time
	GroupCreate:       post("/cgi-bin/groups/create", at, WriteOnce),
	GroupGet:          get("/cgi-bin/groups/get", at, IdempotentRead),
	GroupGetID:        post("/cgi-bin/groups/getid", at, IdempotentRead),
	GroupUpdate:       post("/cgi-bin/groups/update", at, WriteOnce),
	GroupMemberUpdate: post("/cgi-bin/groups/members/update", at, WriteOnce),
	GroupMemberBatch:  post("/cgi-bin/groups/members/batchupdate", at, WriteOnce),
	GroupDelete:       post("/cgi-bin/groups/delete", at, WriteOnce),

	TagCreate:     post("/cgi-bin/tags/create", at, WriteOnce),
	TagGet:        get("/cgi-bin/tags/get", at, IdempotentRead),
	TagUpdate:     post("/cgi-bin/tags/update", at, WriteOnce),
	TagDelete:     post("/cgi-bin/tags/delete", at, WriteOnce),
	TagMembers:    post("/cgi-bin/user/tag/get", at, IdempotentRead),
	TagBatchTag:   post("/cgi-bin/tags/members/batchtagging", at, WriteOnce),
	TagBatchUntag: post("/cgi-bin/tags/members/batchuntagging", at, WriteOnce),
	TagIDList:     post("/cgi-bin/tags/getidlist", at, IdempotentRead),

	CustomSend:   post("/cgi-bin/message/custom/send", at, SendOnce),
	CustomTyping: post("/cgi-bin/message/custom/typing", at, SendOnce),

	TemplateSetIndustry: post("/cgi-bin/template/api_set_industry", at, IdempotentWrite),
	TemplateGetIndustry: get("/cgi-bin/template/get_industry", at, IdempotentRead),
	TemplateAdd:         post("/cgi-bin/template/api_add_template", at, WriteOnce),
	TemplateList:        get("/cgi-bin/template/get_all_private_template", at, IdempotentRead),
	TemplateDelete:      post("/cgi-bin/template/del_private_template", at, WriteOnce),
	TemplateSend:        post("/cgi-bin/message/template/send", at, SendOnce),

	QRCodeCreate: post("/cgi-bin/qrcode/create", at, WriteOnce), // permanent codes are counted
	QRCodeShow:   get("/cgi-bin/showqrcode", None, IdempotentRead).on(MP),

	KFList:           get("/cgi-bin/customservice/getkflist", at, IdempotentRead),
	KFOnlineList:     get("/cgi-bin/customservice/getonlinekflist", at, IdempotentRead),
	KFAccountAdd:     post("/customservice/kfaccount/add", at, WriteOnce),
	KFAccountInvite:  post("/customservice/kfaccount/inviteworker", at, SendOnce),
	KFAccountUpdate:  post("/customservice/kfaccount/update", at, WriteOnce),
	KFAccountDel:     post("/customservice/kfaccount/del", at, WriteOnce),
	KFAccountAvatar:  post("/customservice/kfaccount/uploadheadimg", at, WriteOnce),
	KFSessionCreate:  post("/customservice/kfsession/create", at, WriteOnce),
	KFSessionClose:   post("/customservice/kfsession/close", at, WriteOnce),
	KFSessionGet:     get("/customservice/kfsession/getsession", at, IdempotentRead),
	KFSessionList:    get("/customservice/kfsession/getsessionlist", at, IdempotentRead),
	KFSessionWaiting: get("/customservice/kfsession/getwaitcase", at, IdempotentRead),
	KFMsgRecords:     post("/customservice/msgrecord/getmsglist", at, IdempotentRead),

	SubscribeSend:        post("/cgi-bin/message/subscribe/bizsend", at, SendOnce),
	SubscribeCategories:  get("/wxaapi/newtmpl/getcategory", at, IdempotentRead),
	SubscribePubTitles:   get("/wxaapi/newtmpl/getpubtemplatetitles", at, IdempotentRead),
	SubscribePubKeywords: get("/wxaapi/newtmpl/getpubtemplatekeywords", at, IdempotentRead),
	SubscribeAdd:         post("/wxaapi/newtmpl/addtemplate", at, WriteOnce),
	SubscribeDelete:      post("/wxaapi/newtmpl/deltemplate", at, WriteOnce),
	SubscribeList:        get("/wxaapi/newtmpl/gettemplate", at, IdempotentRead),
	OneTimeSubscribeSend: post("/cgi-bin/message/template/subscribe", at, SendOnce),

	UserSummary:          post("/datacube/getusersummary", at, IdempotentRead),
	UserCumulate:         post("/datacube/getusercumulate", at, IdempotentRead),
	ArticleSummary:       post("/datacube/getarticlesummary", at, IdempotentRead),
	ArticleTotal:         post("/datacube/getarticletotal", at, IdempotentRead),
	UserRead:             post("/datacube/getuserread", at, IdempotentRead),
	UserReadHour:         post("/datacube/getuserreadhour", at, IdempotentRead),
	UserShare:            post("/datacube/getusershare", at, IdempotentRead),
	UserShareHour:        post("/datacube/getusersharehour", at, IdempotentRead),
	UpstreamMsg:          post("/datacube/getupstreammsg", at, IdempotentRead),
	UpstreamMsgHour:      post("/datacube/getupstreammsghour", at, IdempotentRead),
	UpstreamMsgWeek:      post("/datacube/getupstreammsgweek", at, IdempotentRead),
	UpstreamMsgMonth:     post("/datacube/getupstreammsgmonth", at, IdempotentRead),
	UpstreamMsgDist:      post("/datacube/getupstreammsgdist", at, IdempotentRead),
	UpstreamMsgDistWeek:  post("/datacube/getupstreammsgdistweek", at, IdempotentRead),
	UpstreamMsgDistMonth: post("/datacube/getupstreammsgdistmonth", at, IdempotentRead),
	InterfaceSummary:     post("/datacube/getinterfacesummary", at, IdempotentRead),
	InterfaceSummaryHour: post("/datacube/getinterfacesummaryhour", at, IdempotentRead),

	// The image services compute a result from the image; sending it
	// again gives the same answer.
	OCRIDCard:          post("/cv/ocr/idcard", at, IdempotentRead),
	OCRBankCard:        post("/cv/ocr/bankcard", at, IdempotentRead),
	OCRVehicleLicense:  post("/cv/ocr/driving", at, IdempotentRead),
	OCRDrivingLicense:  post("/cv/ocr/drivinglicense", at, IdempotentRead),
	OCRBizLicense:      post("/cv/ocr/bizlicense", at, IdempotentRead),
	OCRPrintedText:     post("/cv/ocr/comm", at, IdempotentRead),
	ImgQRCode:          post("/cv/img/qrcode", at, IdempotentRead),
	ImgAICrop:          post("/cv/img/aicrop", at, IdempotentRead),
	ImgSuperResolution: post("/cv/img/superresolution", at, IdempotentRead),

	// Opening, closing and (un)marking leave the comment area as one call
	// would; a repeated delete or reply fails once the first went through.
	CommentOpen:        post("/cgi-bin/comment/open", at, IdempotentWrite),
	CommentClose:       post("/cgi-bin/comment/close", at, IdempotentWrite),
	CommentList:        post("/cgi-bin/comment/list", at, IdempotentRead),
	CommentMarkElect:   post("/cgi-bin/comment/markelect", at, IdempotentWrite),
	CommentUnmarkElect: post("/cgi-bin/comment/unmarkelect", at, IdempotentWrite),
	CommentDelete:      post("/cgi-bin/comment/delete", at, WriteOnce),
	CommentReplyAdd:    post("/cgi-bin/comment/reply/add", at, WriteOnce),
	CommentReplyDelete: post("/cgi-bin/comment/reply/delete", at, WriteOnce),

	AutoReplyInfo: get("/cgi-bin/get_current_autoreply_info", at, IdempotentRead),

	PublisherStat: get("/publisher/stat", at, IdempotentRead).reporting(BaseResp),

	// Linking and unlinking send the administrators a message to confirm.
	WxaLinkGet: post("/cgi-bin/wxopen/wxamplinkget", at, IdempotentRead),
	WxaLink:    post("/cgi-bin/wxopen/wxamplink", at, SendOnce),
	WxaUnlink:  post("/cgi-bin/wxopen/wxampunlink", at, SendOnce),

	QuotaClearAPI: post("/cgi-bin/openapi/quota/clear", at, WriteOnce), // spends one of 50 resets a month

	OpenCreate: post("/cgi-bin/open/create", at, WriteOnce),
	OpenBind:   post("/cgi-bin/open/bind", at, WriteOnce),
	OpenUnbind: post("/cgi-bin/open/unbind", at, WriteOnce),
	OpenGet:    post("/cgi-bin/open/get", at, IdempotentRead),
	OpenHave:   get("/cgi-bin/open/have", at, IdempotentRead),

	// api_component_token carries the platform's secret and ticket in
	// its body; the others the component_access_token it issues. A code
	// exchange obtains a credential (TokenFetch), as web authorization's
	// does.
	APIComponentToken:          post("/cgi-bin/component/api_component_token", None, TokenFetch),
	APICreatePreAuthCode:       post("/cgi-bin/component/api_create_preauthcode", ct, TokenFetch),
	APIQueryAuth:               post("/cgi-bin/component/api_query_auth", ct, TokenFetch),
	APIAuthorizerToken:         post("/cgi-bin/component/api_authorizer_token", ct, TokenFetch),
	APIGetAuthorizerInfo:       post("/cgi-bin/component/api_get_authorizer_info", ct, IdempotentRead),
	APIGetAuthorizerList:       post("/cgi-bin/component/api_get_authorizer_list", ct, IdempotentRead),
	APIGetAuthorizerOption:     post("/cgi-bin/component/api_get_authorizer_option", ct, IdempotentRead),
	APISetAuthorizerOption:     post("/cgi-bin/component/api_set_authorizer_option", ct, IdempotentWrite),
	ComponentClearQuota:        post("/cgi-bin/component/clear_quota", ct, WriteOnce), // one of ten resets a month
	ComponentOAuthAccessToken:  get("/sns/oauth2/component/access_token", ct, TokenFetch),
	ComponentOAuthRefreshToken: get("/sns/oauth2/component/refresh_token", ct, TokenFetch),
}
