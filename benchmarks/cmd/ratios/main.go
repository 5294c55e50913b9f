// Command ratios turns the output of this module's benchmarks into the
// tables of its README: each contender's ns/op, B/op and allocs/op, then
// the ratios mpkit/silenceper and mpkit/floor. Figures from one run on a
// shared machine move from run to run; ratios measured in the same run
// move much less, so they are what to compare.
//
// Usage, in the benchmarks directory:
//
//	go test -bench . -benchmem > bench.txt && go run ./cmd/ratios bench.txt
//
// With no file it reads standard input. With -count=N the median of the
// N results of a benchmark is shown. It exits 1 if the run failed, since
// a failed run's figures may measure an error path.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The contenders' sub-benchmark names.
const (
	ours   = "mpkit"
	theirs = "silenceper"
	floor  = "floor"
)

// metrics returns the three figures of -benchmem, in the order printed.
func metrics() []string { return []string{"ns/op", "B/op", "allocs/op"} }

// result is every value measured for one benchmark and contender, by unit.
type result map[string][]float64

// median returns the median of the values of unit, or NaN if none.
func (r result) median(unit string) float64 {
	v := slices.Clone(r[unit])
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// group is one benchmark and its contenders, in the order they ran.
type group struct {
	name       string
	contenders []string
	results    map[string]result
}

// summary is what a run printed.
type summary struct {
	cpu    string
	groups []*group
}

// errFailed reports a run that printed FAIL.
var errFailed = errors.New("the benchmark run failed; its figures are not comparable")

// read parses the output of go test -bench. Lines that are not results
// (PASS, goos, a test's log) are skipped, save cpu.
func read(r io.Reader) (*summary, error) {
	s := &summary{}
	byName := map[string]*group{}
	failed := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			s.cpu = cpu
			continue
		}
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(strings.TrimSpace(line), "--- FAIL") {
			failed = true
			continue
		}
		name, contender, values, ok := parseResult(line)
		if !ok {
			continue
		}
		g := byName[name]
		if g == nil {
			g = &group{name: name, results: map[string]result{}}
			byName[name] = g
			s.groups = append(s.groups, g)
		}
		res := g.results[contender]
		if res == nil {
			res = result{}
			g.results[contender] = res
			g.contenders = append(g.contenders, contender)
		}
		for unit, v := range values {
			res[unit] = append(res[unit], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if failed {
		return s, errFailed
	}
	return s, nil
}

// parseResult reads one result line such as
//
//	BenchmarkWebhookPlain/mpkit-2  95758  3688 ns/op  3472 B/op  21 allocs/op
//
// into the benchmark's name without its Benchmark prefix, the
// sub-benchmark and the values by unit. A benchmark without a
// sub-benchmark is reported under its own name with an empty contender.
func parseResult(line string) (name, contender string, values map[string]float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", "", nil, false
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return "", "", nil, false
	}
	full := strings.TrimPrefix(f[0], "Benchmark")
	// The -N suffix is GOMAXPROCS.
	if i := strings.LastIndexByte(full, '-'); i > 0 {
		if _, err := strconv.Atoi(full[i+1:]); err == nil {
			full = full[:i]
		}
	}
	name, contender, _ = strings.Cut(full, "/")
	values = map[string]float64{}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", "", nil, false
		}
		values[f[i+1]] = v
	}
	return name, contender, values, len(values) > 0
}

// figure formats a measured value: whole numbers as such, small ones
// with one decimal.
func figure(v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case v >= 100 || v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

// ratio formats a/b, or a dash where it has no meaning.
func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "—"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64) + "x"
}

// write prints s as two Markdown tables.
func write(w io.Writer, s *summary) error {
	bw := bufio.NewWriter(w)
	if s.cpu != "" {
		fmt.Fprintf(bw, "cpu: %s\n\n", s.cpu)
	}
	fmt.Fprintln(bw, "| benchmark | contender | ns/op | B/op | allocs/op |")
	fmt.Fprintln(bw, "|---|---|---:|---:|---:|")
	for _, g := range s.groups {
		for _, c := range g.contenders {
			r := g.results[c]
			fmt.Fprintf(bw, "| %s | %s |", g.name, c)
			for _, m := range metrics() {
				fmt.Fprintf(bw, " %s |", figure(r.median(m)))
			}
			fmt.Fprintln(bw)
		}
	}
	fmt.Fprintln(bw)
	fmt.Fprintf(bw, "| benchmark | ns/op %[1]s/%[2]s | B/op %[1]s/%[2]s | allocs/op %[1]s/%[2]s | speed-up (ns/op %[2]s/%[1]s) | ns/op %[1]s/%[3]s |\n", ours, theirs, floor)
	fmt.Fprintln(bw, "|---|---:|---:|---:|---:|---:|")
	for _, g := range s.groups {
		o, t, f := g.results[ours], g.results[theirs], g.results[floor]
		if o == nil {
			continue
		}
		fmt.Fprintf(bw, "| %s |", g.name)
		for _, m := range metrics() {
			fmt.Fprintf(bw, " %s |", ratio(o.median(m), t.median(m)))
		}
		fmt.Fprintf(bw, " %s | %s |\n", ratio(t.median("ns/op"), o.median("ns/op")), ratio(o.median("ns/op"), f.median("ns/op")))
	}
	return bw.Flush()
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	in := stdin
	switch len(args) {
	case 0:
	case 1:
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	default:
		return errors.New("usage: ratios [go-test-bench-output]")
	}
	s, err := read(in)
	if err != nil {
		return err
	}
	if len(s.groups) == 0 {
		return errors.New("no benchmark results in the input (was it run with -bench . -benchmem?)")
	}
	return write(stdout, s)
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
}
