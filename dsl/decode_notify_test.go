package dsl

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNotifyRules(t *testing.T) {
	cfg, diags := loadFile(t, "testdata/valid/notify.hcl", Options{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	ops := cfg.Notifies["ops"]
	if ops == nil {
		t.Fatal("notify ops missing")
	}
	want := []NotifyRule{
		{Kind: RuleRunFailed},
		{Kind: RuleRecordsFailed, Share: 0.05},
		{Kind: RuleConsecutiveFailures, Count: 3},
		{Kind: RuleNoSuccess, Within: 6 * time.Hour},
		{Kind: RulePickupLag, Within: 10 * time.Minute},
	}
	if diff := cmp.Diff(want, ops.Rules); diff != "" {
		t.Errorf("ops rules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"people"}, ops.Flows); diff != "" {
		t.Errorf("ops flows (-want +got):\n%s", diff)
	}
	books := cfg.Notifies["books"]
	if diff := cmp.Diff([]NotifyRule{{Kind: RuleRecordsFailed, Count: DefaultRecordsFailedCount}}, books.Rules); diff != "" {
		t.Errorf("books rules (-want +got):\n%s", diff)
	}
	if len(books.Flows) != 0 {
		t.Errorf("books flows = %v; want none (every flow)", books.Flows)
	}
}

func TestDecodeNotifyChannels(t *testing.T) {
	cfg, diags := loadFile(t, "testdata/valid/notify.hcl", Options{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	env := map[string]string{
		"SMTP_PASSWORD":        "smtp-pass-123",
		"SLACK_WEBHOOK":        "https://hooks.slack.com/services/T000/B000/secretpart",
		"KOPLA_WEBHOOK_SECRET": "hmac-secret-456",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	ch, diags := DecodeNotifyChannels(cfg.Notifies["ops"], cfg.Vars, lookup)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if ch.Email == nil || ch.Slack == nil || ch.Webhook == nil {
		t.Fatalf("channels = %+v; want email, slack and webhook", ch)
	}
	if got, want := ch.Email.To, []string{"ops@example.com", "Accounts <accounts@example.com>"}; !cmp.Equal(got, want) {
		t.Errorf("email to = %q; want %q", got, want)
	}
	smtp := ch.Email.SMTP
	if smtp.Host != "smtp.example.com" || smtp.Port != 587 || smtp.Username != "kopla" || !smtp.StartTLS || smtp.TLS {
		t.Errorf("smtp = %+v; want smtp.example.com:587 as kopla with STARTTLS", smtp)
	}
	if smtp.Password.Reveal() != "smtp-pass-123" || ch.Slack.WebhookURL.Reveal() != env["SLACK_WEBHOOK"] || ch.Webhook.Secret.Reveal() != "hmac-secret-456" {
		t.Error("secrets were not read from the environment")
	}
	if ch.Webhook.URL != "https://hooks.example.com/kopla" {
		t.Errorf("webhook url = %q", ch.Webhook.URL)
	}
	// However the settings are printed, no secret shows.
	js, _ := json.Marshal(ch)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s", *ch.Email, *ch.Slack, *ch.Webhook, smtp.Password), string(js)} {
		for name, secret := range env {
			if strings.Contains(out, secret) {
				t.Errorf("printed settings show %s: %s", name, out)
			}
		}
	}

	// Without the environment, the channels cannot be used.
	_, diags = DecodeNotifyChannels(cfg.Notifies["ops"], cfg.Vars, noEnv)
	var unset []string
	for _, d := range diags {
		if d.Summary == "Environment variable not set" {
			unset = append(unset, d.Detail[strings.Index(d.Detail, "variable ")+len("variable "):strings.Index(d.Detail, ", which")])
		}
	}
	if want := []string{"SMTP_PASSWORD", "SLACK_WEBHOOK", "KOPLA_WEBHOOK_SECRET"}; !cmp.Equal(unset, want) {
		t.Errorf("unset variables reported = %q; want %q (all diagnostics: %v)", unset, want, diags)
	}
}

func TestDecodeNotifyChannelsChecksSecretValues(t *testing.T) {
	cfg, diags := loadFile(t, "testdata/valid/notify.hcl", Options{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	env := map[string]string{"SMTP_PASSWORD": "p", "KOPLA_WEBHOOK_SECRET": "s", "SLACK_WEBHOOK": "http://hooks.slack.com/services/T000/B000/leaked"}
	_, diags = DecodeNotifyChannels(cfg.Notifies["ops"], cfg.Vars, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if !diags.HasErrors() {
		t.Fatal("an http Slack URL was accepted")
	}
	for _, d := range diags {
		if strings.Contains(d.Detail, "leaked") {
			t.Errorf("diagnostic shows the secret URL: %s", d.Detail)
		}
		if d.Summary == "Invalid URL" && !isRedacted(d) {
			t.Error("the Invalid URL diagnostic of a secret is not redacted")
		}
	}
}

// TestNotifyJSONLikeNative: the JSON twin of testdata/valid/notify.hcl
// gives the same rules and channels.
func TestNotifyJSONLikeNative(t *testing.T) {
	env := map[string]string{"SMTP_PASSWORD": "p1", "SLACK_WEBHOOK": "https://hooks.slack.com/services/x", "KOPLA_WEBHOOK_SECRET": "s1", "BOOKS_SECRET": "s2"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	decode := func(path string) (map[string][]NotifyRule, map[string]*NotifyChannels) {
		t.Helper()
		cfg, diags := loadFile(t, path, Options{})
		if len(diags) > 0 {
			t.Fatalf("%s: %v", path, diags)
		}
		rules, channels := map[string][]NotifyRule{}, map[string]*NotifyChannels{}
		for name, n := range cfg.Notifies {
			rules[name] = n.Rules
			ch, diags := DecodeNotifyChannels(n, cfg.Vars, lookup)
			if len(diags) > 0 {
				t.Fatalf("%s: notify %s: %v", path, name, diags)
			}
			channels[name] = ch
		}
		return rules, channels
	}
	nativeRules, nativeChannels := decode("testdata/valid/notify.hcl")
	jsonRules, jsonChannels := decode("testdata/valid_json/notify.hcl.json")
	if diff := cmp.Diff(nativeRules, jsonRules); diff != "" {
		t.Errorf("rules (-native +JSON):\n%s", diff)
	}
	if diff := cmp.Diff(nativeChannels, jsonChannels); diff != "" {
		t.Errorf("channels (-native +JSON):\n%s", diff)
	}
}
