package wechattest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mpkit/wechat/internal/endpoint"
)

// checkRoutes reports how rs departs from the client's endpoint table:
// an endpoint with no route or with more than one, a route of an
// endpoint whose method, path or credential is not the table's, and a
// literal route at a path of the table (it would stand in for the
// endpoint, or be shadowed by it).
func checkRoutes(rs []route) []string {
	table := endpoint.All() // indexed by ID
	var problems []string
	count := make([]int, len(table))
	paths := make(map[string]endpoint.ID, len(table))
	for id, e := range table {
		paths[e.Path] = endpoint.ID(id)
	}
	for _, rt := range rs {
		if rt.id == unlisted {
			if id, ok := paths[rt.path]; ok {
				problems = append(problems, fmt.Sprintf("literal route %s %s is the path of endpoint %d", rt.method, rt.path, id))
			}
			continue
		}
		if rt.id < 0 || int(rt.id) >= len(table) {
			problems = append(problems, fmt.Sprintf("route %s %s names endpoint %d, which the table does not have", rt.method, rt.path, rt.id))
			continue
		}
		count[rt.id]++
		e := table[rt.id]
		if rt.method != e.Method || rt.path != e.Path {
			problems = append(problems, fmt.Sprintf("route of endpoint %d is %s %s, the table says %s %s", rt.id, rt.method, rt.path, e.Method, e.Path))
		}
		if rt.noToken != (e.Auth != endpoint.AccessToken) {
			problems = append(problems, fmt.Sprintf("route %s %s: noToken is %t, the table's Auth is %d", rt.method, rt.path, rt.noToken, e.Auth))
		}
	}
	for id, n := range count {
		switch {
		case n == 0:
			problems = append(problems, fmt.Sprintf("no route for %s %s", table[id].Method, table[id].Path))
		case n > 1:
			problems = append(problems, fmt.Sprintf("%d routes for %s %s", n, table[id].Method, table[id].Path))
		}
	}
	return problems
}

// TestRoutesFollowEndpointTable checks that the fake serves every
// endpoint of the client's table exactly once, with the table's method,
// path and credential, and that none of its literal routes is at a path
// of the table.
func TestRoutesFollowEndpointTable(t *testing.T) {
	s := NewServer()
	defer s.Close()
	rs := s.routeList()
	for _, p := range checkRoutes(rs) {
		t.Error(p)
	}
	literal := 0
	for _, rt := range rs {
		if rt.id == unlisted {
			literal++
		}
	}
	if got, want := len(rs)-literal, int(endpoint.Count); got != want {
		t.Errorf("%d routes of endpoints, want %d", got, want)
	}
	t.Logf("%d routes: %d endpoints of the table, %d literal", len(rs), len(rs)-literal, literal)
}

// TestCheckRoutesFindsDepartures shows that checkRoutes finds each kind
// of departure from the table in a list of routes that has it.
func TestCheckRoutesFindsDepartures(t *testing.T) {
	s := NewServer()
	defer s.Close()
	g := &s.menus.group
	menuGet := endpoint.Get(endpoint.MenuGet)
	tests := []struct {
		name string
		edit func([]route) []route
		want string
	}{
		{
			name: "missing",
			edit: func(rs []route) []route {
				return slices.DeleteFunc(rs, func(rt route) bool { return rt.id == endpoint.MenuGet })
			},
			want: "no route for GET " + menuGet.Path,
		},
		{
			name: "twice",
			edit: func(rs []route) []route { return append(rs, g.route(endpoint.MenuGet, nil)) },
			want: "2 routes for GET " + menuGet.Path,
		},
		{
			name: "other method",
			edit: func(rs []route) []route {
				for i := range rs {
					if rs[i].id == endpoint.MenuGet {
						rs[i].method = http.MethodPost
					}
				}
				return rs
			},
			want: fmt.Sprintf("route of endpoint %d is POST %s, the table says GET %s", endpoint.MenuGet, menuGet.Path, menuGet.Path),
		},
		{
			name: "token on a tokenless endpoint",
			edit: func(rs []route) []route {
				for i := range rs {
					if rs[i].id == endpoint.Token {
						rs[i].noToken = false
					}
				}
				return rs
			},
			want: "route GET /cgi-bin/token: noToken is false",
		},
		{
			name: "literal at a table path",
			edit: func(rs []route) []route {
				return append(rs, g.literal(http.MethodGet, menuGet.Path, endpoint.AccessToken, nil))
			},
			want: "literal route GET " + menuGet.Path + " is the path of endpoint",
		},
		{
			name: "unknown endpoint",
			edit: func(rs []route) []route {
				return append(rs, route{id: endpoint.Count, method: http.MethodGet, path: "/cgi-bin/nowhere"})
			},
			want: "route GET /cgi-bin/nowhere names endpoint",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := checkRoutes(tt.edit(s.routeList()))
			if len(problems) != 1 || !strings.HasPrefix(problems[0], tt.want) {
				t.Errorf("checkRoutes found %q, want one problem starting %q", problems, tt.want)
			}
		})
	}
}
