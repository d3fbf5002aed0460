package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kopla-dev/kopla/engine/state"
)

// chromiumInstall is how CI gets the browser (.ci/run runs it when the
// browser is missing).
const chromiumInstall = "apt-get install -y chromium"

// findChromium returns the system's Chromium. Without one the browser
// tests fail under CI (env CI set), saying how to install it, and are
// skipped elsewhere, so that go test ./... needs only Go.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium on PATH (chromium, chromium-browser, google-chrome) for the dashboard's browser tests: install it with " + chromiumInstall
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browserUI is the dashboard of examples/webshop applied to a sandbox
// with the demo's bad record, driven by headless Chromium.
type browserUI struct {
	t    *testing.T
	c    *cli
	sess *uiSession
	srv  *httptest.Server
	ctx  context.Context
}

func startBrowserUI(t *testing.T) *browserUI {
	chrome := findChromium(t)
	var stderr bytes.Buffer
	d := deps{stdout: io.Discard, stderr: &stderr, registry: registry, lookupEnv: func(string) (string, bool) { return "", false },
		now: time.Now, isTerminal: func(any) bool { return false }, version: "test"}
	c := &cli{deps: d, log: newLogger(nil, d.lookupEnv), global: &globalArgs{chdir: filepath.Join("..", "..", "examples", "webshop")}}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	t.Cleanup(cancel)
	sess, code := c.startUI(ctx, &uiArgs{listen: defaultUIListen, badRecord: true})
	if sess == nil {
		t.Fatalf("startUI exited %d:\n%s", code, stderr.String())
	}
	t.Cleanup(sess.close)
	srv := httptest.NewServer(sess.handler)
	t.Cleanup(srv.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-gpu", true))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1200, 900)); err != nil {
		t.Fatalf("start Chromium (%s): %v", chrome, err)
	}
	return &browserUI{t: t, c: c, sess: sess, srv: srv, ctx: bctx}
}

func (b *browserUI) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval returns what a script gives.
func eval[T any](b *browserUI, what, script string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](script, opts...))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// text returns the visible text of the page's main element.
func (b *browserUI) text() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		b.t.Fatalf("read the page: %v", err)
	}
	return s
}

func (b *browserUI) mustSee(page string, want ...string) {
	b.t.Helper()
	got := b.text()
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Fatalf("%s lacks %q:\n%s", page, w, got)
		}
	}
}

// shot writes a screenshot of the page to docs/dashboard/<name>.png with
// -update, so that the documentation's pictures are those of the tests.
func (b *browserUI) shot(name string) {
	b.t.Helper()
	if !*update {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "docs", "dashboard")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browserUI) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// click clicks and waits for the page it leads to (htmx swaps the body in
// place; without JavaScript it is a navigation).
func (b *browserUI) click(sel, wantH1 string) {
	b.t.Helper()
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	b.waitH1(wantH1)
}

// waitText waits for the page's main text to hold want.
func (b *browserUI) waitText(want string) {
	b.t.Helper()
	const script = `(document.querySelector("main") || {}).innerText || ""`
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](script))
		if err == nil && strings.Contains(v, want) {
			return
		}
		got = v
	}
	b.t.Fatalf("the page lacks %q:\n%s", want, got)
}

// waitH1 waits for the page whose heading holds want. The page may be
// navigating meanwhile, so a failed look is tried again.
func (b *browserUI) waitH1(want string) {
	b.t.Helper()
	const script = `(document.querySelector("main h1") || {}).textContent || ""`
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](script))
		if err == nil && strings.Contains(v, want) {
			return
		}
		got = v
	}
	b.t.Fatalf("the page heading is %q; want one with %q", got, want)
}

func (b *browserUI) search(q string) string {
	b.t.Helper()
	b.open("/search")
	b.run("search", chromedp.SetValue(chromedp.ID("q"), q), chromedp.Click(chromedp.CSS(`form[role=search] button`)))
	b.waitH1("Search results")
	return b.text()
}

func TestDashboardInBrowser(t *testing.T) {
	b := startBrowserUI(t)
	st := b.sess.store
	ctx := t.Context()

	// Flows.
	b.open("/")
	b.mustSee("Flows", "orders_to_eaccounting_orders", "hubspot.shop.deals", "Records by action in the last runs")
	b.shot("flows")

	// Runs, and the run of the demo's apply with its failed records.
	b.open("/runs")
	b.mustSee("Runs", "#1", "failed")
	b.shot("runs")
	b.click(`a[href="/runs/1"]`, "Run 1")
	b.mustSee("run 1", "Records per flow and action", "Failed and blocked records", "4002")
	b.shot("run")

	// The failed record: its timeline, the error and what was read.
	b.click(`a[href="/record?flow=orders_to_eaccounting_orders&key=4002"]`, "Record orders_to_eaccounting_orders/4002")
	b.mustSee("record 4002", "at most 40 characters", "What was read", "Retry this record")
	b.shot("record")

	// Search by e-mail: a contact of the demo.
	var email string
	for _, o := range b.c.sb.HubSpot().Objects("contacts") {
		if e := o.Properties["email"]; e != "" {
			if acts, _ := st.Activities(ctx, state.ActivityFilter{Flow: "contacts_to_customers", SourceKey: o.ID, Limit: 1}); len(acts) == 1 && acts[0].Action == "create" {
				email = e
				break
			}
		}
	}
	if email == "" {
		t.Fatal("no demo contact with an e-mail was created as a customer")
	}
	if got := b.search(email); !strings.Contains(got, "contacts_to_customers / ") {
		t.Fatalf("search for a contact's e-mail found:\n%s", got)
	}
	b.shot("search")

	// Search by eAccounting invoice number.
	invoice := invoiceNumber(t, st)
	if got := b.search(invoice); !strings.Contains(got, "invoices_to_hubspot / ") {
		t.Fatalf("search for invoice number %s found:\n%s", invoice, got)
	}

	// A POST without the CSRF token is refused, and changes nothing.
	status := eval[int](b, "forged POST", `fetch("/failures/ignore", {method: "POST", body: new URLSearchParams({flow: "orders_to_eaccounting_orders", key: "4002"})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise)
	if status != http.StatusForbidden {
		t.Fatalf("a POST without the CSRF token answered %d; want 403", status)
	}

	// Failures grouped by cause; fix the bad SKU in the source and retry.
	b.open("/failures")
	b.mustSee("failures", "orders_to_eaccounting_orders: 1 record(s)", "products_to_articles: 1 record(s)", "Retry these", "Ignore")
	b.shot("failures")
	fixBadSKU(t, b.c)
	b.click(`section.failure:has(input[name=flow][value=orders_to_eaccounting_orders]) form[action="/failures/retry"] button`, "Run ")
	b.mustSee("the retry's run", "succeeded")
	if acts, err := st.Activities(ctx, state.ActivityFilter{Flow: "orders_to_eaccounting_orders", SourceKey: "4002", Limit: 1}); err != nil || len(acts) != 1 || acts[0].Action != "create" {
		t.Fatalf("order 4002 after the retry: %+v, %v; want it created", acts, err)
	}
	// The record's timeline now has the retry: what it sent.
	b.open("/record?flow=orders_to_eaccounting_orders&key=4002")
	b.mustSee("record 4002 after the retry", "create", "What was sent", "Fields sent, against the attempt before")
	b.shot("record-retried")
	// The article of the old SKU is no more: ignore its failure.
	b.open("/failures")
	b.run("ignore", chromedp.Click(chromedp.CSS(`section.failure:has(input[name=flow][value=products_to_articles]) form[action="/failures/ignore"] button`)))
	b.waitText("1 record(s) of products_to_articles ignored")
	b.mustSee("failures after ignore", "No open failures")

	// Forget a person, behind a confirmation.
	b.open("/settings")
	b.mustSee("settings", "hubspot.shop", "eaccounting.books", "Forget a person")
	b.shot("settings")
	b.run("forget", chromedp.SetValue(chromedp.ID("forget-key"), email), chromedp.Click(chromedp.CSS(`form[action="/forget"] button`)))
	b.waitH1("Forget a person")
	b.mustSee("confirmation", "This erases the log entries and links of")
	b.shot("forget")
	b.run("confirm", chromedp.Click(chromedp.ID("confirm")))
	b.run("erase", chromedp.Click(chromedp.CSS(`form[action="/forget/confirm"] button`)))
	b.waitText("Erased ")
	if got := b.search(email); !strings.Contains(got, "No record is known by that key") {
		t.Fatalf("the forgotten person is still found:\n%s", got)
	}

	// Every POST is in the activity log, with who made it.
	audit, err := st.Activities(ctx, state.ActivityFilter{Flow: "dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	whats := map[string]bool{}
	for _, a := range audit {
		if !strings.Contains(string(a.Read), `"who":"local user"`) {
			t.Errorf("audit entry %s lacks who: %s", a.SourceKey, a.Read)
		}
		whats[a.SourceKey] = true
		if strings.Contains(string(a.Read), email) {
			t.Errorf("audit entry %s holds the person's e-mail: %s", a.SourceKey, a.Read)
		}
	}
	for _, w := range []string{"search", "retry", "ignore", "forget"} {
		if !whats[w] {
			t.Errorf("no audit entry for %s; have %v", w, whats)
		}
	}

	accessibility(t, b)
}

// accessibility checks every screen for labels, names and contrast, in the
// light and the dark scheme, and that the keyboard reaches the navigation.
func accessibility(t *testing.T, b *browserUI) {
	const audit = `(() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("no lang");
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const labelled = (el.id && document.querySelector("label[for='" + el.id + "']")) || el.getAttribute("aria-label");
    if (!labelled) problems.push("unlabelled " + el.outerHTML);
  }
  for (const el of document.querySelectorAll("button, a")) {
    if (!el.textContent.trim() && !el.getAttribute("aria-label")) problems.push("nameless " + el.outerHTML);
  }
  for (const el of document.querySelectorAll("svg[role=img]")) {
    if (!el.getAttribute("aria-label")) problems.push("unlabelled chart");
  }
  const rgb = c => c.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const v = rgb(c).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }); return 0.2126*v[0] + 0.7152*v[1] + 0.0722*v[2]; };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const bgOf = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor; if (!/rgba\(.*, 0\)$/.test(c) && c !== "transparent") return c; } return "rgb(255, 255, 255)"; };
  for (const el of document.querySelectorAll("main p, main td, main th, main a, main dt, main dd, main li, main button, nav a, main .badge")) {
    if (!el.textContent.trim() || el.offsetParent === null) continue;
    const r = ratio(getComputedStyle(el).color, bgOf(el));
    if (r < 4.5) problems.push("contrast " + r.toFixed(2) + " of " + el.tagName + " " + el.textContent.trim().slice(0, 30));
  }
  return problems.slice(0, 10);
})()`
	pages := []string{"/", "/runs", "/runs/1", "/record?flow=orders_to_eaccounting_orders&key=4002", "/search", "/failures", "/settings"}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
			t.Fatalf("emulate %s: %v", scheme, err)
		}
		for _, p := range pages {
			b.open(p)
			problems := eval[[]string](b, "audit "+p, audit)
			if len(problems) > 0 {
				t.Errorf("%s (%s): %s", p, scheme, strings.Join(problems, "; "))
			}
		}
		if scheme == "dark" {
			b.open("/")
			b.shot("flows-dark")
		}
	}
	// The keyboard: the first Tab reaches the skip link, the next ones the
	// navigation; Enter on Search opens it.
	b.open("/")
	b.run("tab", chromedp.KeyEvent(kb.Tab))
	focused := eval[string](b, "focused", `document.activeElement.textContent`)
	if focused != "Skip to content" {
		t.Errorf("the first Tab focuses %q; want the skip link", focused)
	}
	for range 3 { // Flows, Runs, Search (the brand is text)
		b.run("tab", chromedp.KeyEvent(kb.Tab))
	}
	focused = eval[string](b, "focused", `document.activeElement.textContent`)
	if focused != "Search" {
		t.Fatalf("Tab from the skip link reaches %q; want Search after Flows and Runs", focused)
	}
	b.run("enter", chromedp.KeyEvent(kb.Enter))
	b.waitH1("Search")
}

// invoiceNumber is the number of an invoice the demo mirrored to HubSpot,
// as the invoices flow read it from eAccounting.
func invoiceNumber(t *testing.T, st *state.Store) string {
	t.Helper()
	acts, err := st.Activities(t.Context(), state.ActivityFilter{Flow: "invoices_to_hubspot", Action: "create", Limit: 1})
	if err != nil || len(acts) == 0 {
		t.Fatalf("no invoice was mirrored: %v", err)
	}
	var read map[string]any
	if err := json.Unmarshal(acts[0].Read, &read); err != nil {
		t.Fatal(err)
	}
	n, ok := read["InvoiceNumber"]
	if !ok {
		t.Fatalf("the invoice read has no InvoiceNumber: %s", acts[0].Read)
	}
	return fmt.Sprint(n)
}

// fixBadSKU corrects the gift wrap line's SKU in the HubSpot fake, as its
// owner would in HubSpot, through the API.
func fixBadSKU(t *testing.T, c *cli) {
	t.Helper()
	hs := c.sb.HubSpot()
	for _, o := range hs.Objects("line_items") {
		if len(o.Properties["hs_sku"]) <= 40 {
			continue
		}
		req, _ := http.NewRequest(http.MethodPatch, c.sb.HubSpotURL()+"/crm/v3/objects/line_items/"+o.ID,
			strings.NewReader(`{"properties":{"hs_sku":"PRESENTINSLAGNING"}}`))
		req.Header.Set("Authorization", "Bearer "+hs.Token())
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("PATCH line item %s: %s", o.ID, res.Status)
		}
		return
	}
	t.Fatal("the demo has no line item with the bad SKU")
}
