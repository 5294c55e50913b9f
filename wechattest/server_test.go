package wechattest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

func TestHandleAddsAndOverridesRoutes(t *testing.T) {
	srv, a := startAPI(t)
	assert.False(t, srv.Modelled("/cgi-bin/new/api"))
	assert.True(t, srv.Modelled("/cgi-bin/menu/get"))

	var gotBody string
	srv.Handle("/cgi-bin/new/api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = r.Method + " " + string(b)
		_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok","answer":42}`)
	}))
	r := a.post("/cgi-bin/new/api", `{"q":1}`)
	assert.JSONEq(t, `{"errcode":0,"errmsg":"ok","answer":42}`, string(r.Body))
	assert.Equal(t, `POST {"q":1}`, gotBody, "the handler sees the body as sent")
	assert.Equal(t, 1, srv.Calls("/cgi-bin/new/api"))

	// An override replaces the model, and faults still apply to it.
	srv.Handle("/cgi-bin/menu/get", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"menu":{"button":[]}}`)
	}))
	assert.JSONEq(t, `{"menu":{"button":[]}}`, string(a.get("/cgi-bin/menu/get", nil).Body))
	srv.FailNext("/cgi-bin/menu/get", 1, -1)
	fails(t, a.get("/cgi-bin/menu/get", nil), -1, "system error")

	// Removing the override brings the model back.
	srv.Handle("/cgi-bin/menu/get", nil)
	fails(t, a.get("/cgi-bin/menu/get", nil), 46003, "menu no exist")
}

// An option given an invalid value makes NewServer panic with a message
// that names the option and says what is wrong.
func TestOptionsRejectInvalidValues(t *testing.T) {
	_, keyErr := wechat.NewMessageCipher("token", "short", "wx000000000c0e0002")
	require.Error(t, keyErr)
	tests := []struct {
		opt  wechattest.Option
		name string
		msg  string // the panic after "wechattest: NewServer: "
	}{
		{wechattest.WithAppID(""), "WithAppID", "WithAppID: empty AppID"},
		{wechattest.WithAppSecret(""), "WithAppSecret", "WithAppSecret: empty AppSecret"},
		{wechattest.WithTokenLifetime(0), "WithTokenLifetime", "WithTokenLifetime: lifetime 0s is not positive"},
		{wechattest.WithTicketLifetime(-time.Second), "WithTicketLifetime", "WithTicketLifetime: lifetime -1s is not positive"},
		{wechattest.WithRetiredTokenGrace(-time.Second), "WithRetiredTokenGrace", "WithRetiredTokenGrace: grace -1s is negative"},
		{wechattest.WithClock(nil), "WithClock", "WithClock: nil clock"},
		{wechattest.WithPageSize(0), "WithPageSize", "WithPageSize: page size 0 is not positive"},
		{wechattest.WithFollowers(wechattest.Follower{}), "WithFollowers", "WithFollowers: follower 0 has no OpenID"},
		{wechattest.WithMigration("", nil), "WithMigration", "WithMigration: empty from AppID"},
		{wechattest.WithQuota("/cgi-bin/menu/get", 0), "WithQuota", "WithQuota: limit 0 of /cgi-bin/menu/get is not positive"},
		{wechattest.WithQuota("/cgi-bin/no/such/api", 5), "WithQuota", "WithQuota: /cgi-bin/no/such/api is not an API the fake models"},
		{wechattest.WithKFAccounts(wechattest.KFAccount{Account: "no-at-sign", Nickname: "n"}), "WithKFAccounts",
			`WithKFAccounts: account "no-at-sign" is not prefix@wechat-id`},
		{wechattest.WithKFAccounts(wechattest.KFAccount{Account: "kf1@gh_x", Nickname: strings.Repeat("长", 17)}), "WithKFAccounts",
			`WithKFAccounts: nickname "` + strings.Repeat("长", 17) + `" of kf1@gh_x is empty or longer than 16 characters`},
		{wechattest.WithComponent("wx000000000c0e0002", "secret", "token", ""), "WithComponent",
			"WithComponent: AppID, AppSecret, token and EncodingAESKey are all required"},
		{wechattest.WithComponent("wx000000000c0e0002", "secret", "token", "short"), "WithComponent",
			"WithComponent: " + keyErr.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				require.NotNil(t, r, "NewServer accepted an invalid %s", tt.name)
				assert.Contains(t, r, tt.name, "the panic names the option")
				assert.Equal(t, "wechattest: NewServer: "+tt.msg, r)
			}()
			srv := wechattest.NewServer(tt.opt)
			srv.Close()
		})
	}
}

func TestPageSizeOptionPages(t *testing.T) {
	// A valid page size is used, so a paging test really pages.
	_, a := startAPI(t, wechattest.WithPageSize(1), withFollower("o1", "o2"))
	doc := a.get("/cgi-bin/user/get", nil).JSON(t)
	assert.EqualValues(t, 1, doc["count"])
	assert.EqualValues(t, 2, doc["total"])
}
