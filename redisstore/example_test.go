package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/redisstore"
	"github.com/redis/go-redis/v9"
)

// Every process of the application builds its Client on a Store over the
// same Redis: they share one access_token, and one of them refreshes it;
// and behind a load balancer their webhooks handle each push once,
// whichever process WeChat's retries reach, a retry on another process
// returning the reply of the handler that runs in the first.
func ExampleNew() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: []string{"127.0.0.1:6379"}, // several addresses: a Cluster; with MasterName: Sentinel
		// Let go-redis stop a command at its context's deadline. The Store
		// returns on time without it, but the command would hold its
		// connection until ReadTimeout.
		ContextTimeoutEnabled: true,
		// A healthy Redis answers the Store in milliseconds: fail fast on
		// one that does not, rather than after go-redis's defaults of 5s.
		DialTimeout:  2 * time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
		// How long a call waits for a free connection when all are busy.
		PoolTimeout: 2 * time.Second,
	})
	defer rdb.Close()

	store, err := redisstore.New(rdb, "myapp:")
	if err != nil {
		log.Fatal(err)
	}
	client, err := wechat.New(
		wechat.WithAppID(os.Getenv("WECHAT_APPID")),
		wechat.WithAppSecret(os.Getenv("WECHAT_APPSECRET")),
		wechat.WithServerToken(os.Getenv("WECHAT_TOKEN")),
		wechat.WithEncodingAESKey(os.Getenv("WECHAT_ENCODING_AES_KEY")),
		wechat.WithTokenStore(store), // one access_token for all processes
		wechat.WithDedupStore(store), // one record of the pushes their webhooks have seen
	)
	if err != nil {
		log.Fatal(err)
	}
	mux := wechat.NewServeMux()
	mux.HandleFunc(wechat.MsgTypeText, func(ctx context.Context, msg *wechat.Message) (wechat.Reply, error) {
		return msg.ReplyText("you said: " + msg.Content), nil
	})
	http.Handle("/wechat", client.Webhook(mux))

	tok, err := client.AccessToken(context.Background())
	if err != nil {
		// errors.Is(err, redisstore.ErrUnavailable) when Redis is down.
		log.Fatal(err)
	}
	fmt.Println("token valid until", tok.ExpiresAt)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
