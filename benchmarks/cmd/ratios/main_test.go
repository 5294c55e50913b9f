package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run as go test -bench . -benchmem prints it, with -count=3 for one
// benchmark, a benchmark without a floor and one without a peer.
const sample = `goos: linux
goarch: amd64
pkg: github.com/mpkit/wechat/benchmarks
cpu: Intel(R) Xeon(R) Processor
BenchmarkWebhookPlain/mpkit-2         	   95758	      3000 ns/op	    3472 B/op	      21 allocs/op
BenchmarkWebhookPlain/mpkit-2         	   95758	      4000 ns/op	    3472 B/op	      21 allocs/op
BenchmarkWebhookPlain/mpkit-2         	   95758	      9000 ns/op	    3472 B/op	      21 allocs/op
BenchmarkWebhookPlain/silenceper-2    	   14682	     24000 ns/op	   20800 B/op	     210 allocs/op
BenchmarkWebhookPlain/floor-2         	  187906	      2000 ns/op	    1952 B/op	      10 allocs/op
BenchmarkParseText/mpkit-2            	  336608	        87.25 ns/op	     928 B/op	       0 allocs/op
BenchmarkParseText/silenceper-2       	   33964	     11261 ns/op	    4345 B/op	      79 allocs/op
BenchmarkOnlyOurs/mpkit-2             	   10000	      1000 ns/op	       0 B/op	       0 allocs/op
PASS
ok  	github.com/mpkit/wechat/benchmarks	5.082s
`

func render(t *testing.T, input string) string {
	t.Helper()
	s, err := read(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := write(&out, s); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestTables(t *testing.T) {
	out := render(t, sample)
	for _, row := range []string{
		"cpu: Intel(R) Xeon(R) Processor\n",
		"| benchmark | contender | ns/op | B/op | allocs/op |\n|---|---|---:|---:|---:|\n",
		"| benchmark | ns/op mpkit/silenceper | B/op mpkit/silenceper | allocs/op mpkit/silenceper | speed-up (ns/op silenceper/mpkit) | ns/op mpkit/floor |\n|---|---:|---:|---:|---:|---:|\n",
		// The median of 3000, 4000 and 9000.
		"| WebhookPlain | mpkit | 4000 | 3472 | 21 |\n",
		"| WebhookPlain | silenceper | 24000 | 20800 | 210 |\n",
		"| WebhookPlain | floor | 2000 | 1952 | 10 |\n",
		"| ParseText | mpkit | 87.2 | 928 | 0 |\n",
		// ours/theirs, the speed-up theirs/ours, ours/floor.
		"| WebhookPlain | 0.17x | 0.17x | 0.10x | 6.00x | 2.00x |\n",
		"| ParseText | 0.01x | 0.21x | 0.00x | 129.07x | — |\n",
		"| OnlyOurs | — | — | — | — | — |\n",
	} {
		if !strings.Contains(out, row) {
			t.Errorf("output lacks %q:\n%s", row, out)
		}
	}
	// Benchmarks keep the order in which they ran.
	if strings.Index(out, "| WebhookPlain | mpkit") > strings.Index(out, "| ParseText | mpkit") {
		t.Errorf("order changed:\n%s", out)
	}
}

func TestMedianOfEvenCount(t *testing.T) {
	r := result{"ns/op": {4, 1, 3, 2}}
	if got := r.median("ns/op"); got != 2.5 {
		t.Errorf("median = %v, want 2.5", got)
	}
}

// A failed run's figures may come from an error path: no table.
func TestFailedRun(t *testing.T) {
	input := strings.Replace(sample, "PASS\nok ", "--- FAIL: BenchmarkWebhookSafe/mpkit\nFAIL\nFAIL ", 1)
	if _, err := read(strings.NewReader(input)); !errors.Is(err, errFailed) {
		t.Errorf("read of a failed run: %v, want errFailed", err)
	}
	path := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(path, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run([]string{path}, nil, &out); !errors.Is(err, errFailed) || out.Len() != 0 {
		t.Errorf("run of a failed run: %v, printed %q", err, out.String())
	}
}

func TestNoResults(t *testing.T) {
	var out strings.Builder
	if err := run(nil, strings.NewReader("PASS\nok  \tx\t0.1s\n"), &out); err == nil {
		t.Errorf("no error for an input without results; printed %q", out.String())
	}
}

func TestParseResultSkipsOtherLines(t *testing.T) {
	for _, line := range []string{
		"BenchmarkWebhookPlain/mpkit-2", // the name alone, as -v prints it
		"    webhook_test.go:12: Benchmark log line 12 ns/op",
		"Benchmarks are fun 1 2",
		"ok  \tgithub.com/mpkit/wechat/benchmarks\t5.082s",
	} {
		if name, c, v, ok := parseResult(line); ok {
			t.Errorf("parseResult(%q) = %q %q %v", line, name, c, v)
		}
	}
	name, c, v, ok := parseResult("BenchmarkTemplateSendLoopback/silenceper-16 \t 10000\t 30199 ns/op\t 9253 B/op\t 106 allocs/op")
	if !ok || name != "TemplateSendLoopback" || c != "silenceper" || v["ns/op"] != 30199 || v["B/op"] != 9253 || v["allocs/op"] != 106 {
		t.Errorf("parseResult = %q %q %v %v", name, c, v, ok)
	}
}
