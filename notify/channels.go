package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
	"golang.org/x/time/rate"

	"github.com/kopla-dev/kopla/dsl"
)

// Channel names, as in a pending message's list of channels still owed.
const (
	ChannelEmail   = "email"
	ChannelSlack   = "slack"
	ChannelWebhook = "webhook"
)

// Headers of a webhook delivery.
const (
	// HeaderSignature is "v1=" and the hex HMAC-SHA256, keyed by the
	// webhook's secret, of HeaderTimestamp's value, a dot, and the body.
	HeaderSignature = "X-Kopla-Signature"
	// HeaderTimestamp is the delivery's time in Unix seconds: receivers
	// refuse old ones, so that a captured request cannot be replayed.
	HeaderTimestamp = "X-Kopla-Timestamp"
	// HeaderDelivery is the message ID, the same on every retry: receivers
	// de-duplicate by it.
	HeaderDelivery = "X-Kopla-Delivery"
	HeaderEvent    = "X-Kopla-Event"
)

// channel sends messages one way.
type channel interface {
	name() string
	send(ctx context.Context, m *Message) error
}

// Sign computes a webhook delivery's signature: what HeaderSignature holds.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// emailChannel sends through an SMTP server with go-mail.
type emailChannel struct {
	cfg     dsl.EmailChannel
	tls     *tls.Config
	timeout time.Duration
}

func (c *emailChannel) name() string { return ChannelEmail }

func (c *emailChannel) send(ctx context.Context, m *Message) error {
	msg := mail.NewMsg()
	if err := msg.From(c.cfg.From); err != nil {
		return fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(c.cfg.To...); err != nil {
		return fmt.Errorf("to address: %w", err)
	}
	msg.Subject(m.Subject())
	msg.SetMessageID()
	msg.SetDate()
	msg.SetGenHeader("X-Kopla-Dedup-Key", m.DedupKey)
	msg.SetBodyString(mail.TypeTextPlain, m.Text())

	s := c.cfg.SMTP
	tc := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if c.tls != nil {
		tc = c.tls.Clone()
		if tc.ServerName == "" {
			tc.ServerName = s.Host
		}
	}
	opts := []mail.Option{mail.WithPort(s.Port), mail.WithTimeout(c.timeout), mail.WithTLSConfig(tc)}
	switch {
	case s.TLS:
		opts = append(opts, mail.WithSSL())
	case s.StartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if s.Username != "" {
		// The best mechanism the server offers; PLAIN and LOGIN only over
		// an encrypted connection.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.Username), mail.WithPassword(s.Password.Reveal()))
	}
	client, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp %s:%d: %w", s.Host, s.Port, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s:%d: %w", s.Host, s.Port, err)
	}
	return nil
}

// slackChannel posts to a Slack incoming webhook, at most one message a
// second (Slack's limit for posting).
type slackChannel struct {
	url     dsl.Secret
	client  *http.Client
	limiter *rate.Limiter
}

func (c *slackChannel) name() string { return ChannelSlack }

func (c *slackChannel) send(ctx context.Context, m *Message) error {
	if err := c.limiter.Wait(ctx); err != nil {
		return err
	}
	body, err := json.Marshal(map[string]string{"text": slackText(m)})
	if err != nil {
		return err
	}
	return post(ctx, c.client, "slack", c.url.Reveal(), body, nil)
}

// slackText is the message in Slack's mrkdwn: the subject in bold, the
// text in a code block so that labels and API messages show as written.
func slackText(m *Message) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	text := strings.ReplaceAll(m.Text(), "```", "'''")
	return "*" + esc.Replace(m.Subject()) + "*\n```" + esc.Replace(text) + "```"
}

// webhookChannel posts the message as JSON, signed.
type webhookChannel struct {
	url    string
	secret dsl.Secret
	client *http.Client
	now    func() time.Time
}

func (c *webhookChannel) name() string { return ChannelWebhook }

func (c *webhookChannel) send(ctx context.Context, m *Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	ts := c.now().Unix()
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(c.secret.Reveal(), ts, body))
	h.Set(HeaderDelivery, m.ID)
	h.Set(HeaderEvent, m.Event)
	return post(ctx, c.client, "webhook", c.url, body, h)
}

// post sends a JSON body and takes any 2xx answer as delivered. Errors
// never quote the URL: a Slack webhook's URL is its secret.
func post(ctx context.Context, client *http.Client, what, u string, body []byte, h http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: invalid URL", what)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kopla")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s %s: %w", what, req.URL.Host, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: answered %s: %s", what, req.URL.Host, resp.Status, strings.TrimSpace(string(answer)))
	}
	return nil
}
