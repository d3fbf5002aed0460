package notify

import (
	"crypto/tls"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/internal/mailpittest"
)

// The Mailpit server of these tests (internal/mailpittest, shared with
// serve's end-to-end tests).
type mailpit = mailpittest.Server

const (
	mailUser        = mailpittest.User
	mailPassword    = mailpittest.Password
	requireStartTLS = mailpittest.StartTLS
	requireTLS      = mailpittest.TLS
	plainRelay      = mailpittest.Plain
)

func startMailpit(t *testing.T, mode string) *mailpit { return mailpittest.Start(t, mode) }

func mailBlock(m *mailpit, password string) Block {
	return Block{
		Notify: &dsl.Notify{Name: "ops", Rules: []dsl.NotifyRule{{Kind: dsl.RuleRecordsFailed, Count: 1}}},
		Channels: &dsl.NotifyChannels{Email: &dsl.EmailChannel{
			To:   []string{"ops@example.com", "Books <books@example.com>"},
			From: "kopla@example.com",
			SMTP: dsl.SMTPSettings{Host: "127.0.0.1", Port: m.SMTPPort, Username: mailUser, Password: dsl.Secret(password), StartTLS: true},
		}},
	}
}

// TestEmailThroughMailpit sends over STARTTLS with a login to a real SMTP
// server and reads the messages back through its API.
func TestEmailThroughMailpit(t *testing.T) {
	mp := startMailpit(t, requireStartTLS)
	n, err := New([]Block{mailBlock(mp, mailPassword)}, Options{
		Project:   "shop",
		Store:     openStore(t, filepath.Join(t.TempDir(), "state.db")),
		TLSConfig: &tls.Config{RootCAs: mp.Roots},
		Backoff:   time.Millisecond,
		Command:   "kopla -chdir /srv/shop",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := n.RunFinished(ctx, recordsRun("paid_orders", 42, t0, 2)); err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(ctx, recordsRun("paid_orders", 43, t0.Add(time.Minute), 3)); err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(ctx, okRun("paid_orders", 44, t0.Add(2*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if n.Pending() != 0 {
		t.Fatalf("Pending = %d; want every message delivered", n.Pending())
	}
	got := mp.Messages(t)
	if len(got) != 2 {
		t.Fatalf("Mailpit received %d messages; want 2 (failing, recovered)", len(got))
	}
	// Mailpit lists the newest first.
	rec, fail := got[0], got[1]
	if fail.Subject != "[kopla] shop/paid_orders FAILING: 2 of 12 records failed in run 42" {
		t.Errorf("subject = %q", fail.Subject)
	}
	if fail.From.Address != "kopla@example.com" || len(fail.To) != 2 || fail.To[0].Address != "ops@example.com" || fail.To[1].Address != "books@example.com" || fail.To[1].Name != "Books" {
		t.Errorf("from %+v to %+v", fail.From, fail.To)
	}
	for _, part := range []string{
		"Flow paid_orders of project shop: 2 of 12 records failed in run 42.",
		`Rule records_failed of notify "ops": at least 1 failed record in a run`,
		`order 4000 "#1000" (source 4000, key HS-4000)`,
		"field CustomerId: eaccounting 400 4000: Customer not found",
		"kopla -chdir /srv/shop log -run 42 -action error",
		"kopla -chdir /srv/shop trace 4001",
	} {
		if !strings.Contains(fail.Text, part) {
			t.Errorf("failing mail lacks %q:\n%s", part, fail.Text)
		}
	}
	if rec.Subject != "[kopla] shop/paid_orders recovered: 0 of 10 records failed in run 44" || !strings.Contains(rec.Text, "It had been failing since 2026-12-08 03:00:00 UTC (2m0s).") {
		t.Errorf("recovery: %q\n%s", rec.Subject, rec.Text)
	}
	for _, m := range got {
		if strings.Contains(m.Text, mailPassword) || strings.Contains(m.Subject, mailPassword) {
			t.Errorf("a message shows the SMTP password")
		}
	}
}

// TestEmailRefusedLoginIsKept: a wrong password fails the send (the
// server's answer is logged) and the message waits for the next check.
func TestEmailRefusedLoginIsKept(t *testing.T) {
	mp := startMailpit(t, requireStartTLS)
	var logs strings.Builder
	n, err := New([]Block{mailBlock(mp, "wrong-password-1")}, Options{
		Project:   "shop",
		Store:     openStore(t, filepath.Join(t.TempDir(), "state.db")),
		TLSConfig: &tls.Config{RootCAs: mp.Roots},
		Backoff:   time.Millisecond,
		Attempts:  1,
		Logger:    newTextLogger(&logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(t.Context(), recordsRun("paid_orders", 1, t0, 1)); err != nil {
		t.Fatal(err)
	}
	if got := mp.Messages(t); len(got) != 0 {
		t.Fatalf("Mailpit received %d messages with a wrong password", len(got))
	}
	if n.Pending() != 1 {
		t.Errorf("Pending = %d; want the message kept", n.Pending())
	}
	out := logs.String()
	if !strings.Contains(out, "notification send failed") || !strings.Contains(out, "smtp 127.0.0.1:"+strconv.Itoa(mp.SMTPPort)) {
		t.Errorf("log lacks the failed send:\n%s", out)
	}
	if strings.Contains(out, "wrong-password-1") {
		t.Errorf("log shows the password:\n%s", out)
	}
}

// TestEmailRequiresTrustedCertificate: STARTTLS checks the server's
// certificate; an untrusted one is refused, not used.
func TestEmailRequiresTrustedCertificate(t *testing.T) {
	mp := startMailpit(t, requireStartTLS)
	n, err := New([]Block{mailBlock(mp, mailPassword)}, Options{
		Project: "shop",
		Store:   openStore(t, filepath.Join(t.TempDir(), "state.db")),
		Backoff: time.Millisecond, Attempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(t.Context(), recordsRun("paid_orders", 1, t0, 1)); err != nil {
		t.Fatal(err)
	}
	if got := mp.Messages(t); len(got) != 0 || n.Pending() != 1 {
		t.Fatalf("with an untrusted certificate: %d messages received, %d pending; want 0 and 1", len(got), n.Pending())
	}
}

// TestEmailOtherTransports: TLS from the start (port 465 style), and a
// plain relay without login.
func TestEmailOtherTransports(t *testing.T) {
	for _, mode := range []string{requireTLS, plainRelay} {
		t.Run(mode, func(t *testing.T) {
			mp := startMailpit(t, mode)
			b := mailBlock(mp, mailPassword)
			smtp := &b.Channels.Email.SMTP
			smtp.StartTLS = false
			if mode == requireTLS {
				smtp.TLS = true
			} else {
				smtp.Username, smtp.Password = "", ""
			}
			n, err := New([]Block{b}, Options{
				Project:   "shop",
				Store:     openStore(t, filepath.Join(t.TempDir(), "state.db")),
				TLSConfig: &tls.Config{RootCAs: mp.Roots},
				Backoff:   time.Millisecond,
				Attempts:  1,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := n.RunFinished(t.Context(), recordsRun("paid_orders", 5, t0, 1)); err != nil {
				t.Fatal(err)
			}
			got := mp.Messages(t)
			if len(got) != 1 || got[0].Subject != "[kopla] shop/paid_orders FAILING: 1 of 11 records failed in run 5" || n.Pending() != 0 {
				t.Fatalf("received %+v, %d pending; want the failing message delivered", got, n.Pending())
			}
		})
	}
}

// TestEmailRefusesServerWithoutStartTLS: with starttls = true, a server
// that does not offer STARTTLS gets nothing, not the password in clear.
func TestEmailRefusesServerWithoutStartTLS(t *testing.T) {
	mp := startMailpit(t, plainRelay)
	n, err := New([]Block{mailBlock(mp, mailPassword)}, Options{
		Project: "shop",
		Store:   openStore(t, filepath.Join(t.TempDir(), "state.db")),
		Backoff: time.Millisecond, Attempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(t.Context(), recordsRun("paid_orders", 1, t0, 1)); err != nil {
		t.Fatal(err)
	}
	if got := mp.Messages(t); len(got) != 0 || n.Pending() != 1 {
		t.Fatalf("to a server without STARTTLS: %d messages received, %d pending; want 0 and 1", len(got), n.Pending())
	}
}
