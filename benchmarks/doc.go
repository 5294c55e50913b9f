// Package benchmarks compares github.com/mpkit/wechat with
// github.com/silenceper/wechat/v2 on identical inputs: the webhook in
// plain and safe mode, parsing an inbound message, building a reply and
// sending a template message. It is a module of its own so that the SDK
// never requires a peer SDK, and it holds only tests and benchmarks; its
// README says how to run them and shows one run.
package benchmarks
