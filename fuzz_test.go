package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// addFiles seeds a fuzz target with the files matching pattern.
func addFiles(f *testing.F, pattern string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds for %s: %v", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkParseError fails t unless err is a *ParseError at an offset
// inside data.
func checkParseError(t *testing.T, err error, data []byte) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %T is not a *ParseError: %v", err, err)
	}
	if pe.Offset < 0 || pe.Offset > len(data) {
		t.Fatalf("offset %d outside the input (%d bytes)", pe.Offset, len(data))
	}
}

// FuzzParseMessage checks that any input either parses or fails with a
// *ParseError, and that what parses renders to XML that parses to the
// same message, stably.
func FuzzParseMessage(f *testing.F) {
	addFiles(f, "inbound/*")
	addFiles(f, "replies/*.xml")
	addFiles(f, "crypto/*.xml")
	f.Add([]byte("<xml><MsgType>text</MsgType><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>"))
	f.Add([]byte("<xml><MsgType>event</MsgType><Event>LOCATION</Event><Latitude>1e3</Latitude></xml>"))
	// Elements another kind carries, or both spellings of MsgId, in a
	// modelled kind.
	f.Add([]byte("<xml><MsgType>text</MsgType><Event>CLICK</Event><Title>t</Title></xml>"))
	f.Add([]byte("<xml><MsgType>text</MsgType><MsgID>7</MsgID><MsgId>5</MsgId></xml>"))
	f.Add([]byte("<xml><MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgId>5</MsgId><MsgID>x</MsgID></xml>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		if err != nil {
			checkParseError(t, err, data)
			return
		}
		out, err := m.XML()
		if err != nil {
			t.Fatalf("parsed message does not render: %v", err)
		}
		m1, err := ParseMessage(out)
		if err != nil {
			t.Fatalf("rendered message does not parse: %v\n%s", err, out)
		}
		if m1.ToUserName != m.ToUserName || m1.FromUserName != m.FromUserName || m1.CreateTime != m.CreateTime ||
			m1.MsgType != m.MsgType || m1.Event != m.Event {
			t.Fatalf("common fields changed:\n%+v\n%+v", withoutRaw(m), withoutRaw(m1))
		}
		if m.known() && m.MsgType == MsgTypeText && m1.Content != m.Content {
			t.Fatalf("content changed: %q -> %q", m.Content, m1.Content)
		}
		out2, err := m1.XML()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("rendering is not stable:\n%s\n%s", out, out2)
		}
		_, _ = m.Lookup("Content")
		_, _ = m.QRScene()
	})
}

// FuzzParseReply checks that ParseReply fails cleanly or returns a reply
// that renders to XML it reads back unchanged.
func FuzzParseReply(f *testing.F) {
	addFiles(f, "replies/*.xml")
	f.Add([]byte("success"))
	f.Add([]byte("<xml><MsgType>news</MsgType><Articles><item><Title>t</Title></item></Articles></xml>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReply(data)
		if err != nil {
			checkParseError(t, err, data)
			return
		}
		if r == nil {
			return
		}
		out, err := r.AppendXML(nil)
		if err != nil {
			return // a news reply without articles or with too many
		}
		back, err := ParseReply(out)
		if err != nil {
			t.Fatalf("rendered reply does not parse: %v\n%s", err, out)
		}
		out2, err := back.AppendXML(nil)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("reply changed on a round trip: %v\n%s\n%s", err, out, out2)
		}
	})
}

// FuzzDecrypt checks that decryption never panics and fails with a
// *CryptoError: for any base64 text under a valid signature, and for any
// plaintext block layout under a valid signature and key (so the checks
// of padding, length and AppID see fuzzer-chosen bytes).
func FuzzDecrypt(f *testing.F) {
	v := loadVector(f, "official_sample.json")
	c := newCipher(f, v)
	f.Add(v.Encrypt, []byte(nil))
	for _, name := range []string{"official_java_sample.json", "doraemonext_safe_mode.json", "negative_short_random_prefix.json"} {
		w := loadVector(f, name)
		f.Add(w.Encrypt, []byte(nil))
		for _, tc := range w.Cases {
			f.Add(tc.Ciphertext, []byte(nil))
		}
	}
	f.Add("", layout(5, "hello", v.AppID))
	f.Add("", layout(1<<31, "", v.AppID))
	f.Add("=", bytes.Repeat([]byte{32}, 32))
	f.Fuzz(func(t *testing.T, encrypt string, plaintext []byte) {
		check := func(env *Envelope) []byte {
			msg, err := c.Decrypt(env)
			if err != nil {
				var ce *CryptoError
				if !errors.As(err, &ce) {
					t.Fatalf("error %T is not a *CryptoError: %v", err, err)
				}
				return nil
			}
			return msg
		}
		sign := func(enc string) *Envelope {
			return &Envelope{Encrypt: enc, Timestamp: v.Timestamp, Nonce: v.Nonce, MsgSignature: c.Sign(v.Timestamp, v.Nonce, enc)}
		}
		if msg := check(sign(encrypt)); msg != nil {
			// What decrypts encrypts back to something that decrypts to
			// the same message.
			env, err := c.Encrypt(msg, v.Timestamp, v.Nonce)
			if err != nil {
				t.Fatal(err)
			}
			again, err := c.Decrypt(env)
			if err != nil || !bytes.Equal(again, msg) {
				t.Fatalf("round trip: %v", err)
			}
		}
		// Unsigned input is refused before anything else.
		if _, err := c.Decrypt(&Envelope{Encrypt: encrypt, Timestamp: v.Timestamp, Nonce: v.Nonce, MsgSignature: "0"}); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("unsigned input: %v", err)
		}

		if len(plaintext) == 0 {
			return
		}
		buf := append([]byte(nil), plaintext...)
		for len(buf)%aes.BlockSize != 0 {
			buf = append(buf, 0)
		}
		cipher.NewCBCEncrypter(c.ring.keys[0].block, c.ring.keys[0].iv).CryptBlocks(buf, buf)
		if msg := check(sign(base64.StdEncoding.EncodeToString(buf))); msg != nil {
			size := binary.BigEndian.Uint32(plaintext[16:20])
			if uint32(len(msg)) != size || !bytes.Equal(msg, plaintext[20:20+size]) {
				t.Fatalf("message %q does not match its length field %d", msg, size)
			}
		}
	})
}

// FuzzDecodeInto checks that decodeInto, which decodes a reply without
// errcode or errmsg in one pass, gives the status, reply and error (or
// none) that decoding the status and then the reply gives, for any input
// and for any input as the key of an object.
func FuzzDecodeInto(f *testing.F) {
	addFiles(f, "api/*.json")
	addFiles(f, "api/component/*.json")
	for _, s := range []string{
		`{"count":1,"name":"a","items":["b"],"extra":{"c":"d"},"inner":{"code":2}}`,
		`{"errcode":40001,"errmsg":"invalid credential","count":1}`,
		`{"ERRMSG":"x","Count":"1"}`,
		`{"errmſg":"x"}`,
		`{"errc\u006fde":1}`,
		`{"inner":{"errcode":1},"count":true}`,
		`{"name":"errcode"}`,
		`{"url":"http:\/\/mmbiz.qpic.cn\/mmbiz_jpg\/0123456789abcdefghijklmnopqrstuvwxyz\/0"}`,
		"{\"errm\xc5sg\":1}",
		`{"count":1}{`,
		`[{"count":1}]`,
		` null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeInto(t, data)
		// The bytes as a key, so that the fuzzer spells one rather than
		// writing the object around it.
		key := append(append([]byte(`{"`), data...), `":"1"}`...)
		checkDecodeInto(t, key)
	})
}
