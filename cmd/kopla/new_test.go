package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/sandbox"
)

// TestMain lets the pseudo-terminal tests run this test binary as the kopla
// binary: with KOPLA_TEST_RUN_MAIN=1 it is kopla (main, its signal
// handling and exit code), which saves building one.
func TestMain(m *testing.M) {
	if os.Getenv("KOPLA_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// runKopla runs kopla in this process with the real connectors and an
// environment of its own (nothing of the machine's).
func runKopla(t *testing.T, environ map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runWith(t.Context(), deps{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		registry: registry, now: time.Now, version: "test",
		lookupEnv: func(k string) (string, bool) { v, ok := environ[k]; return v, ok },
	}, args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// TestNewSandbox: kopla new -yes creates a project on the sandbox that
// validates, passes init -check and plans; the flows chosen and the
// settings given are in main.hcl, the credentials only in .kopla.vars; a
// second run refuses to overwrite it unless -force.
func TestNewSandbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop")
	r := runKopla(t, nil, "new", "-sandbox", "-yes", "-no-color", "-flow", "orders_to_invoices",
		"-var", "reference_prefix=SHOP-", "-var", "order_payment_statuses=paid, partially_refunded", dir)
	if r.code != exitOK {
		t.Fatalf("kopla new = exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"orders_to_invoices ensures records through contacts_to_customers, which is added.",
		`order_target = invoice (the flows chosen need it).`,
		"Success! The configuration is valid.",
		"The accounts have everything the flow libraries need.",
		`# flow "orders_to_invoices"`,
		"kopla new: done. The project is ready. Run kopla -chdir=" + dir + " apply -sandbox",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("kopla new output lacks %q:\n%s", want, r.stdout)
		}
	}
	main := read(t, filepath.Join(dir, "main.hcl"))
	for _, want := range []string{
		"flows = [\n    \"contacts_to_customers\",\n    \"orders_to_invoices\",\n    \"products_to_articles\",\n  ]",
		`reference_prefix = "SHOP-"`,
		`order_payment_statuses = ["paid", "partially_refunded"]`,
		`order_target = "invoice"`,
		"token = var.hubspot_token",
		`client_secret = var.eaccounting_client_secret`,
	} {
		if !strings.Contains(main, want) {
			t.Errorf("main.hcl lacks %q:\n%s", want, main)
		}
	}
	vars := read(t, filepath.Join(dir, ".kopla.vars"))
	for _, m := range regexp.MustCompile(`(?m)^\w+ = "([^"]+)"$`).FindAllStringSubmatch(vars, -1) {
		if strings.Contains(main, m[1]) {
			t.Errorf("main.hcl holds the credential %q of .kopla.vars", m[1])
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, ".kopla.vars")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf(".kopla.vars: %v, %v; want mode 0600", fi, err)
	}
	if s := read(t, filepath.Join(dir, ".gitignore")); !strings.Contains(s, ".kopla.vars") || !strings.Contains(s, ".kopla/") {
		t.Errorf(".gitignore = %q", s)
	}

	// The project stands on its own: validate and a plan of its own.
	if r := runKopla(t, nil, "-chdir", dir, "validate", "-no-color"); r.code != exitOK {
		t.Errorf("validate = exit %d\n%s", r.code, r.stdout)
	}
	r = runKopla(t, nil, "-chdir", dir, "plan", "-sandbox", "-no-color")
	if r.code != exitOK || !strings.Contains(r.stdout, `flow "stock" is disabled, neither read nor planned: it is not in the flows of the library "webshop"`) {
		t.Errorf("plan -sandbox = exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runKopla(t, nil, "new", "-sandbox", "-yes", dir)
	if r.code != exitError || !strings.Contains(r.stderr, "already holds a kopla project (main.hcl)") || !strings.Contains(r.stderr, "-force") {
		t.Errorf("second kopla new = exit %d; want 1 naming -force\n%s", r.code, r.stderr)
	}
	if got := read(t, filepath.Join(dir, "main.hcl")); got != main {
		t.Error("the refused kopla new changed main.hcl")
	}
	r = runKopla(t, nil, "new", "-sandbox", "-yes", "-force", "-no-color", dir)
	if r.code != exitOK || strings.Contains(read(t, filepath.Join(dir, "main.hcl")), "SHOP-") {
		t.Errorf("kopla new -force = exit %d; want the project written anew\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestNewBadAnswers: non-interactively, a bad or missing answer fails with
// what is wrong and the flag to set, and leaves no project behind.
func TestNewBadAnswers(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"missing article", []string{"-sandbox", "-var", "freight_article_number=NOPE"},
			[]string{`The setting freight_article_number "NOPE" is not accepted: eaccounting.books has no article with Number "NOPE"`, "set it with -var freight_article_number=VALUE"}},
		{"unknown terms", []string{"-sandbox", "-var", "default_terms_of_payment=90 dagar"},
			[]string{`eaccounting.books has no terms of payment with Name "90 dagar"`}},
		{"option", []string{"-sandbox", "-var", "eaccounting_order_status=7"},
			[]string{`The setting eaccounting_order_status "7" is not accepted: answer one of 1, 2, 3`}},
		{"bool", []string{"-sandbox", "-var", "vat_oss=maybe"},
			[]string{"vat_oss is true or false"}},
		{"unknown setting", []string{"-sandbox", "-var", "freight_artcle_number=FRAKT"},
			[]string{`the library has no setting "freight_artcle_number" (did you mean "freight_article_number"?)`}},
		{"unknown flow", []string{"-sandbox", "-flow", "ordrs_to_invoices"},
			[]string{`the library has no flow "ordrs_to_invoices" (did you mean "orders_to_invoices"?)`, "set it with -flow NAME"}},
		{"exclusive flows", []string{"-sandbox", "-flow", "orders_to_invoices,orders_to_eaccounting_orders"},
			[]string{"orders_to_invoices and orders_to_eaccounting_orders exclude each other", "order_target"}},
		{"no credentials", nil,
			[]string{"The credential hubspot_token: no answer: give it with -hubspot-token or HUBSPOT_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "shop")
			args := append(append([]string{"new", "-yes", "-no-color"}, tt.args...), dir)
			r := runKopla(t, nil, args...)
			if r.code != exitError {
				t.Fatalf("exit %d; want 1\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				entries, _ := os.ReadDir(dir)
				t.Errorf("the failed kopla new left %s behind: %v", dir, entries)
			}
		})
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNewAccounts runs kopla new as on real accounts (no -sandbox): the
// connections' addresses come from the environment, here the fakes'. A
// token the account refuses fails at sign-in, naming the connection; with
// the right credentials the project is created, checked and planned.
func TestNewAccounts(t *testing.T) {
	sb := sandbox.NewTest(t, sandbox.Options{})
	ea := sb.EAccounting()
	environ := map[string]string{
		"HUBSPOT_BASE_URL":          sb.HubSpotURL(),
		"HUBSPOT_TOKEN":             "pat-wrong",
		"EACCOUNTING_BASE_URL":      sb.EAccountingURL(),
		"EACCOUNTING_IDENTITY_URL":  sb.IdentityURL(),
		"EACCOUNTING_CLIENT_ID":     ea.ClientID(),
		"EACCOUNTING_CLIENT_SECRET": ea.ClientSecret(),
		"EACCOUNTING_REFRESH_TOKEN": ea.IssueRefreshToken(),
	}
	dir := filepath.Join(t.TempDir(), "shop")
	r := runKopla(t, environ, "new", "-yes", "-no-login", "-no-color", dir)
	if r.code != exitError || !strings.Contains(r.stderr, "hubspot.shop: the account refused the credentials") {
		t.Errorf("kopla new with a wrong token = exit %d; want 1 naming hubspot.shop\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the refused kopla new left %s behind", dir)
	}

	for _, cr := range sb.Credentials() {
		if cr.Kind == "hubspot" && cr.Setting == "token" {
			environ["HUBSPOT_TOKEN"] = cr.Value
		}
	}
	r = runKopla(t, environ, "new", "-yes", "-no-login", "-no-color", "-flow", "stock", dir)
	if r.code != exitOK || !strings.Contains(r.stdout, "The accounts have everything the flow libraries need.") || !strings.Contains(r.stdout, "kopla new: done.") {
		t.Fatalf("kopla new = exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if vars := read(t, filepath.Join(dir, ".kopla.vars")); !strings.Contains(vars, `hubspot_token = "`+environ["HUBSPOT_TOKEN"]+`"`) {
		t.Errorf(".kopla.vars lacks the token given:\n%s", vars)
	}
	// The project plans on its own, with the credentials of .kopla.vars.
	delete(environ, "HUBSPOT_TOKEN")
	if r := runKopla(t, environ, "-chdir", dir, "plan", "-no-color"); r.code != exitOK || !strings.Contains(r.stdout, `# flow "stock"`) {
		t.Errorf("plan = exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestParseNew(t *testing.T) {
	tests := []struct {
		args  []string
		dir   string
		flows []string
		err   string
	}{
		{args: nil},
		{args: []string{"shop"}, dir: "shop"},
		{args: []string{"-flow", "a, b", "-flow", "c", "shop"}, dir: "shop", flows: []string{"a", "b", "c"}},
		{args: []string{"a", "b"}, err: `unexpected argument "b": new takes one directory`},
		{args: []string{"-hubspot-auth", "password"}, err: `-hubspot-auth is token or oauth, not "password"`},
	}
	for _, tt := range tests {
		a, _, err := parseNew(tt.args)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseNew(%q) error = %v; want %q", tt.args, err, tt.err)
			}
		case err != nil:
			t.Errorf("parseNew(%q): %v", tt.args, err)
		case a.dir != tt.dir || strings.Join(a.flows, "|") != strings.Join(tt.flows, "|"):
			t.Errorf("parseNew(%q) = dir %q, flows %q; want %q, %q", tt.args, a.dir, a.flows, tt.dir, tt.flows)
		}
	}
}
