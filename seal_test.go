package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cbcEncrypt and cbcDecrypt are CBC mode as crypto/cipher has it, for
// every length from none to many blocks, in both directions.
func TestCBCMatchesCryptoCipher(t *testing.T) {
	key := bytes.Repeat([]byte("0123456789abcdef"), 2)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	iv := key[:aes.BlockSize]
	for blocks := range 20 {
		plain := make([]byte, blocks*aes.BlockSize)
		for i := range plain {
			plain[i] = byte(i*7 + blocks)
		}
		want := make([]byte, len(plain))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(want, plain)
		got := bytes.Clone(plain)
		cbcEncrypt(block, iv, got)
		require.Equal(t, want, got, "encrypting %d blocks", blocks)

		cbcDecrypt(block, iv, got)
		require.Equal(t, plain, got, "decrypting %d blocks", blocks)
		// The same ciphertext through crypto/cipher, to rule out a pair
		// of functions that only undo each other.
		back := make([]byte, len(want))
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(back, want)
		require.Equal(t, plain, back)
	}
}

// The webhook's safe-mode reply, rendered in one buffer, is byte for byte
// what Envelope.ReplyXML renders from the same ciphertext: for each token
// and key of a rotating ring, and for a timestamp and nonce that need
// CDATA or escaping.
func TestKeyRingSealIsReplyXML(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t, WithEncodingAESKey(v.EncodingAESKey), WithPreviousServerToken("old_token"),
		WithPreviousEncodingAESKey(strings.Repeat("b", 43)))
	ring := c.keys
	require.Len(t, ring.tokens, 2)
	require.Len(t, ring.keys, 2)
	prefix := []byte("sixteen random b")
	plain := []byte("<xml><ToUserName><![CDATA[o1]]></ToUserName><Content><![CDATA[你好]]></Content></xml>")
	for _, tc := range []struct{ timestamp, nonce string }{
		{"1348831860", "1641605039"},
		{" 1348831860", "a]]>b"},
		{"1<2&3", "tab\tand\x01control"},
		{"", ""},
	} {
		for token := range ring.tokens {
			for key := range ring.keys {
				got, err := ring.seal(bytes.NewReader(prefix), plain, token, key, tc.timestamp, tc.nonce)
				require.NoError(t, err)
				env, err := ring.encrypt(bytes.NewReader(prefix), plain, token, key, tc.timestamp, tc.nonce)
				require.NoError(t, err)
				assert.Equal(t, string(env.ReplyXML()), string(got), "token %d, key %d, %q", token, key, tc)

				// And it opens: the signature is over the ciphertext, the
				// plaintext comes back with its prefix.
				parsed, err := ParseEnvelope(got)
				require.NoError(t, err)
				assert.Positive(t, ring.verify(parsed.MsgSignature, tc.timestamp, tc.nonce, parsed.Encrypt)+1)
				msg, k, err := ring.open(parsed.Encrypt)
				require.NoError(t, err)
				assert.Equal(t, key, k)
				assert.Equal(t, plain, msg)
			}
		}
	}
}

// A random source that fails fails the reply, with nothing rendered.
func TestKeyRingSealRandomFailure(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t, WithEncodingAESKey(v.EncodingAESKey))
	out, err := c.keys.seal(failingReader{}, []byte("<xml/>"), 0, 0, "1", "2")
	assert.Nil(t, out)
	assert.ErrorContains(t, err, "entropy exhausted")
}

// sortedSHA1 takes up to four parts in any order; a fifth is a mistake of
// the caller's, not a silently different signature.
func TestSortedSHA1Parts(t *testing.T) {
	want := sha1.Sum([]byte("abcd"))
	assert.Equal(t, want, sortedSHA1("d", "b", "c", "a"))
	assert.Equal(t, want, sortedSHA1("abcd"))
	assert.Panics(t, func() { sortedSHA1("a", "b", "c", "d", "e") })
}
