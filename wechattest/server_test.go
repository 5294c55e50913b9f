package wechattest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpkit/wechat/wechattest"
)

func TestHandleAddsAndOverridesRoutes(t *testing.T) {
	srv := start(t)
	a := newAPI(t, srv)
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

func TestOptionsRejectInvalidValues(t *testing.T) {
	tests := []struct {
		opt  wechattest.Option
		name string
	}{
		{wechattest.WithAppID(""), "WithAppID"},
		{wechattest.WithAppSecret(""), "WithAppSecret"},
		{wechattest.WithTokenLifetime(0), "WithTokenLifetime"},
		{wechattest.WithTicketLifetime(-time.Second), "WithTicketLifetime"},
		{wechattest.WithRetiredTokenGrace(-time.Second), "WithRetiredTokenGrace"},
		{wechattest.WithClock(nil), "WithClock"},
		{wechattest.WithPageSize(0), "WithPageSize"},
		{wechattest.WithFollowers(wechattest.Follower{}), "WithFollowers"},
		{wechattest.WithMigration("", nil), "WithMigration"},
		{wechattest.WithQuota("/cgi-bin/menu/get", 0), "WithQuota"},
		{wechattest.WithQuota("/cgi-bin/no/such/api", 5), "WithQuota"},
		{wechattest.WithKFAccounts(wechattest.KFAccount{Account: "no-at-sign", Nickname: "n"}), "WithKFAccounts"},
		{wechattest.WithKFAccounts(wechattest.KFAccount{Account: "kf1@gh_x", Nickname: strings.Repeat("长", 17)}), "WithKFAccounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				require.NotNil(t, r, "NewServer accepted an invalid %s", tt.name)
				assert.Contains(t, r, tt.name, "the panic names the option")
			}()
			srv := wechattest.NewServer(tt.opt)
			srv.Close()
		})
	}
}

func TestPageSizeOptionPages(t *testing.T) {
	// A valid page size is used, so a paging test really pages.
	srv := start(t, wechattest.WithPageSize(1), withFollower("o1", "o2"))
	a := newAPI(t, srv)
	doc := a.get("/cgi-bin/user/get", nil).JSON(t)
	assert.EqualValues(t, 1, doc["count"])
	assert.EqualValues(t, 2, doc["total"])
}

// An option given an invalid value makes NewServer panic with a message
// that names the option.
func TestInvalidOptionPanics(t *testing.T) {
	for _, tt := range []struct {
		opt  wechattest.Option
		want string
	}{
		{wechattest.WithAppID(""), "wechattest: NewServer: WithAppID: empty AppID"},
		{wechattest.WithAppSecret(""), "wechattest: NewServer: WithAppSecret: empty AppSecret"},
		{wechattest.WithTokenLifetime(0), "wechattest: NewServer: WithTokenLifetime: lifetime 0s is not positive"},
		{wechattest.WithTicketLifetime(-time.Second), "wechattest: NewServer: WithTicketLifetime: lifetime -1s is not positive"},
		{wechattest.WithRetiredTokenGrace(-time.Second), "wechattest: NewServer: WithRetiredTokenGrace: grace -1s is negative"},
		{wechattest.WithPageSize(0), "wechattest: NewServer: WithPageSize: page size 0 is not positive"},
		{wechattest.WithClock(nil), "wechattest: NewServer: WithClock: nil clock"},
	} {
		assert.PanicsWithValue(t, tt.want, func() { wechattest.NewServer(tt.opt).Close() }, tt.want)
	}
}
