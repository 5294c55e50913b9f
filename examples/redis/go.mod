module github.com/mpkit/wechat/examples/redis

go 1.24.0

require (
	github.com/mpkit/wechat v0.0.0-00010101000000-000000000000
	github.com/mpkit/wechat/redisstore v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.22.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	golang.org/x/sync v0.19.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
)

replace (
	github.com/mpkit/wechat => ../..
	github.com/mpkit/wechat/redisstore => ../../redisstore
)
