// Package mailpittest starts a Mailpit SMTP server for tests and reads
// back what it received through its API: the e-mail notifications are
// tested against a real SMTP server.
package mailpittest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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
	"strings"
	"sync"
	"testing"
	"time"
)

// Install is how to get the SMTP server the e-mail tests send to.
const Install = "go install github.com/axllent/mailpit@v1.33.1"

// Server is a Mailpit server on loopback, with the security Start was
// given: STARTTLS or TLS with a certificate made for the test (trusted by
// Roots; CertFile for SSL_CERT_FILE in a child process) and a login as
// User with Password, or a plain relay.
type Server struct {
	SMTPPort int
	API      string
	Roots    *x509.CertPool
	CertFile string
}

// The login the server requires (StartTLS and TLS modes).
const (
	User     = "kopla"
	Password = "mail-pass-3e9d"
)

// findMailpit finds the mailpit binary on PATH, in $(go env GOPATH)/bin or
// in the user's cache, and installs it into the cache with the go command
// when it is nowhere: the e-mail channel is tested against a real SMTP
// server, and `go test ./...` must work on a machine with only Go on it.
func findMailpit(t testing.TB) string {
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
		t.Fatalf("mailpit is not installed and there is no cache directory to install it into (%v). Install it with:\n\t%s", err, Install)
	}
	bin := filepath.Join(cache, "kopla-test", "mailpit-v1.33.1")
	p := filepath.Join(bin, "mailpit")
	installMailpit.Do(func() {
		if _, err := os.Stat(p); err == nil {
			return
		}
		cmd := exec.Command("go", strings.Fields(Install)[1:]...)
		cmd.Env = append(os.Environ(), "GOBIN="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("%s: %w\n%s", Install, err, out)
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

func freePort(t testing.TB) int {
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
func selfSignedCert(t testing.TB, dir string) (certFile, keyFile string, roots *x509.CertPool) {
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
	StartTLS = "starttls" // STARTTLS and a login required
	TLS      = "tls"      // TLS from the start and a login required
	Plain    = "plain"    // no TLS, no login: a relay on this machine
)

// Start starts Mailpit on free loopback ports for the test (installing it
// first when it is missing) and stops it when the test ends.
func Start(t testing.TB, mode string) *Server {
	t.Helper()
	bin := findMailpit(t)
	dir := t.TempDir()
	certFile, keyFile, roots := selfSignedCert(t, dir)
	authFile := filepath.Join(dir, "smtp-auth")
	if err := os.WriteFile(authFile, []byte(User+":"+Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &Server{SMTPPort: freePort(t), Roots: roots, CertFile: certFile}
	httpPort := freePort(t)
	m.API = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	cmd := exec.Command(bin,
		"--disable-version-check",
		"--smtp", fmt.Sprintf("127.0.0.1:%d", m.SMTPPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--smtp-disable-rdns",
	)
	switch mode {
	case StartTLS:
		cmd.Args = append(cmd.Args, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls", "--smtp-auth-file", authFile)
	case TLS:
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
		resp, err := http.Get(m.API + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", m.SMTPPort)); err == nil {
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

// Address is a sender or recipient as Mailpit's API gives it.
type Address struct {
	Name    string
	Address string
}

// Message is a received message as Mailpit's API gives it.
type Message struct {
	ID      string
	From    Address
	To      []Address
	Subject string
	Text    string
}

// Messages reads back every message Mailpit received, with its text.
func (m *Server) Messages(t testing.TB) []Message {
	t.Helper()
	var list struct {
		Total    int
		Messages []Message
	}
	getJSON(t, m.API+"/api/v1/messages", &list)
	out := make([]Message, 0, len(list.Messages))
	for _, s := range list.Messages {
		var full Message
		getJSON(t, m.API+"/api/v1/message/"+s.ID, &full)
		out = append(out, full)
	}
	return out
}

func getJSON(t testing.TB, url string, v any) {
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
