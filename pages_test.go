package wechat

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// paginate yields every item of every page in order, fetches a page only
// when the previous one is used up, and yields a fetch error once.
func TestPaginate(t *testing.T) {
	pages := map[int][]string{0: {"a", "b"}, 2: {"c", "d"}, 4: {"e"}}
	var fetched []int
	fetch := func(_ context.Context, cursor int) ([]string, int, bool, error) {
		fetched = append(fetched, cursor)
		if cursor == 99 {
			return nil, 0, false, errors.New("boom")
		}
		items := pages[cursor]
		return items, cursor + len(items), cursor+len(items) < 5, nil
	}

	var got []string
	for v, err := range paginate(context.Background(), 0, fetch) {
		assert.NoError(t, err)
		got = append(got, v)
	}
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, got)
	assert.Equal(t, []int{0, 2, 4}, fetched)

	// An early break fetches no further page.
	fetched = nil
	for v := range paginate(context.Background(), 0, fetch) {
		if v == "b" {
			break
		}
	}
	assert.Equal(t, []int{0}, fetched)

	var errs []error
	for _, err := range paginate(context.Background(), 99, fetch) {
		errs = append(errs, err)
	}
	assert.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "boom")
}

// An empty page that says there is more ends the iteration: paginate
// does not ask for the next page, so that a server answering empty pages
// for ever cannot keep it looping. Should it ask, the next page answers
// an error, which the test sees, rather than another empty page.
func TestPaginateStopsOnEmptyPage(t *testing.T) {
	var fetched []int
	fetch := func(_ context.Context, cursor int) ([]string, int, bool, error) {
		fetched = append(fetched, cursor)
		switch cursor {
		case 0:
			return []string{"a"}, 1, true, nil
		case 1:
			return nil, 2, true, nil // empty, yet more
		}
		return nil, 0, false, errors.New("fetched past the empty page")
	}
	var got []string
	for v, err := range paginate(context.Background(), 0, fetch) {
		require.NoError(t, err)
		got = append(got, v)
	}
	assert.Equal(t, []string{"a"}, got)
	assert.Equal(t, []int{0, 1}, fetched)
}
