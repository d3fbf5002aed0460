package hubspot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrBadSignature means a webhook request's signature does not match.
	ErrBadSignature = errors.New("hubspot: webhook signature does not match")
	// ErrStaleWebhook means a webhook request's timestamp is more than five
	// minutes away from now: possibly a replay.
	ErrStaleWebhook = errors.New("hubspot: webhook timestamp is more than 5 minutes old")
)

// maxWebhookAge is how old a signed request may be (HubSpot's guide).
const maxWebhookAge = 5 * time.Minute

// uriDecodes are the escapes HubSpot decodes in the URI before signing.
var uriDecodes = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$", "%27", "'",
	"%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";",
)

// VerifySignatureV3 checks the X-HubSpot-Signature-v3 header of a webhook
// request: base64(HMAC-SHA256(clientSecret, method + URI + body + timestamp)),
// where URI is the full URL HubSpot called, with the escapes HubSpot lists
// decoded, and timestamp is X-HubSpot-Request-Timestamp (epoch ms) as sent.
// body must be the raw request body. Requests signed more than 5 minutes
// before now are refused with ErrStaleWebhook.
//
// The URL is r.URL when absolute; otherwise it is rebuilt from r.Host and
// r.URL.RequestURI() with https when r.TLS is set. Behind a proxy, set r.URL
// to the public URL HubSpot called before verifying.
func VerifySignatureV3(clientSecret string, r *http.Request, body []byte, now time.Time) error {
	sig := r.Header.Get("X-HubSpot-Signature-v3")
	ts := r.Header.Get("X-HubSpot-Request-Timestamp")
	if sig == "" || ts == "" {
		return fmt.Errorf("%w: X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp missing", ErrBadSignature)
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not epoch milliseconds", ErrBadSignature, ts)
	}
	if age := now.Sub(time.UnixMilli(ms)); age > maxWebhookAge || age < -maxWebhookAge {
		return ErrStaleWebhook
	}
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%w: not base64", ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte(r.Method))
	mac.Write([]byte(uriDecodes.Replace(requestURL(r))))
	mac.Write(body)
	mac.Write([]byte(ts))
	if !hmac.Equal(mac.Sum(nil), want) {
		return ErrBadSignature
	}
	return nil
}

func requestURL(r *http.Request) string {
	if r.URL.IsAbs() {
		return r.URL.String()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// VerifySignatureV2 checks the X-HubSpot-Signature header of a request
// signed with version 2 (X-HubSpot-Signature-Version: v2; older apps,
// workflow webhooks): hex(SHA-256(clientSecret + method + URI + body)). It
// carries no timestamp, so it cannot refuse a replay: prefer v3.
func VerifySignatureV2(clientSecret string, r *http.Request, body []byte) error {
	sig := r.Header.Get("X-HubSpot-Signature")
	if sig == "" {
		return fmt.Errorf("%w: X-HubSpot-Signature missing", ErrBadSignature)
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%w: not hex", ErrBadSignature)
	}
	h := sha256.New()
	h.Write([]byte(clientSecret))
	h.Write([]byte(r.Method))
	h.Write([]byte(requestURL(r)))
	h.Write(body)
	if !hmac.Equal(h.Sum(nil), want) {
		return ErrBadSignature
	}
	return nil
}
