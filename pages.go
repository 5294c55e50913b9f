package wechat

import (
	"context"
	"iter"
)

// pageFunc fetches the page that starts at cursor. It returns the page's
// items, the cursor of the next page, and whether there is one.
type pageFunc[T, C any] func(ctx context.Context, cursor C) (items []T, next C, more bool, err error)

// paginate turns a paged API into an iterator over its items. It fetches a
// page only when the consumer has used the previous one, stops at the first
// error (yielded once, with the zero item) and stops fetching as soon as
// the consumer breaks.
func paginate[T, C any](ctx context.Context, start C, fetch pageFunc[T, C]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		cursor := start
		for {
			items, next, more, err := fetch(ctx, cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if !more || len(items) == 0 {
				return
			}
			cursor = next
		}
	}
}

// failedSeq is an iterator that yields err once, with the zero item: the
// iterator of a paged API whose arguments are refused before any request.
func failedSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
