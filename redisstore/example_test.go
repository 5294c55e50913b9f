package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/redisstore"
	"github.com/redis/go-redis/v9"
)

// Every process of the application builds its Client on a Store over the
// same Redis: they share one access_token, and one of them refreshes it.
func ExampleNew() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: []string{"127.0.0.1:6379"}, // several addresses: a Cluster; with MasterName: Sentinel
	})
	defer rdb.Close()

	store, err := redisstore.New(rdb, "myapp:")
	if err != nil {
		log.Fatal(err)
	}
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
		wechat.WithTokenStore(store),
	)
	if err != nil {
		log.Fatal(err)
	}

	tok, err := client.AccessToken(context.Background())
	if err != nil {
		// errors.Is(err, redisstore.ErrUnavailable) when Redis is down.
		log.Fatal(err)
	}
	fmt.Println("token valid until", tok.ExpiresAt)
}
