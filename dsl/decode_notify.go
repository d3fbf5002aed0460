package dsl

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
)

// Notify is a `notify "name" { ... }` block: rules saying when the people
// it names are told about the project's runs (kopla serve), and the
// channels that tell them. Its rules are decoded at load; its channels,
// which hold secrets read from the environment, by DecodeNotifyChannels
// when they are used, so that validate works without the secrets (as for
// connections).
type Notify struct {
	Name string
	// Rules are the rules of on, in its order, with their thresholds.
	Rules []NotifyRule
	// Flows limits the rules to these flows; empty means every flow.
	Flows     []string
	Body      hcl.Body
	DeclRange hcl.Range
	// Dir is the project directory: file("...") in the body is relative
	// to it.
	Dir string
}

// The notification rules, as written in on.
const (
	RuleRunFailed           = "run_failed"           // the run stopped with an error
	RuleRecordsFailed       = "records_failed"       // count or share of failed records at or above a threshold
	RuleConsecutiveFailures = "consecutive_failures" // the last N runs failed
	RuleNoSuccess           = "no_success"           // no successful run within a duration
	RulePickupLag           = "pickup_lag"           // changes picked up later than a duration
)

// NotifyRules lists the rules in the order the documentation gives them.
var NotifyRules = []string{RuleRunFailed, RuleRecordsFailed, RuleConsecutiveFailures, RuleNoSuccess, RulePickupLag}

// Defaults of the rule thresholds that have one.
const (
	DefaultRecordsFailedCount  = 1
	DefaultConsecutiveFailures = 3
)

// NotifyRule is one rule of a notify block with its threshold.
type NotifyRule struct {
	Kind string // one of NotifyRules
	// Count is the failed records (records_failed, when Share is 0) or the
	// failed runs in a row (consecutive_failures) that make the rule fail.
	Count int
	// Share is the share of a run's records, above 0 and at most 1, that
	// makes records_failed fail when it is set.
	Share float64
	// Within is no_success_within (no_success) or pickup_lag_over
	// (pickup_lag).
	Within time.Duration
}

// NotifyChannels are the channels of a notify block, with their secrets;
// at least one is set.
type NotifyChannels struct {
	Email   *EmailChannel
	Slack   *SlackChannel
	Webhook *WebhookChannel
}

// EmailChannel is the email block: messages sent through an SMTP server.
type EmailChannel struct {
	To   []string
	From string
	SMTP SMTPSettings
}

// SMTPSettings is the smtp block of an email block.
type SMTPSettings struct {
	Host     string
	Port     int
	Username string
	Password Secret
	// StartTLS upgrades the connection with STARTTLS and refuses a server
	// that does not offer it; TLS connects with TLS from the start (port
	// 465). With neither, mail goes unencrypted.
	StartTLS bool
	TLS      bool
}

// SlackChannel is the slack block: a Slack incoming webhook.
type SlackChannel struct {
	WebhookURL Secret
}

// WebhookChannel is the webhook block: a JSON POST signed with
// HMAC-SHA256 over the secret.
type WebhookChannel struct {
	URL    string
	Secret Secret
}

// Secret is a value that must never be printed: formatting it, as text or
// as JSON, gives "(sensitive value)". Reveal gives the value itself.
type Secret string

func (s Secret) String() string                { return redactedText }
func (s Secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, redactedText) }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(redactedText), nil }

// Reveal returns the secret itself, for the one place that uses it.
func (s Secret) Reveal() string { return string(s) }

var _ fmt.Formatter = Secret("")

func ptr(x float64) *float64 { return &x }

// notifyFields is the schema of a notify block's body, decoded as a
// connection's settings are (settingsDecoder): the same messages for
// unknown arguments, types, literal secrets and unset environment
// variables.
var notifyFields = []connectors.Field{
	{Name: "on", Type: connectors.TypeList, Required: true, Elem: &connectors.Field{Type: connectors.TypeString, Options: NotifyRules},
		Description: "the rules to notify about, such as [\"run_failed\", \"records_failed\"]"},
	{Name: "flows", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeString}},
	{Name: "records_failed", Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "count", Type: connectors.TypeInteger, Min: ptr(1), ConflictsWith: []string{"share"}},
		{Name: "share", Type: connectors.TypeNumber, ConflictsWith: []string{"count"}},
	}},
	{Name: "consecutive_failures", Type: connectors.TypeInteger, Min: ptr(1)},
	{Name: "no_success_within", Type: connectors.TypeString},
	{Name: "pickup_lag_over", Type: connectors.TypeString},
	{Name: "email", Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "to", Type: connectors.TypeList, Required: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "from", Type: connectors.TypeString, Required: true},
		{Name: "smtp", Type: connectors.TypeObject, Required: true, Fields: []connectors.Field{
			{Name: "host", Type: connectors.TypeString, Required: true},
			{Name: "port", Type: connectors.TypeInteger, Default: int64(587), Min: ptr(1), Max: ptr(65535)},
			{Name: "username", Type: connectors.TypeString},
			{Name: "password", Type: connectors.TypeString, Sensitive: true},
			{Name: "starttls", Type: connectors.TypeBool, Default: true},
			{Name: "tls", Type: connectors.TypeBool, Default: false},
		}},
	}},
	{Name: "slack", Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "webhook_url", Type: connectors.TypeString, Required: true, Sensitive: true},
	}},
	{Name: "webhook", Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "url", Type: connectors.TypeString, Required: true},
		{Name: "secret", Type: connectors.TypeString, Required: true, Sensitive: true},
	}},
}

// notifyThresholds maps each threshold argument to its rule.
var notifyThresholds = []struct{ arg, rule string }{
	{"records_failed", RuleRecordsFailed},
	{"consecutive_failures", RuleConsecutiveFailures},
	{"no_success_within", RuleNoSuccess},
	{"pickup_lag_over", RulePickupLag},
}

// decodeNotify decodes a notify block at load. Flows must be resolved: the
// flows argument names them.
func (l *loader) decodeNotify(blk *hcl.Block) {
	name := blk.Labels[0]
	if prev, dup := l.cfg.Notifies[name]; dup {
		l.diags = append(l.diags, duplicate("Duplicate notify block", fmt.Sprintf("A notify block %q", name), prev.DeclRange, blk.DefRange))
		return
	}
	n := &Notify{Name: name, Body: blk.Body, DeclRange: blk.DefRange, Dir: l.cfg.Dir}
	l.cfg.Notifies[name] = n
	// Environment variables are not read here (lookupEnv nil): an unset
	// one leaves its setting unknown, checked when the channels are used.
	d := &settingsDecoder{ctx: l.ctx, vars: l.cfg.Variables, what: "the notify block " + name}
	cfg := connectors.Config(d.decode(blk.Body, notifyFields, "a notify block", blk.DefRange))
	l.diags = append(l.diags, d.diags...)
	l.diags = append(l.diags, checkNotify(n, cfg)...)
	n.Rules, n.Flows = notifyRules(cfg)
	l.diags = append(l.diags, l.checkNotifyFlows(n)...)
}

// DecodeNotifyChannels evaluates the channels of a notify block, secrets
// included: vars are the resolved Config.Vars, lookupEnv nil means
// os.LookupEnv. An unset environment variable is an error here.
func DecodeNotifyChannels(n *Notify, vars map[string]any, lookupEnv func(string) (string, bool)) (*NotifyChannels, hcl.Diagnostics) {
	d, diags := newSettingsDecoder(vars, lookupEnv, n.Dir, "the notify block "+n.Name, "a notify block")
	cfg := connectors.Config(d.decode(n.Body, notifyFields, "a notify block", n.DeclRange))
	diags = append(diags, d.diags...)
	diags = append(diags, checkNotify(n, cfg)...)
	if diags.HasErrors() {
		return nil, diags
	}
	ch := &NotifyChannels{}
	if e := cfg.Block("email"); e != nil {
		s := e.Block("smtp")
		ch.Email = &EmailChannel{
			To:   e.Strings("to", nil),
			From: str(e, "from"),
			SMTP: SMTPSettings{
				Host:     str(s, "host"),
				Port:     int(s.Int("port", 587)),
				Username: str(s, "username"),
				Password: Secret(str(s, "password")),
				StartTLS: s.Bool("starttls"),
				TLS:      s.Bool("tls"),
			},
		}
	}
	if s := cfg.Block("slack"); s != nil {
		ch.Slack = &SlackChannel{WebhookURL: Secret(str(s, "webhook_url"))}
	}
	if w := cfg.Block("webhook"); w != nil {
		ch.Webhook = &WebhookChannel{URL: str(w, "url"), Secret: Secret(str(w, "secret"))}
	}
	return ch, diags
}

func str(c connectors.Config, name string) string {
	s, _ := c[name].(string)
	return s
}

// notifyRules builds the rules of on with their thresholds.
func notifyRules(cfg connectors.Config) ([]NotifyRule, []string) {
	var rules []NotifyRule
	for _, kind := range cfg.Strings("on", nil) {
		if slices.ContainsFunc(rules, func(r NotifyRule) bool { return r.Kind == kind }) {
			continue
		}
		r := NotifyRule{Kind: kind}
		switch kind {
		case RuleRecordsFailed:
			rf := cfg.Block("records_failed")
			if share, ok := rf["share"].(float64); ok {
				r.Share = share
			} else {
				r.Count = int(rf.Int("count", DefaultRecordsFailedCount))
			}
		case RuleConsecutiveFailures:
			r.Count = int(cfg.Int("consecutive_failures", DefaultConsecutiveFailures))
		case RuleNoSuccess:
			r.Within, _ = parseNotifyDuration(str(cfg, "no_success_within"))
		case RulePickupLag:
			r.Within, _ = parseNotifyDuration(str(cfg, "pickup_lag_over"))
		}
		rules = append(rules, r)
	}
	return rules, cfg.Strings("flows", nil)
}

// checkNotify checks what the schema alone does not: bounds and conflicts
// (as for connections), rules and their thresholds, durations, addresses
// and URLs. Settings whose values are unknown (an unset environment
// variable at load) are left out.
func checkNotify(n *Notify, cfg connectors.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	at := func(path ...string) *hcl.Range {
		rng, _ := settingRange(n.Body, n.DeclRange, path)
		return rng.Ptr()
	}
	written := func(path ...string) bool {
		_, ok := settingRange(n.Body, n.DeclRange, path)
		return ok
	}
	problem := func(summary, detail string, subject *hcl.Range) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject})
	}
	factory := connectors.Factory{Config: connectors.Schema{Fields: notifyFields}}
	for _, p := range factory.CheckConfig(cfg) {
		summary := p.Summary
		if summary == "" {
			summary = "Invalid notify setting"
		}
		problem(summary, sentence(p.Detail), at(p.Path...))
	}

	on := cfg.Strings("on", nil)
	if _, ok := cfg["on"]; ok && len(on) == 0 {
		problem("No rules", fmt.Sprintf("The notify block %s has no rules, so it would never notify: list them, as on = [%q, %q].", n.Name, RuleRunFailed, RuleRecordsFailed), at("on"))
	}
	seen := map[string]bool{}
	for _, r := range on {
		if seen[r] {
			problem("Duplicate rule", fmt.Sprintf("The rule %s is listed twice in on: remove one.", r), at("on"))
		}
		seen[r] = true
	}
	// A threshold without its rule is a rule the writer meant to add;
	// a rule without a threshold that has no default cannot run.
	if _, ok := cfg["on"]; ok {
		for _, t := range notifyThresholds {
			if written(t.arg) && !seen[t.rule] {
				problem("Threshold without its rule", fmt.Sprintf("%s sets the threshold of the rule %s, which on does not list: add %q to on, or remove %s.", t.arg, t.rule, t.rule, t.arg), at(t.arg))
			}
		}
	}
	for _, t := range []struct{ arg, rule, example string }{
		{"no_success_within", RuleNoSuccess, `no_success_within = "6h"`},
		{"pickup_lag_over", RulePickupLag, `pickup_lag_over = "10m"`},
	} {
		if seen[t.rule] && !written(t.arg) {
			problem("Missing threshold", fmt.Sprintf("The rule %s needs to know how long is too long: add %s.", t.rule, t.example), at("on"))
		}
		if s, ok := cfg[t.arg].(string); ok {
			if _, err := parseNotifyDuration(s); err != nil {
				problem("Invalid duration", fmt.Sprintf("%s %s.", t.arg, err), at(t.arg))
			}
		}
	}
	if share, ok := cfg.Block("records_failed")["share"].(float64); ok && (share <= 0 || share > 1) {
		problem("Invalid value", fmt.Sprintf("share is the share of a run's records that fail, above 0 and at most 1 (0.05 is 5%%), not %s.", strconv.FormatFloat(share, 'f', -1, 64)), at("records_failed", "share"))
	}

	if !written("email") && !written("slack") && !written("webhook") {
		problem("No channel", fmt.Sprintf("The notify block %s has no channel to send through: add an email, slack or webhook block.", n.Name), n.DeclRange.Ptr())
	}
	if e := cfg.Block("email"); e != nil {
		if to, ok := e["to"].([]any); ok && len(to) == 0 {
			problem("No recipients", "to lists no address: give at least one, as to = [\"ops@example.com\"].", at("email", "to"))
		}
		for _, addr := range e.Strings("to", nil) {
			if err := checkAddress(addr); err != nil {
				problem("Invalid e-mail address", fmt.Sprintf("to has %q, which %s.", addr, err), at("email", "to"))
			}
		}
		if from, ok := e["from"].(string); ok && strings.TrimSpace(from) != "" {
			if err := checkAddress(from); err != nil {
				problem("Invalid e-mail address", fmt.Sprintf("from is %q, which %s.", from, err), at("email", "from"))
			}
		}
		if written("email", "smtp", "password") && !written("email", "smtp", "username") {
			problem("Password without username", "The smtp block has a password but no username to log in with: add username = \"...\".", at("email", "smtp", "password"))
		}
		if written("email", "smtp", "username") && !written("email", "smtp", "password") {
			problem("Username without password", "The smtp block has a username but no password: add password = env(\"SMTP_PASSWORD\").", at("email", "smtp", "username"))
		}
		if s := e.Block("smtp"); s.Bool("tls") && written("email", "smtp", "starttls") && s.Bool("starttls") {
			problem("Conflicting settings", "tls = true connects with TLS from the start (port 465), starttls = true upgrades a plain connection (port 587): set one of them.", at("email", "smtp", "starttls"))
		}
	}
	if s := cfg.Block("slack"); s != nil {
		if u, ok := s["webhook_url"].(string); ok && u != "" {
			if err := checkWebhookURL(u); err != nil {
				diags = append(diags, redactSubject(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid URL", Detail: fmt.Sprintf("webhook_url %s: give the incoming webhook's URL from Slack, https://hooks.slack.com/services/....", err), Subject: at("slack", "webhook_url")}))
			}
		}
	}
	if w := cfg.Block("webhook"); w != nil {
		if u, ok := w["url"].(string); ok && u != "" {
			if err := checkWebhookURL(u); err != nil {
				problem("Invalid URL", fmt.Sprintf("url %s.", err), at("webhook", "url"))
			}
		}
	}
	return diags
}

// checkNotifyFlows checks that the flows a notify block names exist.
func (l *loader) checkNotifyFlows(n *Notify) hcl.Diagnostics {
	var diags hcl.Diagnostics
	known := make([]string, 0, len(l.cfg.Flows))
	for name := range l.cfg.Flows {
		known = append(known, name)
	}
	slices.Sort(known)
	rng, _ := settingRange(n.Body, n.DeclRange, []string{"flows"})
	for _, f := range n.Flows {
		if _, ok := l.cfg.Flows[f]; ok {
			continue
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown flow",
			Detail:   fmt.Sprintf("flows names %q, which is not a flow of the project.%s", f, didYouMean(f, known, known)),
			Subject:  rng.Ptr(),
		})
	}
	return diags
}

// parseNotifyDuration reads a duration: Go's units (90m, 6h) or whole
// days (2d). The error completes "<argument> ...".
func parseNotifyDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if n, err = strconv.Atoi(days); err == nil {
			d = time.Duration(n) * 24 * time.Hour
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil {
		return 0, fmt.Errorf("must be a duration such as \"90m\", \"6h\" or \"2d\", not %q", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be longer than zero, not %q", s)
	}
	return d, nil
}

// checkAddress checks an e-mail address; the error completes "... which".
func checkAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || !strings.Contains(a.Address, "@") {
		return fmt.Errorf("is not an e-mail address (write it as ops@example.com or \"Ops <ops@example.com>\")")
	}
	return nil
}

// checkWebhookURL checks a URL messages are posted to: https, or http to
// this machine only (a receiver on loopback), since the messages name
// records. The error completes "<argument> ..." and never quotes the URL,
// which may hold a token.
func checkWebhookURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("is not a URL")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("must use https (http is accepted only for a receiver on this machine, such as http://127.0.0.1:8080/...)")
	}
	return fmt.Errorf("must be an https URL")
}
