//go:build race

package wechat

// raceAllocs is what the race detector adds to the allocations of a
// webhook push: the budgets of the allocation tests allow for it.
const raceAllocs = 3
