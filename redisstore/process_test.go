package redisstore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Environment of a child process started by TestSeparateProcesses.
const (
	childEnv       = "REDISSTORE_TEST_CHILD" // set to the number of goroutines
	childSocketEnv = "REDISSTORE_TEST_SOCKET"
	childURLEnv    = "REDISSTORE_TEST_BASE_URL"
)

// TestSeparateProcesses starts real OS processes, this test binary run
// again as TestChildProcess, against one Redis and one fake token
// endpoint. Each process asks for the token from many goroutines at once;
// WeChat sees one request, and every process gets its token.
func TestSeparateProcesses(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("running as a child process")
	}
	srv := startRedis(t)
	ts := newTokenServer(t)
	release := ts.hold()
	defer release()

	const processes, goroutines = 3, 20
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		lines chan string
		out   strings.Builder // everything it printed, for failure messages
	}
	children := make([]*child, processes)
	var readers sync.WaitGroup
	for i := range children {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t.Cleanup(cancel)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			fmt.Sprintf("%s=%d", childEnv, goroutines),
			childSocketEnv+"="+srv.socket,
			childURLEnv+"="+ts.URL,
		)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		c := &child{cmd: cmd, stdin: stdin, lines: make(chan string, 100)}
		children[i] = c
		readers.Add(1)
		go func() {
			defer readers.Done()
			defer close(c.lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				c.out.WriteString(sc.Text() + "\n")
				c.lines <- sc.Text()
			}
		}()
	}
	// expect reads lines from c until one starts with prefix.
	expect := func(c *child, prefix string) string {
		t.Helper()
		for line := range c.lines {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				return rest
			}
		}
		// The channel is closed: the reader is done with c.out.
		t.Fatalf("child process ended before printing %q; it printed:\n%s", prefix, c.out.String())
		return ""
	}

	// Start them together once all are connected, and let the token
	// endpoint answer only when all of them are calling.
	for _, c := range children {
		expect(c, "ready")
	}
	for _, c := range children {
		_, err := io.WriteString(c.stdin, "go\n")
		require.NoError(t, err)
	}
	for _, c := range children {
		expect(c, "calling")
	}
	release()

	for i, c := range children {
		for range goroutines {
			assert.Equal(t, "token-1", expect(c, "token "), "process %d", i)
		}
		for range c.lines {
		}
	}
	readers.Wait()
	for i, c := range children {
		require.NoError(t, c.cmd.Wait(), "process %d printed:\n%s", i, c.out.String())
	}
	assert.EqualValues(t, 1, ts.requests.Load(), "token requests to WeChat from %d processes", processes)
}

// TestChildProcess is one process of TestSeparateProcesses. It does
// nothing when run on its own.
func TestChildProcess(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("runs only as a child process of TestSeparateProcesses")
	}
	var goroutines int
	_, err := fmt.Sscan(os.Getenv(childEnv), &goroutines)
	require.NoError(t, err)
	srv := &redisServer{t: t, socket: os.Getenv(childSocketEnv)}
	c, _ := newClient(t, srv, os.Getenv(childURLEnv))
	require.NoError(t, srv.client().Ping(context.Background()).Err())

	fmt.Println("ready")
	_, err = bufio.NewReader(os.Stdin).ReadString('\n')
	require.NoError(t, err)
	fmt.Println("calling")

	var wg sync.WaitGroup
	var mu sync.Mutex
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.AccessToken(context.Background())
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fmt.Println("error", err)
				t.Error(err)
				return
			}
			// A fake token from the test's own endpoint.
			fmt.Println("token", tok.Value)
		}()
	}
	wg.Wait()
}
