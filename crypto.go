package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"unsafe"
)

// Errors of safe-mode decryption. A failed decryption is a *CryptoError
// that wraps one of them.
var (
	// ErrInvalidSignature: msg_signature is not the signature of the
	// token, timestamp, nonce and ciphertext.
	ErrInvalidSignature = errors.New("wechat: invalid msg_signature")
	// ErrInvalidBase64: the ciphertext is not base64.
	ErrInvalidBase64 = errors.New("wechat: ciphertext is not valid base64")
	// ErrInvalidLength: the ciphertext is not whole AES blocks, or the
	// length field inside it points past its end.
	ErrInvalidLength = errors.New("wechat: ciphertext has an invalid length")
	// ErrInvalidPadding: the PKCS#7 padding is wrong, which is what a
	// wrong EncodingAESKey usually produces.
	ErrInvalidPadding = errors.New("wechat: ciphertext has invalid padding")
	// ErrAppIDMismatch: the message decrypted but was encrypted for
	// another AppID.
	ErrAppIDMismatch = errors.New("wechat: message is for another AppID")
	// ErrStaleTimestamp: the timestamp of a push is not a number or is
	// further from the Client's clock than WithTimestampWindow allows, as
	// a replayed request's is.
	ErrStaleTimestamp = errors.New("wechat: timestamp outside the accepted window")
)

// CryptoError is a push that failed verification or decryption. Err is
// one of ErrInvalidSignature, ErrStaleTimestamp, ErrInvalidBase64,
// ErrInvalidLength, ErrInvalidPadding and ErrAppIDMismatch, so errors.Is
// works as well as errors.As.
type CryptoError struct {
	Err error
	// AppID is the AppID found in the message, for ErrAppIDMismatch.
	AppID string
	// Timestamp is the refused timestamp, for ErrStaleTimestamp.
	Timestamp string
}

// Error implements error.
func (e *CryptoError) Error() string {
	switch {
	case e.AppID != "":
		return fmt.Sprintf("%v: %q", e.Err, e.AppID)
	case e.Err == ErrStaleTimestamp:
		return fmt.Sprintf("%v: %q", e.Err, e.Timestamp)
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *CryptoError) Unwrap() error { return e.Err }

func cryptoErr(err error) error { return &CryptoError{Err: err} }

// MessageCipher implements WeChat's message encryption (消息加解密, the
// WXBizMsgCrypt of the official samples) for one server token,
// EncodingAESKey and AppID: AES-256-CBC with the decoded key and IV = its
// first 16 bytes, over 16 random bytes, the message length (4 bytes, big
// endian), the message and the AppID, padded with PKCS#7 to 32-byte
// blocks; msg_signature is the SHA-1 of the sorted token, timestamp,
// nonce and base64 ciphertext.
//
// Client.Webhook uses it under the hood, with key rotation. Build one
// directly to encrypt test pushes or to decrypt outside the webhook. It
// is safe for concurrent use.
type MessageCipher struct {
	ring *keyRing  // one token and one key
	rand io.Reader // crypto/rand.Reader; tests replace it
}

// aesKey is a decoded EncodingAESKey ready for use.
type aesKey struct {
	iv    []byte
	block cipher.Block
}

func newAESKey(key []byte) (aesKey, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return aesKey{}, fmt.Errorf("%w: EncodingAESKey: %v", ErrInvalidConfig, err)
	}
	return aesKey{iv: key[:aes.BlockSize], block: b}, nil
}

// NewMessageCipher returns a MessageCipher for the server token (服务器配置
// Token), the 43-character EncodingAESKey (消息加解密密钥) and the AppID that
// messages are encrypted for. A malformed key or an empty token or AppID
// is an error wrapping ErrInvalidConfig.
func NewMessageCipher(token, encodingAESKey, appID string) (*MessageCipher, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: empty server token", ErrInvalidConfig)
	}
	if appID == "" {
		return nil, fmt.Errorf("%w: empty AppID", ErrInvalidConfig)
	}
	raw, err := decodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	k, err := newAESKey(raw)
	if err != nil {
		return nil, err
	}
	ring := &keyRing{appID: appID, tokens: []string{token}, keys: []aesKey{k}}
	return &MessageCipher{ring: ring, rand: rand.Reader}, nil
}

// String describes the cipher by its AppID only: the server token and the
// key (whose first 16 bytes are the IV) are secrets.
func (c MessageCipher) String() string {
	return fmt.Sprintf("wechat.MessageCipher{AppID:%q}", c.ring.appID)
}

// GoString is String, so that %#v does not print secrets either.
func (c MessageCipher) GoString() string { return c.String() }

// Format prints the cipher through String for every verb, so that neither
// %v, %+v nor %#v exposes its fields.
func (c MessageCipher) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue shows the AppID alone to log/slog, whose handlers would
// otherwise print the fields.
func (c MessageCipher) LogValue() slog.Value {
	return slog.GroupValue(slog.String("appid", c.ring.appID))
}

// MarshalJSON encodes the AppID alone.
func (c MessageCipher) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AppID string `json:"appid"`
	}{c.ring.appID})
}

// Envelope is the encrypted form of a message or reply in safe mode.
// WeChat posts <xml><ToUserName/><Encrypt/></xml> and puts msg_signature,
// timestamp and nonce in the URL; a reply carries Encrypt, MsgSignature,
// TimeStamp and Nonce in its body.
type Envelope struct {
	ToUserName   string // requests only
	Encrypt      string // base64 ciphertext
	MsgSignature string
	Timestamp    string // TimeStamp
	Nonce        string
}

// ParseEnvelope reads the Encrypt, ToUserName, MsgSignature, TimeStamp and
// Nonce elements of a safe- or compatible-mode body. A body without
// Encrypt is a *ParseError.
func ParseEnvelope(data []byte) (*Envelope, error) {
	var buf [32]xmlNode
	nodes, err := parseDocument(data, buf[:0])
	if err != nil {
		return nil, err
	}
	e := &Envelope{}
	found := false
	for c := nodes[0].child; c >= 0; c = nodes[c].next {
		n := &nodes[c]
		switch n.name {
		case "ToUserName":
			e.ToUserName = n.text
		case "Encrypt":
			e.Encrypt, found = n.text, true
		case "MsgSignature":
			e.MsgSignature = n.text
		case "TimeStamp":
			e.Timestamp = n.text
		case "Nonce":
			e.Nonce = n.text
		}
	}
	if !found {
		return nil, parseErr(0, "no Encrypt element")
	}
	return e, nil
}

// ReplyXML renders e as the body of a safe-mode reply:
// <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>.
func (e *Envelope) ReplyXML() []byte {
	// 133 bytes of markup around the four values.
	b := make([]byte, 0, len(e.Encrypt)+len(e.MsgSignature)+len(e.Timestamp)+len(e.Nonce)+133)
	b = append(b, "<xml>"...)
	b = appendStr(b, "Encrypt", e.Encrypt)
	b = appendStr(b, "MsgSignature", e.MsgSignature)
	b = appendRawText(b, "TimeStamp", e.Timestamp)
	b = appendStr(b, "Nonce", e.Nonce)
	return append(b, "</xml>"...)
}

// RequestXML renders e as the body WeChat posts in safe mode:
// <xml><ToUserName/><Encrypt/></xml>. The signature, timestamp and nonce
// travel in the URL (msg_signature, timestamp, nonce, encrypt_type=aes).
func (e *Envelope) RequestXML() []byte {
	b := make([]byte, 0, len(e.Encrypt)+len(e.ToUserName)+80)
	b = append(b, "<xml>"...)
	b = appendStr(b, "ToUserName", e.ToUserName)
	b = appendStr(b, "Encrypt", e.Encrypt)
	return append(b, "</xml>"...)
}

// Sign returns the msg_signature of a ciphertext: the hex SHA-1 of the
// sorted token, timestamp, nonce and encrypt.
func (c *MessageCipher) Sign(timestamp, nonce, encrypt string) string {
	return c.ring.sign(0, timestamp, nonce, encrypt)
}

// Encrypt encrypts plaintext (a message or reply XML, or any bytes) for
// the cipher's AppID and signs it with timestamp and nonce. The result
// has Encrypt, MsgSignature, Timestamp and Nonce set; ReplyXML and
// RequestXML render it.
func (c *MessageCipher) Encrypt(plaintext []byte, timestamp, nonce string) (*Envelope, error) {
	return c.ring.encrypt(c.rand, plaintext, 0, 0, timestamp, nonce)
}

// Decrypt checks the signature of env (MsgSignature over the token,
// Timestamp, Nonce and Encrypt, compared in constant time), decrypts
// Encrypt and checks its padding, length and AppID. Any failure is a
// *CryptoError. It also opens the echostr of a URL check that carries
// msg_signature: put echostr in Encrypt.
func (c *MessageCipher) Decrypt(env *Envelope) ([]byte, error) {
	if c.ring.verify(env.MsgSignature, env.Timestamp, env.Nonce, env.Encrypt) < 0 {
		return nil, cryptoErr(ErrInvalidSignature)
	}
	msg, _, err := c.ring.open(env.Encrypt)
	return msg, err
}

// seal encrypts msg for appID and returns the base64 ciphertext.
func (k aesKey) seal(rnd io.Reader, msg []byte, appID string) (string, error) {
	b, err := k.appendSeal(make([]byte, 0, base64.StdEncoding.EncodedLen(sealedLen(len(msg), len(appID)))), rnd, msg, appID)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// sealedLen is the length of the ciphertext of a message of msgLen bytes
// for an AppID of appIDLen: the 20-byte prefix, the message and the AppID,
// padded to 32 bytes.
func sealedLen(msgLen, appIDLen int) int {
	n := 16 + 4 + msgLen + appIDLen
	return n + 32 - n%32
}

// appendSeal encrypts msg for appID and appends the base64 ciphertext to
// dst.
func (k aesKey) appendSeal(dst []byte, rnd io.Reader, msg []byte, appID string) ([]byte, error) {
	if uint64(len(msg)) > 1<<31 {
		return dst, errors.New("wechat: message too large to encrypt")
	}
	n := 16 + 4 + len(msg) + len(appID)
	buf := make([]byte, sealedLen(len(msg), len(appID)))
	pad := len(buf) - n
	if _, err := io.ReadFull(rnd, buf[:16]); err != nil {
		return dst, fmt.Errorf("wechat: random prefix: %w", err)
	}
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	copy(buf[20:], msg)
	copy(buf[20+len(msg):], appID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cbcEncrypt(k.block, k.iv, buf)
	return base64.StdEncoding.AppendEncode(dst, buf), nil
}

// cbcEncrypt encrypts buf, whole blocks, in place in CBC mode. It does
// what cipher.NewCBCEncrypter(b, iv).CryptBlocks(buf, buf) does without
// the BlockMode, which costs every message a copy of the key schedule
// (half a kilobyte) on the heap.
func cbcEncrypt(b cipher.Block, iv, buf []byte) {
	prev := iv
	for i := 0; i < len(buf); i += aes.BlockSize {
		blk := buf[i : i+aes.BlockSize]
		subtle.XORBytes(blk, blk, prev)
		b.Encrypt(blk, blk)
		prev = blk
	}
}

// cbcDecrypt decrypts buf, whole blocks, in place in CBC mode, as
// cipher.NewCBCDecrypter(b, iv).CryptBlocks(buf, buf) does (see
// cbcEncrypt). It runs from the last block to the first, so that the
// ciphertext block each one is XORed with is still there.
func cbcDecrypt(b cipher.Block, iv, buf []byte) {
	for i := len(buf) - aes.BlockSize; i >= 0; i -= aes.BlockSize {
		blk := buf[i : i+aes.BlockSize]
		b.Decrypt(blk, blk)
		prev := iv
		if i > 0 {
			prev = buf[i-aes.BlockSize : i]
		}
		subtle.XORBytes(blk, blk, prev)
	}
}

// open decrypts a base64 ciphertext and returns the message it holds
// after checking the padding, the length and, unless appID is empty, the
// AppID.
func (k aesKey) open(encrypt, appID string) ([]byte, error) {
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(encrypt)))
	n, err := base64.StdEncoding.Decode(buf, []byte(encrypt))
	if err != nil {
		return nil, cryptoErr(ErrInvalidBase64)
	}
	buf = buf[:n]
	if len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, cryptoErr(ErrInvalidLength)
	}
	cbcDecrypt(k.block, k.iv, buf)
	pad := int(buf[len(buf)-1])
	if pad < 1 || pad > 32 || pad > len(buf) {
		return nil, cryptoErr(ErrInvalidPadding)
	}
	for _, b := range buf[len(buf)-pad:] {
		if int(b) != pad {
			return nil, cryptoErr(ErrInvalidPadding)
		}
	}
	body := buf[:len(buf)-pad]
	if len(body) < 20 {
		return nil, cryptoErr(ErrInvalidLength)
	}
	size := binary.BigEndian.Uint32(body[16:20])
	if uint64(size) > uint64(len(body)-20) {
		return nil, cryptoErr(ErrInvalidLength)
	}
	msg := body[20 : 20+size : 20+size]
	if from := body[20+size:]; appID != "" && string(from) != appID {
		if len(from) > 64 {
			from = from[:64]
		}
		return nil, &CryptoError{Err: ErrAppIDMismatch, AppID: string(from)}
	}
	return msg, nil
}

// sortedSHA1 is the SHA-1 of the lexically sorted concatenation of parts
// (see Sign), at most four, computed without allocating for short inputs.
// The parts are sorted in an array that cannot grow, so that none of them
// escapes: a caller may pass a string formatted on its stack.
func sortedSHA1(parts ...string) [sha1.Size]byte {
	var a [4]string
	if len(parts) > len(a) {
		panic("wechat: sortedSHA1 of more than four parts")
	}
	total := 0
	for n, s := range parts {
		total += len(s)
		// Insertion sort: there are three or four parts. The array is
		// indexed itself, not through a slice, which escape analysis
		// would take for a store to the heap.
		a[n] = s
		for i := n; i > 0 && a[i] < a[i-1]; i-- {
			a[i], a[i-1] = a[i-1], a[i]
		}
	}
	p := a[:len(parts)]
	var stack [256]byte
	if total <= len(stack) {
		b := stack[:0]
		for _, s := range p {
			b = append(b, s...)
		}
		return sha1.Sum(b)
	}
	// A long part is a ciphertext, not yet authenticated: it is hashed
	// through the stack buffer rather than copied whole, so that an
	// unsigned body costs no second buffer of its size.
	h := sha1.New()
	for _, s := range p {
		for len(s) > 0 {
			n := copy(stack[:], s)
			h.Write(stack[:n])
			s = s[n:]
		}
	}
	var sum [sha1.Size]byte
	h.Sum(sum[:0])
	return sum
}

// sigMatch reports, in constant time, whether got is the hex form (either
// case) of sum.
func sigMatch(sum [sha1.Size]byte, got string) bool {
	if len(got) != 2*sha1.Size {
		return false
	}
	var dec [sha1.Size]byte
	ok := 1
	for i := range dec {
		hi, ok1 := unhex(got[2*i])
		lo, ok2 := unhex(got[2*i+1])
		ok &= ok1 & ok2
		dec[i] = hi<<4 | lo
	}
	return subtle.ConstantTimeCompare(sum[:], dec[:])&ok == 1
}

func unhex(c byte) (byte, int) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', 1
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, 1
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, 1
	}
	return 0, 0
}

func hexSum(sum [sha1.Size]byte) string {
	var out [2 * sha1.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// keyRing holds the secrets that sign and encrypt pushes: the server
// tokens and AES keys, the current first and then the ones they replaced,
// and the AppID messages are encrypted for. A Client builds its ring once,
// in New; a MessageCipher is a ring of one token and one key. Every
// signature of the package is checked by verify, every ciphertext opened
// by open.
type keyRing struct {
	appID  string
	tokens []string
	keys   []aesKey
	err    error // why safe mode cannot work, if it cannot
}

// newKeyRing builds the Client's ring.
func (c *Client) newKeyRing() *keyRing {
	r := &keyRing{appID: c.appID}
	for _, t := range []string{c.token, c.prevToken} {
		if t != "" {
			r.tokens = append(r.tokens, t)
		}
	}
	for _, raw := range [][]byte{c.aesKey, c.prevAESKey} {
		if len(raw) == 0 {
			continue
		}
		k, err := newAESKey(raw)
		if err != nil {
			r.err = err
			return r
		}
		r.keys = append(r.keys, k)
	}
	switch {
	case len(r.tokens) == 0:
		r.err = missing("server token (WithServerToken)")
	case len(r.keys) == 0:
		r.err = missing("EncodingAESKey (WithEncodingAESKey)")
	case r.appID == "":
		r.err = missing("AppID (WithAppID)")
	}
	return r
}

// sign returns the hex signature of parts by token number token. An
// empty extra adds nothing to the sorted concatenation: it is the plain
// signature.
func (r *keyRing) sign(token int, timestamp, nonce, extra string) string {
	return hexSum(sortedSHA1(r.tokens[token], timestamp, nonce, extra))
}

// verify returns the token that signed parts with sig, or -1.
func (r *keyRing) verify(sig, timestamp, nonce, extra string) int {
	for i, t := range r.tokens {
		if sigMatch(sortedSHA1(t, timestamp, nonce, extra), sig) {
			return i
		}
	}
	return -1
}

// open decrypts with the current key, then the previous one; the error
// is the current key's.
func (r *keyRing) open(encrypt string) (msg []byte, key int, err error) {
	for i, k := range r.keys {
		m, e := k.open(encrypt, r.appID)
		if e == nil {
			return m, i, nil
		}
		if i == 0 {
			err = e
		}
	}
	return nil, -1, err
}

// encrypt encrypts plaintext with key number key and signs it with token
// number token.
func (r *keyRing) encrypt(rnd io.Reader, plaintext []byte, token, key int, timestamp, nonce string) (*Envelope, error) {
	enc, err := r.keys[key].seal(rnd, plaintext, r.appID)
	if err != nil {
		return nil, err
	}
	return &Envelope{Encrypt: enc, MsgSignature: r.sign(token, timestamp, nonce, enc), Timestamp: timestamp, Nonce: nonce}, nil
}

// seal encrypts a reply with key and signs it with token, and renders it
// as Envelope.ReplyXML does, in one buffer: the ciphertext is encoded
// into it and signed where it lies.
func (r *keyRing) seal(rnd io.Reader, plaintext []byte, token, key int, timestamp, nonce string) ([]byte, error) {
	encLen := base64.StdEncoding.EncodedLen(sealedLen(len(plaintext), len(r.appID)))
	b := make([]byte, 0, encLen+2*sha1.Size+len(timestamp)+len(nonce)+133)
	b = append(b, "<xml><Encrypt><![CDATA["...)
	start := len(b)
	b, err := r.keys[key].appendSeal(b, rnd, plaintext, r.appID)
	if err != nil {
		return nil, err
	}
	// Base64 needs no escaping in CDATA. The text is hashed before
	// anything else is appended to b.
	enc := b[start:]
	sum := sortedSHA1(r.tokens[token], timestamp, nonce, unsafe.String(unsafe.SliceData(enc), len(enc)))
	b = append(b, "]]></Encrypt><MsgSignature><![CDATA["...)
	b = hex.AppendEncode(b, sum[:])
	b = append(b, "]]></MsgSignature>"...)
	b = appendRawText(b, "TimeStamp", timestamp)
	b = appendStr(b, "Nonce", nonce)
	return append(b, "</xml>"...), nil
}

// DecryptMessage verifies, decrypts and parses a safe- or compatible-mode
// push (the body WeChat posts with encrypt_type=aes, and the
// msg_signature, timestamp and nonce of its URL), for servers that do not
// use Webhook. It checks what the webhook checks: the timestamp against
// WithTimestampWindow, then msg_signature over the Encrypt element (found
// without parsing the unsigned body), then the AppID inside. The previous
// token and key (WithPreviousServerToken, WithPreviousEncodingAESKey) are
// accepted. A verification or decryption failure is a *CryptoError, a bad
// message a *ParseError. Characters XML cannot carry, which WeChat passes
// on raw from what users type, come out as U+FFFD, as in Webhook.
func (c *Client) DecryptMessage(msgSignature, timestamp, nonce string, body []byte) (*Message, error) {
	r := c.keys
	if r.err != nil {
		return nil, r.err
	}
	if _, err := c.checkTimestamp(timestamp); err != nil {
		return nil, err
	}
	text, ok := findEncrypt(body)
	// The ciphertext is read in place, not copied before it is
	// authenticated: verify and open only read it during this call, and
	// nothing returned refers to it (open decrypts into a buffer of its
	// own).
	enc := unsafe.String(unsafe.SliceData(text), len(text))
	if !ok || r.verify(msgSignature, timestamp, nonce, enc) < 0 {
		return nil, cryptoErr(ErrInvalidSignature)
	}
	plain, _, err := r.open(enc)
	if err != nil {
		return nil, err
	}
	m, err := ParseMessage(plain)
	if err != nil {
		// As in the webhook: what a user typed that XML cannot carry
		// becomes U+FFFD rather than losing the message.
		if clean := replaceIllegalChars(plain); clean != nil {
			return ParseMessage(clean)
		}
	}
	return m, err
}

// EncryptReply returns the safe-mode body of a reply (被动回复消息加密): the
// reply's XML encrypted with the current EncodingAESKey, signed with the
// current token, timestamp and nonce (WeChat's sample reuses the nonce of
// the request). Write it with Content-Type application/xml.
func (c *Client) EncryptReply(reply Reply, timestamp, nonce string) ([]byte, error) {
	r := c.keys
	if r.err != nil {
		return nil, r.err
	}
	if reply == nil {
		return nil, errNilReply
	}
	plain, err := reply.AppendXML(nil)
	if err != nil {
		return nil, err
	}
	return r.seal(rand.Reader, plain, 0, 0, timestamp, nonce)
}

// unixString formats a time for a TimeStamp field.
func unixString(sec int64) string { return strconv.FormatInt(sec, 10) }
