package endpoint

import "testing"

// Every entry of the table is complete, and no path is declared twice:
// the fake server routes by path.
func TestTable(t *testing.T) {
	seen := map[string]ID{}
	for id := range Count {
		e := Get(id)
		if err := e.Check(); err != nil {
			t.Errorf("endpoint %d (%s): %v", id, e.Path, err)
		}
		if prev, ok := seen[e.Path]; ok {
			t.Errorf("endpoint %d: path %s is already endpoint %d", id, e.Path, prev)
		}
		seen[e.Path] = id
		if got := Lookup(e.Path); got != e {
			t.Errorf("Lookup(%s) = %p, want endpoint %d at %p", e.Path, got, id, e)
		}
	}
	for _, path := range []string{"", "/", "/cgi-bin/message/template/send/", "/CGI-BIN/token"} {
		if got := Lookup(path); got != nil {
			t.Errorf("Lookup(%q) = %s, want nil", path, got.Path)
		}
	}
	if got := len(All()); got != int(Count) {
		t.Errorf("All has %d endpoints, want %d", got, Count)
	}
}

func TestCheck(t *testing.T) {
	for _, e := range []Endpoint{
		{},
		{Method: "PUT", Path: "/a", Auth: AccessToken, Retry: IdempotentRead},
		{Method: "GET", Path: "a", Auth: AccessToken, Retry: IdempotentRead},
		{Method: "GET", Path: "/a?b=c", Auth: AccessToken, Retry: IdempotentRead},
		{Method: "POST", Path: "/a", Retry: SendOnce},
		{Method: "POST", Path: "/a", Auth: None},
		{Method: "POST", Path: "/a", Auth: None, Retry: WriteOnce + 1},
		{Method: "POST", Path: "/a", Auth: ComponentToken + 1, Retry: SendOnce},
	} {
		if e.Check() == nil {
			t.Errorf("Check(%+v) = nil, want an error", e)
		}
	}
	for _, ok := range []Endpoint{post("/a", None, SendOnce), post("/a", ComponentToken, TokenFetch)} {
		if err := ok.Check(); err != nil {
			t.Errorf("Check(%+v) = %v", ok, err)
		}
	}
}

func TestRetried(t *testing.T) {
	want := map[Retry]bool{retryUnset: false, IdempotentRead: true, IdempotentWrite: true, TokenFetch: true, SendOnce: false, WriteOnce: false}
	for r, retried := range want {
		if r.Retried() != retried {
			t.Errorf("%v.Retried() = %t, want %t", r, r.Retried(), retried)
		}
	}
}
