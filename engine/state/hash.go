package state

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// HashValue returns a stable digest of a field value: the 64-bit FNV-1a
// hash of its canonical JSON, in hex. Canonical JSON is what encoding/json
// writes: map keys sorted, numbers in their shortest form, so int64(3) and
// float64(3) hash alike, as they compare alike in the target. The digest is
// stored in the state, so its form must never change.
//
// It tells whether a value changed, it does not hide it: an apply hashes
// every field it writes, so the hash is chosen for speed, and a short
// value such as an e-mail address can be found again from its digest by
// trying candidates, whatever the hash.
func HashValue(v any) string { return string(appendHash(nil, v)) }

// appendHash appends HashValue(v) to dst.
func appendHash(dst []byte, v any) []byte {
	var buf [64]byte
	b, ok := fastJSON(buf[:0], v)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			// Not JSON-representable (NaN, a channel): hash a Go rendering,
			// stable for the same value, distinct from any JSON document.
			b = fmt.Appendf(nil, "!%T:%v", v, v)
		}
	}
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime64
	}
	return hex.AppendEncode(dst, binary.BigEndian.AppendUint64(buf[:0], h))
}

// fastJSON appends the JSON encoding/json would write for the common scalar
// values, without its reflection; ok is false for everything else.
func fastJSON(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, x), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case float64:
		// encoding/json switches to exponent form outside this range.
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(x) {
			return b, false
		}
		return strconv.AppendFloat(b, x, 'f', -1, 64), true
	case string:
		if !plainString(x) {
			return b, false
		}
		b = append(b, '"')
		b = append(b, x...)
		return append(b, '"'), true
	}
	return b, false
}

// plainString reports whether encoding/json writes s verbatim between
// quotes: printable ASCII without the characters it escapes.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
