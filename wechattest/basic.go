package wechattest

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/mpkit/wechat/internal/endpoint"
)

// opsAPI keeps what the operations APIs report on: the daily call counts
// of every API (接口调用次数), the quota resets of the month, and the
// short keys (短key托管). The rids come from the server's recorder.
type opsAPI struct {
	group
	day       string           // the day the counts are for, by Beijing time
	used      map[string]int64 // calls today, by path
	month     string           // the month of clears
	clears    int              // clear_quota calls this month
	shortKeys map[string]*shortKey
}

// shortKey is data stored with shorten/gen.
type shortKey struct {
	data    string
	created time.Time
	expires time.Time
}

func newOpsAPI(s *Server) *opsAPI {
	return &opsAPI{group: group{s: s}, used: make(map[string]int64), shortKeys: make(map[string]*shortKey)}
}

func (g *opsAPI) routes() []route {
	return []route{
		g.route(endpoint.CallbackIP, g.handleCallbackIP),
		g.route(endpoint.APIDomainIP, g.handleCallbackIP),
		g.route(endpoint.CallbackCheck, decoding(g.handleCallbackCheck)),
		g.route(endpoint.QuotaGet, decoding(g.handleQuotaGet)),
		g.route(endpoint.QuotaClearAPI, decoding(g.handleQuotaClearAPI)),
		g.route(endpoint.ClearQuota, decoding(g.handleClearQuota)),
		g.route(endpoint.ClearQuotaV2, decoding(g.handleClearQuotaWithSecret)),
		g.route(endpoint.RIDGet, decoding(g.handleRIDGet)),
		g.route(endpoint.ShortenGen, decoding(g.handleShortenGen)),
		g.route(endpoint.ShortenFetch, decoding(g.handleShortenFetch)),
	}
}

// Documented limits of the operations APIs.
const (
	defaultDailyQuota = 100000
	maxClearsPerMonth = 10
	ridLifetime       = 7 * 24 * time.Hour
	maxShortKeyData   = 4 << 10
	maxShortKeyLife   = 2592000 // seconds: 30 days
	shortKeyLength    = 15
)

// dailyQuotas are the documented default daily limits (接口调用频次限制说明)
// of some APIs; the others get defaultDailyQuota. They are keyed by
// endpoint, so that they stay with an API whose path the table changes.
var dailyQuotas = map[endpoint.ID]int64{
	endpoint.Token:        2000,
	endpoint.MenuCreate:   1000,
	endpoint.MenuGet:      10000,
	endpoint.MenuDelete:   1000,
	endpoint.CustomSend:   500000,
	endpoint.MediaUpload:  100000,
	endpoint.MediaGet:     200000,
	endpoint.UserGet:      500,
	endpoint.UserInfo:     5000000,
	endpoint.QRCodeCreate: 100000,
	endpoint.MassSendAll:  100,
	endpoint.TemplateSend: 100000,
}

// beijing is WeChat's time zone, in which quotas are counted per day.
var beijing = time.FixedZone("CST", 8*60*60)

// limit returns the daily limit of an API.
func (g *opsAPI) limit(path string) int64 {
	if n, ok := g.s.cfg.quotas[path]; ok {
		return n
	}
	if rt, ok := g.s.routes[path]; ok && rt.id != unlisted {
		if n, ok := dailyQuotas[rt.id]; ok {
			return n
		}
	}
	return defaultDailyQuota
}

// roll starts a new day's counts when the day changed. Called with g.mu
// held.
func (g *opsAPI) roll(now time.Time) {
	if day := now.In(beijing).Format(time.DateOnly); day != g.day {
		g.day, g.used = day, make(map[string]int64)
	}
	if month := now.In(beijing).Format("2006-01"); month != g.month {
		g.month, g.clears = month, 0
	}
}

// spend counts a call of rt against its daily quota, or answers 45009
// when the quota is spent. The quota APIs themselves are not limited, so
// that a spent quota can always be looked at and cleared.
func (g *opsAPI) spend(rt route, now time.Time) *apiError {
	switch {
	case rt.id == endpoint.QuotaGet, rt.id == endpoint.ClearQuota, rt.id == endpoint.ClearQuotaV2,
		rt.id == endpoint.QuotaClearAPI:
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.roll(now)
	if g.used[rt.path] >= g.limit(rt.path) {
		return fail(45009)
	}
	g.used[rt.path]++
	return nil
}

// handleCallbackIP answers getcallbackip and get_api_domain_ip with the
// loopback address the fake runs on.
func (g *opsAPI) handleCallbackIP(*exchange) any {
	return map[string]any{"ip_list": []string{"127.0.0.1"}}
}

// Sample results of callback/check: the addresses and timings of the
// documented example (网络检测).
var sampleCallbackCheck = []struct {
	ip, time string
}{{"111.161.64.40", "23.079ms"}, {"111.161.64.48", "21.434ms"}}

// callbackCheckRequest is the body of callback/check.
type callbackCheckRequest struct {
	Action   string `json:"action"`
	Operator string `json:"check_operator"`
}

// handleCallbackCheck answers 网络检测 (POST callback/check,
// {"action":"dns"|"ping"|"all","check_operator":"CHINANET"|"UNICOM"|
// "CAP"|"DEFAULT"}) with the documented sample: the fake cannot resolve
// or ping the account's callback URL. The operator of the results is the
// one asked for (UNICOM, as in the sample, for DEFAULT). Other values
// fail with 40097.
func (g *opsAPI) handleCallbackCheck(_ *exchange, req callbackCheckRequest) any {
	op := req.Operator
	switch op {
	case "CHINANET", "UNICOM", "CAP":
	case "DEFAULT":
		op = "UNICOM"
	default:
		return fail(40097)
	}
	dns, ping := []map[string]string{}, []map[string]string{}
	for _, r := range sampleCallbackCheck {
		dns = append(dns, map[string]string{"ip": r.ip, "real_operator": op})
		ping = append(ping, map[string]string{"ip": r.ip, "from_operator": op, "package_loss": "0%", "time": r.time})
	}
	switch req.Action {
	case "dns":
		return map[string]any{"dns": dns, "ping": []any{}}
	case "ping":
		return map[string]any{"dns": []any{}, "ping": ping}
	case "all":
		return map[string]any{"dns": dns, "ping": ping}
	}
	return fail(40097)
}

// cgiPathRequest is the {"cgi_path"} body of the quota APIs.
type cgiPathRequest struct {
	CGIPath string `json:"cgi_path"`
}

// cgiPath returns the path of a quota request: 76021 for a path the fake
// does not model (or one given with its host), 76022 for a web
// authorization (sns) API, whose quota is not reported.
func (g *opsAPI) cgiPath(req cgiPathRequest) (string, *apiError) {
	if strings.HasPrefix(req.CGIPath, "/sns/") {
		return "", fail(76022)
	}
	if rt, ok := g.s.routes[req.CGIPath]; !ok || rt.noToken && rt.id != endpoint.Token {
		return "", fail(76021)
	}
	return req.CGIPath, nil
}

// handleQuotaGet answers 查询API调用额度 (POST openapi/quota/get,
// {"cgi_path"}) with {"quota":{"daily_limit","used","remain"}}: the calls
// the fake counted today, by Beijing time.
func (g *opsAPI) handleQuotaGet(x *exchange, req cgiPathRequest) any {
	path, e := g.cgiPath(req)
	if e != nil {
		return e
	}
	g.roll(x.now)
	limit, used := g.limit(path), g.used[path]
	return map[string]any{"errcode": 0, "errmsg": "ok", "quota": map[string]int64{
		"daily_limit": limit, "used": used, "remain": max(limit-used, 0),
	}}
}

// handleQuotaClearAPI answers 重置指定API调用次数 (POST openapi/quota/clear,
// {"cgi_path"}): the count of that API starts again.
func (g *opsAPI) handleQuotaClearAPI(_ *exchange, req cgiPathRequest) any {
	path, e := g.cgiPath(req)
	if e != nil {
		return e
	}
	delete(g.used, path)
	return okReply()
}

// clearAll resets every count, at most ten times a month (48006 after).
func (g *opsAPI) clearAll(now time.Time) any {
	g.roll(now)
	if g.clears >= maxClearsPerMonth {
		return fail(48006)
	}
	g.clears++
	g.used = make(map[string]int64)
	return okReply()
}

// clearQuotaRequest is the body of clear_quota.
type clearQuotaRequest struct {
	AppID string `json:"appid"`
}

// handleClearQuota answers 清空api的调用quota (POST clear_quota,
// {"appid"}): 41002 without an appid, 40013 for another account's.
func (g *opsAPI) handleClearQuota(x *exchange, req clearQuotaRequest) any {
	switch req.AppID {
	case "":
		return fail(41002)
	case g.s.cfg.appID:
	default:
		return fail(40013)
	}
	return g.clearAll(x.now)
}

// clearQuotaSecretRequest is the body of clear_quota/v2.
type clearQuotaSecretRequest struct {
	AppID     string `json:"appid"`
	AppSecret string `json:"appsecret"`
}

// handleClearQuotaWithSecret answers 使用AppSecret重置API调用次数 (POST
// clear_quota/v2, {"appid","appsecret"}), which needs no access token and
// shares the monthly limit of clear_quota.
func (g *opsAPI) handleClearQuotaWithSecret(x *exchange, req clearQuotaSecretRequest) any {
	if e := g.s.checkAppCredentials("client_credential", req.AppID, req.AppSecret); e != nil {
		return e
	}
	return g.clearAll(x.now)
}

// isRID reports whether v has the form of a rid:
// xxxxxxxx-xxxxxxxx-xxxxxxxx in hex.
func isRID(v string) bool {
	parts := strings.Split(v, "-")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if len(p) != 8 || strings.Trim(p, "0123456789abcdef") != "" {
			return false
		}
	}
	return true
}

// ridRequest is the body of openapi/rid/get.
type ridRequest struct {
	RID string `json:"rid"`
}

// handleRIDGet answers 查询rid信息 (POST openapi/rid/get, {"rid"}) with the
// request the fake answered under that rid: {"request":{"invoke_time",
// "cost_in_ms","request_url","request_body","response_body",
// "client_ip"}}. 76002 for a rid that is empty or malformed, 76001 for
// one the fake did not give or gave more than 7 days ago, 76022 for one
// of a web authorization (sns) call.
func (g *opsAPI) handleRIDGet(x *exchange, req ridRequest) any {
	if !isRID(req.RID) {
		return fail(76002)
	}
	r := g.s.rec.lookup(req.RID)
	switch {
	case r == nil || !x.now.Before(r.at.Add(ridLifetime)):
		return fail(76001)
	case strings.HasPrefix(r.path, "/sns/"):
		return fail(76022)
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "request": map[string]any{
		"invoke_time": r.at.Unix(), "cost_in_ms": r.cost.Milliseconds(),
		"request_url": r.query, "request_body": r.body,
		"response_body": string(r.reply), "client_ip": r.clientIP,
	}}
}

// shortenGenRequest is the body of shorten/gen.
type shortenGenRequest struct {
	LongData      string          `json:"long_data"`
	ExpireSeconds json.RawMessage `json:"expire_seconds"`
}

// handleShortenGen answers 生成短key (POST shorten/gen,
// {"long_data","expire_seconds"}) with a 15-character base62 key: 47003
// without data, 9410010 for more than 4 KB, 9410011 for a lifetime over
// 30 days. A missing or zero expire_seconds means 30 days.
func (g *opsAPI) handleShortenGen(x *exchange, req shortenGenRequest) any {
	life := int64(maxShortKeyLife)
	if len(req.ExpireSeconds) > 0 {
		n, ok := jsonInt(req.ExpireSeconds)
		switch {
		case !ok || n < 0 || n > maxShortKeyLife:
			return fail(9410011)
		case n > 0:
			life = n
		}
	}
	switch {
	case req.LongData == "":
		return failf(47003, "argument invalid! long_data is empty")
	case len(req.LongData) > maxShortKeyData:
		return fail(9410010)
	}
	key := randomString(base62, shortKeyLength)
	g.shortKeys[key] = &shortKey{data: req.LongData, created: x.now, expires: x.now.Add(time.Duration(life) * time.Second)}
	return map[string]any{"errcode": 0, "errmsg": "ok", "short_key": key}
}

// shortenFetchRequest is the body of shorten/fetch.
type shortenFetchRequest struct {
	ShortKey string `json:"short_key"`
}

// handleShortenFetch answers 获取长信息 (POST shorten/fetch, {"short_key"})
// with {"long_data","create_time","expire_seconds"}, expire_seconds being
// what is left; 9410012 for a key that does not exist or expired.
func (g *opsAPI) handleShortenFetch(x *exchange, req shortenFetchRequest) any {
	k := g.shortKeys[req.ShortKey]
	if k == nil || !x.now.Before(k.expires) {
		return fail(9410012)
	}
	return map[string]any{
		"errcode": 0, "errmsg": "ok", "long_data": k.data,
		"create_time": k.created.Unix(), "expire_seconds": int64(k.expires.Sub(x.now) / time.Second),
	}
}

// Quota returns how many calls to path the fake counted today (by
// Beijing time on the server's clock) and the daily limit, as
// openapi/quota/get reports them.
func (s *Server) Quota(path string) (used, limit int64) {
	g := s.ops
	g.mu.Lock()
	defer g.mu.Unlock()
	g.roll(s.now())
	return g.used[path], g.limit(path)
}
