package hubspot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// sign computes a v3 signature the way HubSpot's guide spells it out:
// base64(HMAC-SHA256(secret, method + uri + body + timestamp)).
func sign(secret, method, uri, body, ts string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(method + uri + body + ts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestVerifySignatureV3(t *testing.T) {
	const secret = "example-client-secret"
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Add(-time.Minute).UnixMilli(), 10)
	body := `[{"objectId":1246965,"subscriptionType":"contact.creation","occurredAt":1764244740000}]`
	tests := []struct {
		name    string
		target  string // the request line target
		host    string
		signURI string // the URI the signature covers
		sigTS   string // timestamp covered by the signature
		hdrTS   string // timestamp header
		body    string // body given to Verify
		secret  string
		want    error
	}{
		{name: "valid", target: "/hooks/hubspot?portal=1", host: "example.com",
			signURI: "http://example.com/hooks/hubspot?portal=1", sigTS: ts, hdrTS: ts, body: body, secret: secret},
		{name: "escapes decoded before signing", target: "/hooks/hubspot?a=b%3Ac%2Cd%40e", host: "example.com",
			signURI: "http://example.com/hooks/hubspot?a=b:c,d@e", sigTS: ts, hdrTS: ts, body: body, secret: secret},
		{name: "tampered body", target: "/hooks", host: "example.com",
			signURI: "http://example.com/hooks", sigTS: ts, hdrTS: ts, body: body + " ", secret: secret, want: ErrBadSignature},
		{name: "wrong secret", target: "/hooks", host: "example.com",
			signURI: "http://example.com/hooks", sigTS: ts, hdrTS: ts, body: body, secret: "other", want: ErrBadSignature},
		{name: "other host", target: "/hooks", host: "example.org",
			signURI: "http://example.com/hooks", sigTS: ts, hdrTS: ts, body: body, secret: secret, want: ErrBadSignature},
		{name: "timestamp changed", target: "/hooks", host: "example.com",
			signURI: "http://example.com/hooks", sigTS: ts, hdrTS: strconv.FormatInt(now.UnixMilli(), 10), body: body, secret: secret, want: ErrBadSignature},
		{name: "older than five minutes", target: "/hooks", host: "example.com",
			signURI: "http://example.com/hooks", sigTS: strconv.FormatInt(now.Add(-6*time.Minute).UnixMilli(), 10),
			hdrTS: strconv.FormatInt(now.Add(-6*time.Minute).UnixMilli(), 10), body: body, secret: secret, want: ErrStaleWebhook},
		{name: "no signature", target: "/hooks", host: "example.com", hdrTS: ts, body: body, secret: secret, want: ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.target, nil)
			r.Host = tt.host
			if tt.signURI != "" {
				r.Header.Set("X-HubSpot-Signature-v3", sign(secret, "POST", tt.signURI, body, tt.sigTS))
			}
			r.Header.Set("X-HubSpot-Request-Timestamp", tt.hdrTS)
			err := VerifySignatureV3(tt.secret, r, []byte(tt.body), now)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("VerifySignatureV3() = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestVerifySignatureV3FixedVector(t *testing.T) {
	// Computed independently (Python hmac) from the documented algorithm.
	const sig = "b58BQX2I2DbWVLQu39XMs7EesE3DakBuwhViOwjSxiQ="
	r := httptest.NewRequest("POST", "https://example.com/webhook", nil)
	r.Header.Set("X-HubSpot-Request-Timestamp", "1764244800000")
	r.Header.Set("X-HubSpot-Signature-v3", sig)
	if err := VerifySignatureV3("secret", r, []byte(`{"a":1}`), time.UnixMilli(1764244800000)); err != nil {
		t.Fatalf("VerifySignatureV3() = %v; want nil", err)
	}
}
