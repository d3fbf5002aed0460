package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/dsl"
)

// mailpitInstall is how to get the SMTP server the e-mail tests send to.
const mailpitInstall = "go install github.com/axllent/mailpit@v1.33.1"

// mailpit is a Mailpit server on loopback, requiring STARTTLS (with a
// certificate made for the test) and a login.
type mailpit struct {
	smtpPort int
	api      string
	roots    *x509.CertPool
}

const (
	mailUser     = "kopla"
	mailPassword = "mail-pass-3e9d"
)

// findMailpit finds the mailpit binary on PATH, in $(go env GOPATH)/bin or
// in the user's cache, and installs it into the cache with the go command
// when it is nowhere: the e-mail channel is tested against a real SMTP
// server, and `go test ./...` must work on a machine with only Go on it.
func findMailpit(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		gopath = strings.TrimSpace(string(out))
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "mailpit")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("mailpit is not installed and there is no cache directory to install it into (%v). Install it with:\n\t%s", err, mailpitInstall)
	}
	bin := filepath.Join(cache, "kopla-test", "mailpit-v1.33.1")
	p := filepath.Join(bin, "mailpit")
	installMailpit.Do(func() {
		if _, err := os.Stat(p); err == nil {
			return
		}
		cmd := exec.Command("go", strings.Fields(mailpitInstall)[1:]...)
		cmd.Env = append(os.Environ(), "GOBIN="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("%s: %w\n%s", mailpitInstall, err, out)
		}
	})
	if installErr != nil {
		t.Fatalf("mailpit is not installed and installing it failed; the e-mail tests need it: %v", installErr)
	}
	return p
}

// installMailpit installs Mailpit once per test binary.
var (
	installMailpit sync.Once
	installErr     error
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// selfSignedCert writes a certificate for 127.0.0.1 and localhost and its
// key into dir.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kopla test SMTP"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// Security modes of the test server.
const (
	requireStartTLS = "starttls" // STARTTLS and a login required
	requireTLS      = "tls"      // TLS from the start and a login required
	plainRelay      = "plain"    // no TLS, no login: a relay on this machine
)

func startMailpit(t *testing.T, mode string) *mailpit {
	t.Helper()
	bin := findMailpit(t)
	dir := t.TempDir()
	certFile, keyFile, roots := selfSignedCert(t, dir)
	authFile := filepath.Join(dir, "smtp-auth")
	if err := os.WriteFile(authFile, []byte(mailUser+":"+mailPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &mailpit{smtpPort: freePort(t), roots: roots}
	httpPort := freePort(t)
	m.api = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	cmd := exec.Command(bin,
		"--disable-version-check",
		"--smtp", fmt.Sprintf("127.0.0.1:%d", m.smtpPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--smtp-disable-rdns",
	)
	switch mode {
	case requireStartTLS:
		cmd.Args = append(cmd.Args, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls", "--smtp-auth-file", authFile)
	case requireTLS:
		cmd.Args = append(cmd.Args, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-tls", "--smtp-auth-file", authFile)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(m.api + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", m.smtpPort)); err == nil {
					c.Close()
					return m
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start within 15s:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type mailpitAddress struct {
	Name    string
	Address string
}

type mailpitMessage struct {
	ID      string
	From    mailpitAddress
	To      []mailpitAddress
	Subject string
	Text    string
}

// messages reads back every message Mailpit received, with its text.
func (m *mailpit) messages(t *testing.T) []mailpitMessage {
	t.Helper()
	var list struct {
		Total    int
		Messages []mailpitMessage
	}
	getJSON(t, m.api+"/api/v1/messages", &list)
	out := make([]mailpitMessage, 0, len(list.Messages))
	for _, s := range list.Messages {
		var full mailpitMessage
		getJSON(t, m.api+"/api/v1/message/"+s.ID, &full)
		out = append(out, full)
	}
	return out
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func (m *mailpit) block(password string) Block {
	return Block{
		Notify: &dsl.Notify{Name: "ops", Rules: []dsl.NotifyRule{{Kind: dsl.RuleRecordsFailed, Count: 1}}},
		Channels: &dsl.NotifyChannels{Email: &dsl.EmailChannel{
			To:   []string{"ops@example.com", "Books <books@example.com>"},
			From: "kopla@example.com",
			SMTP: dsl.SMTPSettings{Host: "127.0.0.1", Port: m.smtpPort, Username: mailUser, Password: dsl.Secret(password), StartTLS: true},
		}},
	}
}

// TestEmailThroughMailpit sends over STARTTLS with a login to a real SMTP
// server and reads the messages back through its API.
func TestEmailThroughMailpit(t *testing.T) {
	mp := startMailpit(t, requireStartTLS)
	n, err := New([]Block{mp.block(mailPassword)}, Options{
		Project:   "shop",
		Store:     openStore(t, filepath.Join(t.TempDir(), "state.db")),
		TLSConfig: &tls.Config{RootCAs: mp.roots},
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
	got := mp.messages(t)
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
	n, err := New([]Block{mp.block("wrong-password-1")}, Options{
		Project:   "shop",
		Store:     openStore(t, filepath.Join(t.TempDir(), "state.db")),
		TLSConfig: &tls.Config{RootCAs: mp.roots},
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
	if got := mp.messages(t); len(got) != 0 {
		t.Fatalf("Mailpit received %d messages with a wrong password", len(got))
	}
	if n.Pending() != 1 {
		t.Errorf("Pending = %d; want the message kept", n.Pending())
	}
	out := logs.String()
	if !strings.Contains(out, "notification send failed") || !strings.Contains(out, "smtp 127.0.0.1:"+strconv.Itoa(mp.smtpPort)) {
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
	n, err := New([]Block{mp.block(mailPassword)}, Options{
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
	if got := mp.messages(t); len(got) != 0 || n.Pending() != 1 {
		t.Fatalf("with an untrusted certificate: %d messages received, %d pending; want 0 and 1", len(got), n.Pending())
	}
}

// TestEmailOtherTransports: TLS from the start (port 465 style), and a
// plain relay without login.
func TestEmailOtherTransports(t *testing.T) {
	for _, mode := range []string{requireTLS, plainRelay} {
		t.Run(mode, func(t *testing.T) {
			mp := startMailpit(t, mode)
			b := mp.block(mailPassword)
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
				TLSConfig: &tls.Config{RootCAs: mp.roots},
				Backoff:   time.Millisecond,
				Attempts:  1,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := n.RunFinished(t.Context(), recordsRun("paid_orders", 5, t0, 1)); err != nil {
				t.Fatal(err)
			}
			got := mp.messages(t)
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
	n, err := New([]Block{mp.block(mailPassword)}, Options{
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
	if got := mp.messages(t); len(got) != 0 || n.Pending() != 1 {
		t.Fatalf("to a server without STARTTLS: %d messages received, %d pending; want 0 and 1", len(got), n.Pending())
	}
}
