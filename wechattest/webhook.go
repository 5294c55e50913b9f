package wechattest

// This file is reserved for the webhook side of the fake: building the
// requests WeChat sends to a server (the signed GET URL check, signed
// plain and encrypted POSTs of a message) and decrypting and parsing the
// reply. Those helpers need the message types and the message crypto of
// package wechat, and are added together with them.
