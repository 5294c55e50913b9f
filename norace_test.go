//go:build !race

package wechat

// raceAllocs is what the race detector adds to the allocations of a
// webhook push; without it, nothing.
const raceAllocs = 0
