package wechat_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// latencies is a stand-in for a metrics library: a histogram of attempt
// durations by API path and errcode.
type latencies struct {
	mu      sync.Mutex
	samples map[string][]time.Duration
	urls    []string // what a tracer would record as url.full
}

func (l *latencies) observe(_ context.Context, a wechat.Attempt) {
	// With Prometheus, a HistogramVec labelled by path and errcode:
	//   hist.WithLabelValues(a.Path, strconv.Itoa(a.ErrCode)).Observe(a.Duration.Seconds())
	// With OpenTelemetry, a span per attempt, started back from now:
	//   _, span := tracer.Start(ctx, a.Method+" "+a.Path, trace.WithTimestamp(time.Now().Add(-a.Duration)))
	//   span.SetAttributes(attribute.String("url.full", a.URL), attribute.Int("http.response.status_code", a.StatusCode))
	//   if a.Err != nil { span.RecordError(a.Err) }
	//   span.End()
	// a.URL is safe to record: its secrets are already redacted.
	l.mu.Lock()
	defer l.mu.Unlock()
	key := fmt.Sprintf("%s errcode=%d", a.Path, a.ErrCode)
	l.samples[key] = append(l.samples[key], a.Duration)
	l.urls = append(l.urls, a.URL)
}

func ExampleWithObserver() {
	srv := wechattest.NewServer()
	defer srv.Close()
	srv.FailNext("/cgi-bin/getcallbackip", 1, wechat.CodeSystemBusy) // one "system error", then success

	hist := &latencies{samples: map[string][]time.Duration{}}
	client, err := srv.Client(wechat.WithObserver(hist.observe))
	if err != nil {
		log.Fatal(err)
	}
	// The call fetches a token first, then is retried once.
	if _, err := client.ListCallbackIPs(context.Background()); err != nil {
		log.Fatal(err)
	}

	keys := make([]string, 0, len(hist.samples))
	for k := range hist.samples {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Println(k, "count", len(hist.samples[k]))
	}
	for _, u := range hist.urls {
		fmt.Println(strings.TrimPrefix(u, srv.URL))
	}
	// Output:
	// /cgi-bin/getcallbackip errcode=-1 count 1
	// /cgi-bin/getcallbackip errcode=0 count 1
	// /cgi-bin/token errcode=0 count 1
	// /cgi-bin/token?appid=wx0000000000fa4e00&grant_type=client_credential&secret=REDACTED
	// /cgi-bin/getcallbackip?access_token=REDACTED
	// /cgi-bin/getcallbackip?access_token=REDACTED
}
