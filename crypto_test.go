package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cryptoVector is the common shape of the testdata/crypto JSON files.
type cryptoVector struct {
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	AppID          string `json:"appid"`
	ReceiverID     string `json:"receiver_id"`
	Timestamp      string `json:"timestamp"`
	Nonce          string `json:"nonce"`
	Signature      string `json:"signature"`
	MsgSignature   string `json:"msg_signature"`
	Encrypt        string `json:"encrypt"`
	RandomPrefix   string `json:"random_prefix"`
	Derived        struct {
		DecryptedXML string `json:"decrypted_xml"`
		URLSignature string `json:"url_signature_sha1_token_timestamp_nonce"`
	} `json:"derived"`
	Cases []struct {
		Plaintext     string `json:"plaintext"`
		Ciphertext    string `json:"ciphertext"`
		DerivedMsgSig string `json:"derived_msg_signature"`
	} `json:"cases"`
}

func loadVector(t testing.TB, name string) cryptoVector {
	t.Helper()
	var v cryptoVector
	require.NoError(t, json.Unmarshal(fixture(t, "crypto/"+name), &v))
	return v
}

// vectorClock is a Client clock at the vector's timestamp, so that its
// captured push is fresh.
func vectorClock(t testing.TB, v cryptoVector) Option {
	t.Helper()
	ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
	require.NoError(t, err)
	return WithClock(func() time.Time { return time.Unix(ts, 0) })
}

func newCipher(t testing.TB, v cryptoVector) *MessageCipher {
	t.Helper()
	appID := v.AppID
	if appID == "" {
		appID = v.ReceiverID
	}
	c, err := NewMessageCipher(v.Token, v.EncodingAESKey, appID)
	require.NoError(t, err)
	return c
}

// The worked sample of Tencent's message-encryption demo.
func TestDecryptOfficialSample(t *testing.T) {
	v := loadVector(t, "official_sample.json")
	c := newCipher(t, v)

	env, err := ParseEnvelope(fixture(t, "crypto/official_sample_request.xml"))
	require.NoError(t, err)
	assert.Equal(t, "gh_10f6c3c3ac5a", env.ToUserName)
	assert.Equal(t, v.Encrypt, env.Encrypt)

	env.MsgSignature, env.Timestamp, env.Nonce = v.MsgSignature, v.Timestamp, v.Nonce
	assert.Equal(t, v.MsgSignature, c.Sign(v.Timestamp, v.Nonce, v.Encrypt))
	plain, err := c.Decrypt(env)
	require.NoError(t, err)
	assert.Equal(t, v.Derived.DecryptedXML, string(plain))

	m, err := ParseMessage(plain)
	require.NoError(t, err)
	assert.Equal(t, "abcdteT", m.Content)
	assert.Equal(t, uint64(6054768590064713728), m.MsgID)

	// The URL signature of the same request.
	assert.Equal(t, v.Derived.URLSignature, Sign(v.Token, v.Timestamp, v.Nonce))
}

// Tencent's Java demo: with a fixed random prefix, encryption is
// deterministic.
func TestEncryptOfficialJavaSample(t *testing.T) {
	v := loadVector(t, "official_java_sample.json")
	require.Len(t, v.Cases, 2)
	for _, tc := range v.Cases {
		c := newCipher(t, v)
		c.rand = strings.NewReader(v.RandomPrefix)
		env, err := c.Encrypt([]byte(tc.Plaintext), v.Timestamp, v.Nonce)
		require.NoError(t, err)
		assert.Equal(t, tc.Ciphertext, env.Encrypt)
		assert.Equal(t, tc.DerivedMsgSig, env.MsgSignature)
		assert.Equal(t, v.Timestamp, env.Timestamp)
		assert.Equal(t, v.Nonce, env.Nonce)

		plain, err := c.Decrypt(env)
		require.NoError(t, err)
		assert.Equal(t, tc.Plaintext, string(plain))
	}
	// The demo's negative test: signature "12345".
	c := newCipher(t, v)
	_, err := c.Decrypt(&Envelope{Encrypt: v.Cases[0].Ciphertext, MsgSignature: "12345", Timestamp: v.Timestamp, Nonce: v.Nonce})
	assert.ErrorIs(t, err, ErrInvalidSignature)
}

// A request captured from a real account, in safe and compatible mode.
func TestDecryptCapturedRequest(t *testing.T) {
	v := loadVector(t, "doraemonext_safe_mode.json")
	c := newCipher(t, v)
	assert.Equal(t, v.Signature, Sign(v.Token, v.Timestamp, v.Nonce))
	for _, file := range []string{"doraemonext_safe_request.xml", "doraemonext_compatible_request.xml"} {
		t.Run(file, func(t *testing.T) {
			env, err := ParseEnvelope(fixture(t, "crypto/"+file))
			require.NoError(t, err)
			assert.Equal(t, "gh_1b2959761a7d", env.ToUserName)
			env.MsgSignature, env.Timestamp, env.Nonce = v.MsgSignature, v.Timestamp, v.Nonce
			plain, err := c.Decrypt(env)
			require.NoError(t, err)
			assert.Equal(t, v.Derived.DecryptedXML, string(plain))
		})
	}
}

// wechatpyVector is testdata/crypto/wechatpy_work_sample.json: wechatpy's
// vectors for the encrypted echostr of a URL check, a request, and a
// deterministic reply.
type wechatpyVector struct {
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	ReceiverID     string `json:"receiver_id"`
	VerifyURL      struct {
		MsgSignature string `json:"msg_signature"`
		Timestamp    string `json:"timestamp"`
		Nonce        string `json:"nonce"`
		Echostr      string `json:"echostr"`
		Decrypted    string `json:"derived_decrypted_echostr"`
		FailNonce    string `json:"must_fail_with_nonce"`
	} `json:"verify_url"`
	Decrypt struct {
		RequestBody  string `json:"request_body"`
		MsgSignature string `json:"msg_signature"`
		Timestamp    string `json:"timestamp"`
		Nonce        string `json:"nonce"`
		DecryptedXML string `json:"derived_decrypted_xml"`
	} `json:"decrypt"`
	Encrypt struct {
		RandomPrefix     string `json:"random_prefix"`
		Nonce            string `json:"nonce"`
		Timestamp        string `json:"timestamp"`
		Plaintext        string `json:"plaintext"`
		ExpectedResponse string `json:"expected_response"`
	} `json:"encrypt"`
}

func loadWechatpyVector(t *testing.T) wechatpyVector {
	t.Helper()
	var v wechatpyVector
	require.NoError(t, json.Unmarshal(fixture(t, "crypto/wechatpy_work_sample.json"), &v))
	return v
}

// wechatpy's vectors (WeCom uses the same algorithm): the encrypted
// echostr of a URL check, a request, and a deterministic reply.
func TestWechatpyVectors(t *testing.T) {
	v := loadWechatpyVector(t)
	c, err := NewMessageCipher(v.Token, v.EncodingAESKey, v.ReceiverID)
	require.NoError(t, err)

	u := v.VerifyURL
	echo, err := c.Decrypt(&Envelope{Encrypt: u.Echostr, MsgSignature: u.MsgSignature, Timestamp: u.Timestamp, Nonce: u.Nonce})
	require.NoError(t, err)
	assert.Equal(t, u.Decrypted, string(echo))
	_, err = c.Decrypt(&Envelope{Encrypt: u.Echostr, MsgSignature: u.MsgSignature, Timestamp: u.Timestamp, Nonce: u.FailNonce})
	assert.ErrorIs(t, err, ErrInvalidSignature)

	d := v.Decrypt
	env, err := ParseEnvelope([]byte(d.RequestBody))
	require.NoError(t, err)
	env.MsgSignature, env.Timestamp, env.Nonce = d.MsgSignature, d.Timestamp, d.Nonce
	plain, err := c.Decrypt(env)
	require.NoError(t, err)
	assert.Equal(t, d.DecryptedXML, string(plain))

	e := v.Encrypt
	c.rand = strings.NewReader(e.RandomPrefix)
	out, err := c.Encrypt([]byte(e.Plaintext), e.Timestamp, e.Nonce)
	require.NoError(t, err)
	want, err := ParseEnvelope([]byte(e.ExpectedResponse))
	require.NoError(t, err)
	assert.Equal(t, want, out)
	assert.Equal(t, compact([]byte(e.ExpectedResponse)), string(out.ReplyXML()))
}

// sealRaw encrypts an arbitrary plaintext buffer (already laid out and
// padded by the caller) and signs it, to build malformed ciphertexts.
func sealRaw(t *testing.T, c *MessageCipher, buf []byte) *Envelope {
	t.Helper()
	require.Zero(t, len(buf)%aes.BlockSize)
	out := append([]byte(nil), buf...)
	cipher.NewCBCEncrypter(c.ring.keys[0].block, c.ring.keys[0].iv).CryptBlocks(out, out)
	enc := base64.StdEncoding.EncodeToString(out)
	return &Envelope{Encrypt: enc, MsgSignature: c.Sign("1409304348", "xxxxxx", enc), Timestamp: "1409304348", Nonce: "xxxxxx"}
}

// layout builds random(16) + length + msg + appID + PKCS#7 padding to 32.
func layout(length uint32, msg, appID string) []byte {
	b := make([]byte, 20, 64)
	binary.BigEndian.PutUint32(b[16:20], length)
	b = append(b, msg...)
	b = append(b, appID...)
	pad := 32 - len(b)%32
	return append(b, bytes.Repeat([]byte{byte(pad)}, pad)...)
}

func TestDecryptFailures(t *testing.T) {
	v := loadVector(t, "official_java_sample.json")
	c := newCipher(t, v)
	c.rand = strings.NewReader(v.RandomPrefix)
	good, err := c.Encrypt([]byte("<xml>hello</xml>"), "1409304348", "xxxxxx")
	require.NoError(t, err)

	tampered := *good
	last := good.MsgSignature[len(good.MsgSignature)-1]
	tampered.MsgSignature = good.MsgSignature[:len(good.MsgSignature)-1] + map[bool]string{true: "1", false: "0"}[last == '0']
	otherTimestamp := *good
	otherTimestamp.Timestamp = "1409304349"
	truncated := *good
	truncated.Encrypt = good.Encrypt[:len(good.Encrypt)-8]
	truncated.MsgSignature = c.Sign(good.Timestamp, good.Nonce, truncated.Encrypt)
	notBase64 := *good
	notBase64.Encrypt = "!!" + good.Encrypt[2:]
	notBase64.MsgSignature = c.Sign(good.Timestamp, good.Nonce, notBase64.Encrypt)
	empty := Envelope{Timestamp: "1", Nonce: "2"}
	empty.MsgSignature = c.Sign("1", "2", "")

	badPad := layout(5, "hello", v.AppID)
	badPad[len(badPad)-2] ^= 1 // one padding byte differs from the others
	zeroPad := layout(5, "hello", v.AppID)
	zeroPad[len(zeroPad)-1] = 0
	bigPad := layout(5, "hello", v.AppID)
	for i := len(bigPad) - 33; i < len(bigPad); i++ {
		bigPad[i] = 33 // consistent padding, one byte longer than allowed
	}

	shortRandom := loadVector(t, "negative_short_random_prefix.json")
	shortCipher := newCipher(t, shortRandom)

	tests := []struct {
		name  string
		c     *MessageCipher
		env   *Envelope
		want  error
		appID string
	}{
		{"tampered signature", c, &tampered, ErrInvalidSignature, ""},
		{"signature of another timestamp", c, &otherTimestamp, ErrInvalidSignature, ""},
		{"empty signature", c, &Envelope{Encrypt: good.Encrypt, Timestamp: good.Timestamp, Nonce: good.Nonce}, ErrInvalidSignature, ""},
		{"truncated ciphertext", c, &truncated, ErrInvalidLength, ""},
		{"not base64", c, &notBase64, ErrInvalidBase64, ""},
		{"empty ciphertext", c, &empty, ErrInvalidLength, ""},
		{"bad padding", c, sealRaw(t, c, badPad), ErrInvalidPadding, ""},
		{"zero padding", c, sealRaw(t, c, zeroPad), ErrInvalidPadding, ""},
		{"padding over 32", c, sealRaw(t, c, bigPad), ErrInvalidPadding, ""},
		{"length past the end", c, sealRaw(t, c, layout(1000, "hello", v.AppID)), ErrInvalidLength, ""},
		{"no room for the length", c, sealRaw(t, c, bytes.Repeat([]byte{16}, 16)), ErrInvalidLength, ""},
		{"wrong AppID", c, sealRaw(t, c, layout(5, "hello", "wx_other_app")), ErrAppIDMismatch, "wx_other_app"},
		{"missing AppID", c, sealRaw(t, c, layout(5, "hello", "")), ErrAppIDMismatch, ""},
		{"long wrong AppID, reported cut to 64 bytes", c, sealRaw(t, c, layout(5, "hello", strings.Repeat("x", 100))), ErrAppIDMismatch, strings.Repeat("x", 64)},
		{"11-byte random prefix", shortCipher, &Envelope{Encrypt: shortRandom.Encrypt, MsgSignature: shortRandom.MsgSignature,
			Timestamp: shortRandom.Timestamp, Nonce: shortRandom.Nonce}, ErrInvalidLength, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, err := tt.c.Decrypt(tt.env)
			assert.Nil(t, plain)
			require.ErrorIs(t, err, tt.want)
			var ce *CryptoError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.appID, ce.AppID)
			for _, other := range []error{ErrInvalidSignature, ErrInvalidBase64, ErrInvalidLength, ErrInvalidPadding, ErrAppIDMismatch} {
				if other != tt.want {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}

	// The well-formed ones decrypt.
	plain, err := c.Decrypt(sealRaw(t, c, layout(5, "hello", v.AppID)))
	require.NoError(t, err)
	assert.Equal(t, "hello", string(plain))
}

func TestCryptoErrorMessage(t *testing.T) {
	assert.Equal(t, `wechat: message is for another AppID: "wx_other"`, (&CryptoError{Err: ErrAppIDMismatch, AppID: "wx_other"}).Error())
	assert.Equal(t, "wechat: invalid msg_signature", (&CryptoError{Err: ErrInvalidSignature}).Error())
}

func TestEncryptRoundTrip(t *testing.T) {
	c, err := NewMessageCipher("token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1234567890abcdef")
	require.NoError(t, err)
	for _, n := range []int{0, 1, 11, 12, 13, 43, 44, 45, 1000} { // around the 32-byte block edges
		msg := bytes.Repeat([]byte{'x'}, n)
		a, err := c.Encrypt(msg, "1700000000", "nonce")
		require.NoError(t, err)
		b, err := c.Encrypt(msg, "1700000000", "nonce")
		require.NoError(t, err)
		assert.NotEqual(t, a.Encrypt, b.Encrypt, "random prefix")
		raw, err := base64.StdEncoding.DecodeString(a.Encrypt)
		require.NoError(t, err)
		assert.Zero(t, len(raw)%32, "padded to 32-byte blocks")

		for _, env := range []*Envelope{a, b} {
			parsed, err := ParseEnvelope(env.ReplyXML())
			require.NoError(t, err)
			assert.Equal(t, env, parsed)
			got, err := c.Decrypt(parsed)
			require.NoError(t, err)
			assert.Equal(t, msg, append([]byte{}, got...))
		}
	}
}

func TestEnvelopeXML(t *testing.T) {
	e := &Envelope{ToUserName: "gh_1", Encrypt: "ZW5j", MsgSignature: "sig", Timestamp: "1409304348", Nonce: "n"}
	assert.Equal(t, "<xml><Encrypt><![CDATA[ZW5j]]></Encrypt><MsgSignature><![CDATA[sig]]></MsgSignature>"+
		"<TimeStamp>1409304348</TimeStamp><Nonce><![CDATA[n]]></Nonce></xml>", string(e.ReplyXML()))
	assert.Equal(t, "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[ZW5j]]></Encrypt></xml>", string(e.RequestXML()))

	_, err := ParseEnvelope([]byte("<xml><ToUserName>gh</ToUserName></xml>"))
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Msg, "no Encrypt")
	_, err = ParseEnvelope([]byte("<xml><Encrypt>"))
	assert.ErrorAs(t, err, &pe)
	_, err = ParseEnvelope([]byte("<env><Encrypt>x</Encrypt></env>"))
	assert.ErrorAs(t, err, &pe)
}

func TestNewMessageCipherErrors(t *testing.T) {
	const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	tests := []struct{ name, token, key, appID string }{
		{"empty token", "", key, "wx1"},
		{"empty AppID", "t", key, ""},
		{"short key", "t", key[:42], "wx1"},
		{"not base64", "t", "!" + key[1:], "wx1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewMessageCipher(tt.token, tt.key, tt.appID)
			assert.Nil(t, c)
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.NotContains(t, err.Error(), key[1:], "the key is secret")
		})
	}
}

func TestSortedSHA1MatchesSign(t *testing.T) {
	long := strings.Repeat("y", 300) // past the stack buffer
	for _, parts := range [][]string{{"b", "a", "c"}, {"tok", "1", "n", "ENC"}, {"", "", ""}, {long, "a", "b", long}} {
		assert.Equal(t, Sign(parts...), hexSum(sortedSHA1(parts...)), parts)
	}
	sum := sortedSHA1("test_token", "1434295379", "ueivlkyhvdng46da0qxr52qzcjabjmo7")
	assert.True(t, sigMatch(sum, "41f929117dd6231a953f632cfb3be174b8e3ef08"))
	assert.True(t, sigMatch(sum, "41F929117DD6231A953F632CFB3BE174B8E3EF08"))
	assert.False(t, sigMatch(sum, "41f929117dd6231a953f632cfb3be174b8e3ef0"))
	assert.False(t, sigMatch(sum, "41f929117dd6231a953f632cfb3be174b8e3ef0g"))
	// A byte that is not hex is refused even where it would stand for the
	// right digit if read as zero (the '0' before the last '8').
	assert.False(t, sigMatch(sum, "41f929117dd6231a953f632cfb3be174b8e3efg8"))
	assert.False(t, sigMatch(sum, "41f929117dd6231a953f632cfb3be174b8e3ef\x008"))
	assert.False(t, sigMatch(sum, "41f929117dd6231a953f632cfb3be174b8e3ef09"))
	assert.False(t, sigMatch(sum, ""))
}

func TestClientDecryptMessageAndEncryptReply(t *testing.T) {
	v := loadVector(t, "doraemonext_safe_mode.json")
	c, err := New(WithServerToken(v.Token), WithEncodingAESKey(v.EncodingAESKey), WithAppID(v.AppID), vectorClock(t, v))
	require.NoError(t, err)
	body := fixture(t, "crypto/doraemonext_safe_request.xml")

	m, err := c.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, body)
	require.NoError(t, err)
	assert.Equal(t, "xxx", m.Content)
	assert.Equal(t, "oJNCEjt3uIphaC1DrpB030QxMV_w", m.FromUserName)
	assert.Equal(t, v.Derived.DecryptedXML, string(m.Raw))

	_, err = c.DecryptMessage(v.Signature, v.Timestamp, v.Nonce, body)
	assert.ErrorIs(t, err, ErrInvalidSignature, "the URL signature is not msg_signature")
	_, err = c.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, []byte("<xml>"))
	assert.ErrorIs(t, err, ErrInvalidSignature, "an unsigned body is not parsed")
	target, junk := encryptedPush(t, newCipher(t, v), []byte("not xml"), v.Timestamp, v.Nonce)
	u, _ := url.Parse(target)
	_, err = c.DecryptMessage(u.Query().Get("msg_signature"), v.Timestamp, v.Nonce, junk)
	var pe *ParseError
	assert.ErrorAs(t, err, &pe, "a signed body that is not a message")

	// A captured push replayed a day later is refused.
	late, err := New(WithServerToken(v.Token), WithEncodingAESKey(v.EncodingAESKey), WithAppID(v.AppID))
	require.NoError(t, err)
	_, err = late.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, body)
	var ce *CryptoError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, ErrStaleTimestamp)
	assert.Equal(t, v.Timestamp, ce.Timestamp)
	assert.Contains(t, err.Error(), v.Timestamp)

	out, err := c.EncryptReply(m.ReplyText("收到"), "1442129900", v.Nonce)
	require.NoError(t, err)
	env, err := ParseEnvelope(out)
	require.NoError(t, err)
	assert.Equal(t, "1442129900", env.Timestamp)
	assert.Equal(t, v.Nonce, env.Nonce)
	plain, err := newCipher(t, v).Decrypt(env)
	require.NoError(t, err)
	r, err := ParseReply(plain)
	require.NoError(t, err)
	require.IsType(t, &TextReply{}, r)
	assert.Equal(t, "收到", r.(*TextReply).Content)
	assert.Equal(t, "oJNCEjt3uIphaC1DrpB030QxMV_w", r.(*TextReply).ToUserName)

	_, err = c.EncryptReply(nil, "1", "2")
	assert.Error(t, err)
	_, err = c.EncryptReply(m.ReplyNews(), "1", "2")
	assert.ErrorContains(t, err, "without articles")
}

// DecryptMessage checks the signature over the caller's body where it
// lies: an unsigned Encrypt element of a megabyte costs no copy of it.
func TestClientDecryptMessageUnsignedCostsNoCopy(t *testing.T) {
	v := loadVector(t, "doraemonext_safe_mode.json")
	c, err := New(WithServerToken(v.Token), WithEncodingAESKey(v.EncodingAESKey), WithAppID(v.AppID), vectorClock(t, v))
	require.NoError(t, err)
	body := append(append([]byte("<xml><Encrypt><![CDATA["), bytes.Repeat([]byte("A"), 1<<20)...), "]]></Encrypt></xml>"...)
	var derr error
	n := allocated(func() { _, derr = c.DecryptMessage(strings.Repeat("0", 40), v.Timestamp, v.Nonce, body) })
	assert.ErrorIs(t, derr, ErrInvalidSignature)
	assert.Less(t, n, uint64(64<<10), "%d KiB allocated for an unsigned body of 1 MiB", n>>10)
}

// During a rotation the previous token and key still open messages.
func TestClientDecryptMessageRotation(t *testing.T) {
	v := loadVector(t, "doraemonext_safe_mode.json")
	const newKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	body := fixture(t, "crypto/doraemonext_safe_request.xml")

	rotated, err := New(WithAppID(v.AppID), vectorClock(t, v),
		WithServerToken("new_token"), WithPreviousServerToken(v.Token),
		WithEncodingAESKey(newKey), WithPreviousEncodingAESKey(v.EncodingAESKey))
	require.NoError(t, err)
	m, err := rotated.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, body)
	require.NoError(t, err)
	assert.Equal(t, "xxx", m.Content)

	// Without the previous key the padding check fails; without the
	// previous token the signature does.
	noPrevKey, err := New(WithAppID(v.AppID), WithServerToken(v.Token), WithEncodingAESKey(newKey), vectorClock(t, v))
	require.NoError(t, err)
	_, err = noPrevKey.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, body)
	var ce *CryptoError
	require.ErrorAs(t, err, &ce)
	assert.False(t, errors.Is(err, ErrInvalidSignature))

	noPrevToken, err := New(WithAppID(v.AppID), WithServerToken("new_token"), WithEncodingAESKey(v.EncodingAESKey), vectorClock(t, v))
	require.NoError(t, err)
	_, err = noPrevToken.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, body)
	assert.ErrorIs(t, err, ErrInvalidSignature)

	wrongApp, err := New(WithAppID("wx_someone_else"), WithServerToken(v.Token), WithEncodingAESKey(v.EncodingAESKey), vectorClock(t, v))
	require.NoError(t, err)
	_, err = wrongApp.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, body)
	require.ErrorIs(t, err, ErrAppIDMismatch)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, v.AppID, ce.AppID)
}

func TestClientSafeModeNeedsConfig(t *testing.T) {
	const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"no token", []Option{WithAppID("wx1"), WithEncodingAESKey(key)}, "WithServerToken"},
		{"no key", []Option{WithAppID("wx1"), WithServerToken("t")}, "WithEncodingAESKey"},
		{"no AppID", []Option{WithServerToken("t"), WithEncodingAESKey(key)}, "WithAppID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts...)
			require.NoError(t, err)
			_, err = c.DecryptMessage("s", "1", "2", []byte("<xml><Encrypt>x</Encrypt></xml>"))
			require.ErrorIs(t, err, ErrMissingConfig)
			assert.ErrorContains(t, err, tt.want)
			_, err = c.EncryptReply(&TextReply{}, "1", "2")
			assert.ErrorIs(t, err, ErrMissingConfig)
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func TestEncryptRandomFailure(t *testing.T) {
	c := newCipher(t, loadVector(t, "official_sample.json"))
	c.rand = failingReader{}
	env, err := c.Encrypt([]byte("x"), "1", "2")
	assert.Nil(t, env)
	assert.ErrorContains(t, err, "entropy exhausted")
}

// ReplyXML sizes its buffer for what it writes: one allocation, however
// long the ciphertext.
func TestReplyXMLAllocatesOnce(t *testing.T) {
	for _, n := range []int{24, 760, 1 << 12} {
		e := &Envelope{Encrypt: strings.Repeat("A", n), MsgSignature: strings.Repeat("f", 40), Timestamp: "1442129999", Nonce: "1320562132"}
		assert.Equal(t, 1.0, testing.AllocsPerRun(20, func() { _ = e.ReplyXML() }), "ciphertext of %d bytes", n)
	}
}

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

// DecryptMessage, for a router of one's own, reads such a message as the
// webhook does.
func TestDecryptMessageWithCharactersXMLCannotCarry(t *testing.T) {
	v := safeVector(t)
	c, _ := newWebhookClient(t)
	msg := []byte(`<xml><ToUserName><![CDATA[gh_1b2959761a7d]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>` +
		`<CreateTime>` + nowTS + `</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ ` + "\x1d" + `c]]></Content>` +
		`<MsgId>22211872600753510</MsgId></xml>`)
	env, err := newCipher(t, v).Encrypt(msg, nowTS, "1")
	require.NoError(t, err)
	m, err := c.DecryptMessage(env.MsgSignature, nowTS, "1", env.RequestXML())
	require.NoError(t, err)
	assert.Equal(t, " \uFFFDc", m.Content)
	assert.Equal(t, MsgTypeText, m.MsgType)
}
