package wechattest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// A storeCheck is one named check of a store's contract. It runs on a
// store of its own and builds its steps when called, so that a step reads
// what the ones before it left.
type storeCheck[C any] struct {
	name  string
	check func(c C) error
}

// A storeContract is the checks of one interface, and those of an
// optional interface that extends it (ReplyTracker, RefreshTokenSwapper),
// run only on stores that implement it.
type storeContract[S, C any] struct {
	// begin makes the state of the check numbered i from its store.
	begin  func(i int, name string, s S) C
	checks []storeCheck[C]
	// extended reports whether s implements the extension, named ext.
	extended func(s S) bool
	ext      string
	more     []storeCheck[C]
}

// run calls newStore once for each check and runs the check on the store
// it returns, the extension's checks too when the first store implements
// it. It returns an error naming every check that failed.
func (sc storeContract[S, C]) run(newStore func() S) error {
	var errs []error
	extended := false
	check := func(i int, tc storeCheck[C], wantExt bool) {
		s := newStore()
		var err error
		switch {
		case any(s) == nil:
			err = errors.New("newStore returned nil")
		case i == 0 && sc.extended != nil:
			extended = sc.extended(s)
		case wantExt && !sc.extended(s):
			err = fmt.Errorf("newStore returned a store that is not a %s after one that is", sc.ext)
		}
		if err == nil {
			err = tc.check(sc.begin(i, tc.name, s))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", tc.name, err))
		}
	}
	for i, tc := range sc.checks {
		check(i, tc, false)
	}
	if extended {
		for i, tc := range sc.more {
			check(len(sc.checks)+i, tc, true)
		}
	}
	return errors.Join(errs...)
}

// implements reports whether s is an X as well: a storeContract's
// extended.
func implements[S, X any](s S) bool {
	_, ok := any(s).(X)
	return ok
}

// shown is how a failed check prints a token a store returned: quoted if
// it is one of the check's own (ours) or empty, else only as one the check
// did not make (did is "fetch" or "store"), for it may be a real token of
// the store's, and test logs are read widely.
func shown(value, did string, ours ...string) string {
	if value == "" || slices.Contains(ours, value) {
		return strconv.Quote(value)
	}
	return "a token the check did not " + did
}

// all runs steps in order and returns the first error.
func all(steps ...func() error) error {
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}
