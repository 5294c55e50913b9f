package wechat

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The naming rule of the package documentation (section Naming), checked
// on every exported method of *Client. A method that breaks it fails the
// test with what to do: rename it (keeping the old name one release as a
// deprecated alias), or, if the rule truly does not fit, add it to one of
// the lists below with the reason.

// coreVerbs name what most methods do to a resource of WeChat.
var coreVerbs = []string{"Get", "List", "Create", "Update", "Delete", "Send", "Upload", "Download"}

// otherVerbs are the verbs for actions none of the core verbs names, each
// with the reason it is not one of them.
var otherVerbs = map[string]string{
	"Add":         "WeChat's own verb for putting an item into a list the account keeps: a material, a draft, a template chosen from WeChat's library, a customer-service account, a conditional menu beside the default one",
	"BatchGet":    "Get of many items named by their ids in one call (user/info/batchget): not List, which reads a collection",
	"Set":         "writes a setting that the matching Get reads (the template industry, the mass-send speed) or a state (typing)",
	"Refresh":     "replaces a token before it expires",
	"Exchange":    "trades an OAuth code for a token, the OAuth 2.0 word",
	"Check":       "asks whether something holds (a signature, an OAuth token, the network path to the callback URL) and changes nothing",
	"Clear":       "resets the daily API call counts",
	"Close":       "closes the comments of an article that OpenComments opened (CloseComments), and ends a customer-service session that CreateKFSession started (CloseKFSession)",
	"Invite":      "asks a person to bind a customer-service account",
	"Move":        "moves users from one legacy group to another",
	"Tag":         "gives users a tag",
	"Untag":       "takes a tag from users",
	"Blacklist":   "adds users to the blacklist",
	"Unblacklist": "removes users from the blacklist",
	"Change":      "converts openids after an account migration (changeopenid)",
	"Preview":     "sends a mass message to one user to check it before SendMassTo…",
	"Publish":     "publishes a draft",
	"OCR":         "reads the text of an image",
	"Scan":        "reads the QR or bar codes of an image",
	"Suggest":     "returns crops WeChat suggests for an image; nothing is stored",
	"Upscale":     "enlarges an image into a new temporary media",
	"Decrypt":     "opens a safe-mode push, without I/O",
	"Encrypt":     "seals a reply for safe mode, without I/O",
	"Open":        "opens the comments of an article (OpenComments), and verifies and opens a push the webhook does not route (OpenPush, no I/O)",
	"Mark":        "marks a comment as elected (精选), a state of the comment that Unmark takes back",
	"Unmark":      "takes a comment back out of the elected ones",
	"Reply":       "answers a comment as the account: the reply belongs to the comment, not a resource of its own",
	"Link":        "links a Mini Program to the account, WeChat's own verb (关联); the administrators confirm it",
	"Bind":        "binds the account to an Open Platform account (open/bind)",
	"Unbind":      "undoes a bind",
	"Has":         "asks whether the account has an Open Platform account (open/have): a yes or no, not a thing to Get",
	"Unlink":      "undoes a link",
}

// nounMethods are named for what they return, as a field would be: the
// Client's own settings and credentials, and addresses it builds.
var nounMethods = map[string]string{
	"Call":                "the verb alone: sends any endpoint, or a path that has no method of its own (the escape hatch, as go-github's Client.Do)",
	"AppID":               "a setting of the Client",
	"AccessToken":         "the cached credential, fetched only when the store has none (as oauth2's TokenSource.Token)",
	"JSAPITicket":         "the cached credential, as AccessToken",
	"JSSDKConfig":         "the signed wx.config of a page, built from the cached ticket",
	"Webhook":             "the http.Handler of the server configuration; no I/O",
	"AuthorizeURL":        "an address the Client builds; no I/O",
	"QRCodeURL":           "an address the Client builds; no I/O",
	"OneTimeSubscribeURL": "an address the Client builds; no I/O",
}

// interfaceMethods implement an interface of the standard library and
// carry its method's name.
var interfaceMethods = map[string]string{
	"String":   "fmt.Stringer: a Client prints without its secrets",
	"GoString": "fmt.GoStringer, for %#v",
	"Format":   "fmt.Formatter, for %+v and the other verbs",
}

// wholeGets are Get methods whose one thing is returned as a list.
var wholeGets = map[string]string{
	"GetDraft":       "a draft is its articles",
	"GetPublication": "a publication is its articles",
}

// collectiveIterators are iterators named by a collective noun rather than
// a plural.
var collectiveIterators = map[string]string{
	"Blacklist": "the blacklist (黑名单) is WeChat's name for the list",
}

// clientMethods parses the package's source, tests left out, and returns
// the exported methods of *Client.
func clientMethods(t *testing.T) ([]*doc.Func, *doc.Package) {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/mpkit/wechat", doc.PreserveAST)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range pkg.Types {
		if typ.Name == "Client" {
			return typ.Methods, pkg
		}
	}
	t.Fatal("no type Client")
	return nil, nil
}

func isDeprecated(m *doc.Func) bool { return strings.Contains(m.Doc, "\nDeprecated: ") }

// verbOf returns the verb m's name starts with, the longest that is
// followed by an upper-case letter, or "".
func verbOf(name string) string {
	best := ""
	try := func(v string) {
		if len(v) > len(best) && strings.HasPrefix(name, v) && len(name) > len(v) && name[len(v)] >= 'A' && name[len(v)] <= 'Z' {
			best = v
		}
	}
	for _, v := range coreVerbs {
		try(v)
	}
	for v := range otherVerbs {
		try(v)
	}
	return best
}

// typeString prints the few type shapes the rule looks at.
func typeString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + typeString(e.X)
	case *ast.ArrayType:
		return "[]" + typeString(e.Elt)
	case *ast.SelectorExpr:
		return typeString(e.X) + "." + e.Sel.Name
	case *ast.IndexListExpr:
		args := make([]string, len(e.Indices))
		for i, a := range e.Indices {
			args[i] = typeString(a)
		}
		return typeString(e.X) + "[" + strings.Join(args, ", ") + "]"
	case *ast.Ellipsis:
		return "..." + typeString(e.Elt)
	}
	return "?"
}

func results(m *doc.Func) []string {
	var out []string
	if r := m.Decl.Type.Results; r != nil {
		for _, f := range r.List {
			n := max(len(f.Names), 1)
			for range n {
				out = append(out, typeString(f.Type))
			}
		}
	}
	return out
}

func params(m *doc.Func) []string {
	var out []string
	for _, f := range m.Decl.Type.Params.List {
		for range max(len(f.Names), 1) {
			out = append(out, typeString(f.Type))
		}
	}
	return out
}

// hasSliceField reports whether the package's struct type name (a
// pointer's target) has a field that is a slice: a list or a page.
func hasSliceField(pkg *doc.Package, typ string) bool {
	name := strings.TrimPrefix(typ, "*")
	for _, t := range pkg.Types {
		if t.Name != name {
			continue
		}
		for _, spec := range t.Decl.Specs {
			st, ok := spec.(*ast.TypeSpec).Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, f := range st.Fields.List {
				if _, ok := f.Type.(*ast.ArrayType); ok {
					return true
				}
			}
		}
	}
	return false
}

func TestClientMethodsFollowTheNamingRule(t *testing.T) {
	methods, pkg := clientMethods(t)
	byName := map[string]*doc.Func{}
	for _, m := range methods {
		byName[m.Name] = m
	}
	usedVerbs := map[string]bool{}
	var deprecated int
	for _, m := range methods {
		name, res, ps := m.Name, results(m), params(m)
		if isAlias(m) {
			deprecated++
			checkDeprecatedAlias(t, m, byName)
			continue
		}
		if len(res) == 1 && strings.HasPrefix(res[0], "iter.Seq2[") {
			if !strings.HasSuffix(res[0], ", error]") {
				t.Errorf("%s: an iterator yields (item, error), not %s", name, res[0])
			}
			if _, ok := collectiveIterators[name]; !ok && !strings.HasSuffix(name, "s") {
				t.Errorf("%s: an iterator is named for what it yields, as a plural noun (Followers, Drafts); rename it or list it in collectiveIterators", name)
			}
			continue
		}
		if _, ok := nounMethods[name]; ok {
			continue
		}
		if _, ok := interfaceMethods[name]; ok {
			continue
		}
		verb := verbOf(name)
		if verb == "" {
			t.Errorf("%s: starts with no verb of the rule (%s, or one of otherVerbs); rename it, or add its verb to otherVerbs with the reason", name, strings.Join(coreVerbs, ", "))
			continue
		}
		usedVerbs[verb] = true
		first := ""
		if len(res) > 0 {
			first = res[0]
		}
		switch verb {
		case "Get":
			_, whole := wholeGets[name]
			if strings.HasPrefix(first, "[]") && !whole && !isReport(ps) {
				t.Errorf("%s returns %s: Get returns one thing; a method that returns all of a collection, or a page of it, is List…", name, first)
			}
		case "List":
			if !strings.HasPrefix(first, "[]") && !(strings.HasPrefix(first, "*") && hasSliceField(pkg, first)) {
				t.Errorf("%s returns %s: List returns a collection (a slice) or a page of it", name, first)
			}
		}
		if first == "*OpenIDPage" {
			// A page of a list WeChat pages by openid has an iterator of
			// the same name that walks every page.
			item := strings.TrimPrefix(name, "List")
			if verb != "List" {
				t.Errorf("%s returns a page: name it List%s", name, item)
			} else if it := byName[item]; it == nil || isDeprecated(it) {
				t.Errorf("%s returns one page of a list but there is no iterator %s walking every page", name, item)
			}
		}
	}
	for v := range otherVerbs {
		if !usedVerbs[v] {
			t.Errorf("verb %s is listed in otherVerbs but no method uses it: remove it", v)
		}
	}
	for name := range nounMethods {
		if byName[name] == nil {
			t.Errorf("%s is listed in nounMethods but is not a method of Client", name)
		}
	}
	for name := range interfaceMethods {
		if byName[name] == nil {
			t.Errorf("%s is listed in interfaceMethods but is not a method of Client", name)
		}
	}
	for name := range wholeGets {
		if byName[name] == nil {
			t.Errorf("%s is listed in wholeGets but is not a method of Client", name)
		}
	}
	t.Logf("%d exported methods of *Client, %d of them deprecated aliases", len(methods), deprecated)
}

// isReport reports whether a method takes a range of days: a statistics
// report, one thing made of a row per day or hour.
func isReport(params []string) bool {
	n := 0
	for _, p := range params {
		if p == "Date" {
			n++
		}
	}
	return n == 2
}

// isAlias reports whether m is an old name kept for one release: its doc
// sends the reader to the method that replaced it. A method deprecated
// for another reason (an API WeChat withdrew or superseded) is not one,
// and follows the rule like any other.
func isAlias(m *doc.Func) bool {
	return strings.Contains(m.Doc, "Deprecated: use [Client.")
}

// checkDeprecatedAlias checks that a deprecated method only calls the
// method that replaced it, and that its doc names that method.
func checkDeprecatedAlias(t *testing.T, m *doc.Func, byName map[string]*doc.Func) {
	t.Helper()
	body := m.Decl.Body.List
	var call *ast.CallExpr
	if len(body) == 1 {
		if ret, ok := body[0].(*ast.ReturnStmt); ok && len(ret.Results) == 1 {
			call, _ = ret.Results[0].(*ast.CallExpr)
		}
	}
	if call == nil {
		t.Errorf("%s is deprecated: its body must be one return of the method that replaced it", m.Name)
		return
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		t.Errorf("%s is deprecated but does not call a method of the Client", m.Name)
		return
	}
	repl := byName[sel.Sel.Name]
	switch {
	case repl == nil:
		t.Errorf("%s calls %s, which is not an exported method of Client", m.Name, sel.Sel.Name)
	case isAlias(repl):
		t.Errorf("%s calls %s, which is deprecated too", m.Name, repl.Name)
	case !strings.Contains(m.Doc, "Deprecated: use [Client."+repl.Name+"]."):
		t.Errorf("%s calls %s but its doc does not say \"Deprecated: use [Client.%s].\"", m.Name, repl.Name, repl.Name)
	}
	if n := len(params(m)); len(call.Args) != n {
		t.Errorf("%s takes %d arguments but passes %d on", m.Name, n, len(call.Args))
	}
}

// The documentation of WeChat's current reference for official accounts
// (服务号 API), which every API method links.
const weChatDocs = "https://developers.weixin.qq.com/doc/service/"

// noDocPage are API methods whose endpoint has no page in that reference,
// with where the method's doc sends the reader instead.
var noDocPage = map[string]string{
	"ClearAPIQuota":          "openapi/quota/clear is documented in the Channels reference, which the doc links, not the service account's",
	"ListLinkedMiniPrograms": "the Mini Program link APIs are documented for third-party platforms only; the doc links that reference",
	"LinkMiniProgram":        "Mini Program links: the third-party platform reference",
	"UnlinkMiniProgram":      "Mini Program links: the third-party platform reference",
	"CreateOpenAccount":      "the open/* account APIs are documented in the Open Platform reference, which the docs link",
	"BindOpenAccount":        "open/*: the Open Platform reference",
	"UnbindOpenAccount":      "open/*: the Open Platform reference",
	"GetOpenAccount":         "open/*: the Open Platform reference",
	"HasOpenAccount":         "open/*: the Open Platform reference",
	"Call":                   "not one API: its doc says how to find an endpoint's page",
}

// linksDocPage reports whether m's doc must link its page of WeChat's
// reference: m is not deprecated, and it is an API method (a context
// first) or an address builder.
func linksDocPage(m *doc.Func) bool {
	if isDeprecated(m) {
		return false
	}
	ps := params(m)
	return len(ps) > 0 && ps[0] == "context.Context" || isAddressBuilder(m)
}

// isAddressBuilder reports whether m builds an address of WeChat's
// without I/O (AuthorizeURL, QRCodeURL): no context, and a string named
// …URL. The address is documented as an API is.
func isAddressBuilder(m *doc.Func) bool {
	ps, res := params(m), results(m)
	return strings.HasSuffix(m.Name, "URL") && len(res) > 0 && res[0] == "string" &&
		(len(ps) == 0 || ps[0] != "context.Context")
}

func TestAPIMethodsLinkTheirDocumentation(t *testing.T) {
	methods, _ := clientMethods(t)
	byName := map[string]*doc.Func{}
	var missing []string
	builders := 0
	for _, m := range methods {
		byName[m.Name] = m
		if !linksDocPage(m) {
			continue
		}
		if isAddressBuilder(m) {
			builders++
		}
		if _, ok := noDocPage[m.Name]; ok {
			continue
		}
		if !strings.Contains(m.Doc, weChatDocs) {
			missing = append(missing, m.Name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d API methods or address builders do not link their page of %s: %s", len(missing), weChatDocs, strings.Join(missing, ", "))
	}
	if builders == 0 {
		t.Error("no address builder found: isAddressBuilder no longer matches AuthorizeURL and the others")
	}
	for name := range noDocPage {
		switch m := byName[name]; {
		case m == nil:
			t.Errorf("%s is listed in noDocPage but is not a method of Client", name)
		case !linksDocPage(m):
			t.Errorf("%s is listed in noDocPage but its doc need not link a page (deprecated, or neither an API method nor an address builder): remove it", name)
		case strings.Contains(m.Doc, weChatDocs):
			t.Errorf("%s is listed in noDocPage but links its page of %s: remove it", name, weChatDocs)
		}
	}
}

// namingSection returns the section Naming of the package documentation
// (doc.go), up to the next heading.
func namingSection(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		t.Fatal("doc.go has no package documentation")
	}
	_, section, ok := strings.Cut(f.Doc.Text(), "\n# Naming\n")
	if !ok {
		t.Fatal("the package documentation has no section Naming")
	}
	if i := strings.Index(section, "\n# "); i >= 0 {
		section = section[:i]
	}
	return section
}

// identWords splits s into its runs of ASCII letters and digits: the
// names of methods and verbs it mentions, among other words.
func identWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
}

// The section Naming states the rule this file checks: every verb the
// test allows, and every method named for what it returns, is named in it.
func TestNamingSectionMatchesTheRule(t *testing.T) {
	section := namingSection(t)
	words := map[string]bool{}
	for _, w := range identWords(section) {
		words[w] = true
	}
	var names []string
	names = append(names, coreVerbs...)
	for v := range otherVerbs {
		names = append(names, v)
	}
	for n := range nounMethods {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !words[n] {
			t.Errorf("%s is allowed by naming_test.go but the section Naming of doc.go does not name it", n)
		}
	}
}

// The comments of the endpoint table name the methods that call each
// endpoint: by their current names, not by deprecated aliases.
func TestEndpointTableNamesNoDeprecatedAlias(t *testing.T) {
	methods, _ := clientMethods(t)
	aliases := map[string]bool{}
	for _, m := range methods {
		if isAlias(m) {
			aliases[m.Name] = true
		}
	}
	path := filepath.Join("internal", "endpoint", "table.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range f.Comments {
		for _, w := range identWords(g.Text()) {
			if aliases[w] {
				t.Errorf("%s: a comment names %s, a deprecated alias: name the method that replaced it", path, w)
			}
		}
	}
}
