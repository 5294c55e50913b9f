package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// requireRedisEnv turns the skip for a missing redis-server into a
// failure, so that CI cannot pass without running these tests.
const requireRedisEnv = "WECHAT_REQUIRE_REDIS"

// redisServer is a real redis-server private to one test, listening on a
// Unix socket only, with persistence off so that a restart empties it.
type redisServer struct {
	t      *testing.T
	bin    string
	dir    string
	socket string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startRedis starts a redis-server for t and stops it when t ends. It
// skips t when redis-server is not installed, unless WECHAT_REQUIRE_REDIS=1.
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	bin, dir := redisServerFiles(t)
	s := &redisServer{t: t, bin: bin, dir: dir, socket: filepath.Join(dir, "redis.sock")}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// redisServerFiles finds redis-server, skipping t when it is not
// installed unless WECHAT_REQUIRE_REDIS=1, and makes a directory for the
// server's files, removed when t ends.
func redisServerFiles(t *testing.T) (bin, dir string) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(requireRedisEnv) == "1" {
			t.Fatalf("redis-server not found in PATH and %s=1: %v", requireRedisEnv, err)
		}
		t.Skipf("redis-server not found in PATH: install it (apt-get install redis-server) to run this test; set %s=1 to make its absence a failure", requireRedisEnv)
	}
	// A short directory: Unix socket paths are limited to about 100 bytes,
	// which t.TempDir with a long test name can exceed.
	dir, err = os.MkdirTemp("", "redisstore")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return bin, dir
}

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin,
		"--port", "0",
		"--unixsocket", s.socket,
		"--unixsocketperm", "700",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--logfile", filepath.Join(s.dir, "redis.log"),
	)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)

	rdb := redis.NewClient(&redis.Options{Network: "unix", Addr: s.socket, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := rdb.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		select {
		case <-s.exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.t.Fatalf("redis-server exited at start-up:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server did not answer PING within 10s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop kills the server and waits until it has exited, so that its socket
// no longer accepts connections. It is idempotent.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
	_ = os.Remove(s.socket)
}

// client returns a new connection pool to the server, closed when the test
// ends: one per simulated process.
func (s *redisServer) client() *redis.Client {
	// Short retry back-offs keep the tests that stop Redis quick.
	rdb := redis.NewClient(&redis.Options{Network: "unix", Addr: s.socket,
		MaxRetryBackoff: 20 * time.Millisecond, DialerRetryTimeout: 5 * time.Millisecond})
	s.t.Cleanup(func() { rdb.Close() })
	return rdb
}

// tokenServer is a fake WeChat token endpoint (cgi-bin/token). It counts
// requests and answers the n-th with access_token "token-n". While hold is
// set, each request waits until release is called.
type tokenServer struct {
	*httptest.Server
	requests atomic.Int64
	arrived  chan struct{} // receives once per request as it arrives

	mu      sync.Mutex
	gate    chan struct{}
	replies []string // answers to use instead of the default, in order
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{arrived: make(chan struct{}, 1024)}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/cgi-bin/token" {
		http.NotFound(w, r)
		return
	}
	n := ts.requests.Add(1)
	ts.arrived <- struct{}{}
	ts.mu.Lock()
	gate := ts.gate
	var reply string
	if len(ts.replies) > 0 {
		reply, ts.replies = ts.replies[0], ts.replies[1:]
	}
	ts.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if reply == "" {
		reply = fmt.Sprintf(`{"access_token":"token-%d","expires_in":7200}`, n)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, reply)
}

// hold makes requests wait until the returned release is called.
func (ts *tokenServer) hold() (release func()) {
	gate := make(chan struct{})
	ts.mu.Lock()
	ts.gate = gate
	ts.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			ts.mu.Lock()
			ts.gate = nil
			ts.mu.Unlock()
			close(gate)
		})
	}
}

// reply queues the body of the next answer.
func (ts *tokenServer) reply(body string) {
	ts.mu.Lock()
	ts.replies = append(ts.replies, body)
	ts.mu.Unlock()
}

// waitArrival waits until a token request reaches the server.
func (ts *tokenServer) waitArrival(t *testing.T) {
	t.Helper()
	select {
	case <-ts.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no token request reached the fake endpoint within 10s")
	}
}

// waitFor polls cond until it holds, failing t after 10s. It is for
// conditions that only Redis can tell, such as a key's expiry.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// noSecret fails t if err mentions one of the token values.
func noSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains the token %q", err, s)
		}
	}
}

var errFetch = errors.New("fetch failed")

// startRedisCluster starts a Redis Cluster of one node that serves every
// hash slot, for t only, and returns a Cluster client to it. One node is
// enough to see what a Cluster refuses: a command or script whose keys
// lie in different slots fails with CROSSSLOT there as on many nodes.
func startRedisCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	bin, dir := redisServerFiles(t)
	// A Cluster node needs TCP ports for its clients and for the cluster
	// bus. Ports picked this way could be taken before redis-server binds
	// them; the start-up check below would then report it.
	port, busPort := freePort(t), freePort(t)
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1",
		"--port", fmt.Sprint(port),
		"--cluster-enabled", "yes",
		"--cluster-port", fmt.Sprint(busPort),
		"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
		"--cluster-announce-ip", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"),
	)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	addr := fmt.Sprintf("127.0.0.1:%d", port)
	node := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer node.Close()
	ctx := context.Background()
	ready := false
	deadline := time.Now().Add(10 * time.Second)
	for !ready {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server exited at start-up:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the Redis Cluster node was not ready within 10s")
		}
		if node.Ping(ctx).Err() == nil {
			// Fails once the slots are assigned, which is fine.
			_ = node.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err()
			info, _ := node.ClusterInfo(ctx).Result()
			ready = strings.Contains(info, "cluster_state:ok")
		}
		if !ready {
			time.Sleep(10 * time.Millisecond)
		}
	}

	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// freePort returns a TCP port on the loopback interface that was free a
// moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// hangingRedis listens on loopback and accepts connections, but never
// answers: a Redis that hangs, as one does when overloaded, partitioned
// away or paused. It reads what it is sent, so that no write blocks.
// Calling stop, which also happens when t ends, closes its listener and
// its connections: that ends any command still waiting on it.
func hangingRedis(t *testing.T) (addr string, stop func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	closed := false
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	stop = func() {
		l.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			c.Close()
		}
		conns = nil
		mu.Unlock()
	}
	t.Cleanup(stop)
	return l.Addr().String(), stop
}

// storeGoroutines returns the stacks of the goroutines that run code of
// package redisstore, the tests excepted.
func storeGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "mpkit/wechat/redisstore.") {
			found = append(found, g)
		}
	}
	return found
}

// noStoreGoroutines fails t unless every goroutine of the Store ends
// within 10s: abandoned Redis commands must not leak.
func noStoreGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := storeGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the Store still running after 10s:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
