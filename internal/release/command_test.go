package release

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCommand(t *testing.T) {
	one := func(n int) bool { return n == 1 }
	tests := []struct {
		name   string
		args   []string
		runErr error
		code   int
		stderr string
		ran    []string
		v      string
	}{
		{"runs", []string{"-v", "x", "v1.0.0"}, nil, 0, "", []string{"v1.0.0"}, "x"},
		{"run fails", []string{"v1.0.0"}, errors.New("tests failed"), 1, "tool: tests failed\n", []string{"v1.0.0"}, ""},
		{"no argument", nil, nil, 2, "usage: go run ./internal/cmd/tool [-v V] vX.Y.Z\n  -v V\n    \tthe V to use\n", nil, ""},
		{"help", []string{"-h"}, nil, 0, "usage: go run ./internal/cmd/tool [-v V] vX.Y.Z\n  -v V\n    \tthe V to use\n", nil, ""},
		{"unknown flag", []string{"-nope", "v1.0.0"}, nil, 2, "flag provided but not defined: -nope\nusage: go run ./internal/cmd/tool [-v V] vX.Y.Z\n  -v V\n    \tthe V to use\n", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("tool", flag.ContinueOnError)
			v := fs.String("v", "", "the `V` to use")
			var stderr bytes.Buffer
			var ran []string
			code := command(context.Background(), fs, tt.args, &stderr, "tool", "[-v V] vX.Y.Z", one, func(ctx context.Context, args []string) error {
				ran = args
				return tt.runErr
			})
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.stderr, stderr.String())
			assert.Equal(t, tt.ran, ran)
			assert.Equal(t, tt.v, *v)
		})
	}
}
