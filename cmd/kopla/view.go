package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
)

// Views render a command's results, for people or as JSON. A command picks
// its view once, from -json, and renders everything through it, flag errors
// excepted.

// sensitiveValue stands for the value of a sensitive field in output.
const sensitiveValue = "(sensitive value)"

// sensitivity tells whether a field of a flow's target is sensitive; nil
// means none is.
type sensitivity func(flow, field string) bool

func (s sensitivity) is(flow, field string) bool { return s != nil && field != "" && s(flow, field) }

// style colours human output.
type style struct{ on bool }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiDim    = "\x1b[2m"
)

func (s style) wrap(code, text string) string {
	if !s.on || text == "" {
		return text
	}
	return code + text + ansiReset
}

func (s style) bold(t string) string   { return s.wrap(ansiBold, t) }
func (s style) green(t string) string  { return s.wrap(ansiGreen, t) }
func (s style) yellow(t string) string { return s.wrap(ansiYellow, t) }
func (s style) red(t string) string    { return s.wrap(ansiRed, t) }
func (s style) dim(t string) string    { return s.wrap(ansiDim, t) }

// formatValue shows a value the way the flow files write it: strings quoted,
// numbers and booleans bare, null, lists and objects as compact JSON.
func formatValue(v any) string {
	if s, ok := v.(string); ok && s == plan.Unknown {
		return plan.Unknown
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// recordLabel identifies a record for people: its source key, then the
// flow's key field and value, then the target record.
//
//	line:2 (email = "ada@example.com", target email=ada@example.com)
func recordLabel(keyField string, key any, keySensitive bool, sourceKey, targetID string) string {
	var parts []string
	if keyField != "" && key != nil {
		v := formatValue(key)
		if keySensitive {
			v = sensitiveValue
		}
		parts = append(parts, keyField+" = "+v)
	}
	if targetID != "" {
		parts = append(parts, "target "+targetID)
	}
	if len(parts) == 0 {
		return sourceKey
	}
	return sourceKey + " (" + strings.Join(parts, ", ") + ")"
}

// changeLabel identifies a change's record for people: its label when it
// has one that may be shown, then the source key, the flow's key and the
// target record.
//
//	Ada Lovelace <ada@…> (c1, Email = "ada@example.com", target k1)
func changeLabel(fp *plan.FlowPlan, ch *plan.Change, sens sensitivity, reveal bool) string {
	if reveal {
		sens = nil
	}
	label := recordLabel(fp.KeyField, ch.Key, sens.is(fp.Flow, fp.KeyField), ch.SourceKey, ch.TargetID)
	if ch.Label == "" || (ch.LabelSensitive && !reveal) {
		return label
	}
	rest, ok := strings.CutPrefix(label, ch.SourceKey+" (")
	if !ok {
		return ch.Label + " (" + ch.SourceKey + ")"
	}
	return ch.Label + " (" + ch.SourceKey + ", " + rest
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// jsonStream writes the JSON lines UI, in the shape of Terraform's
// machine-readable UI: every line has "@level", "@message", "@module",
// "@timestamp" and "type".
type jsonStream struct {
	w   io.Writer
	now func() time.Time
}

func (j *jsonStream) emit(level, typ, msg string, fields map[string]any) {
	m := map[string]any{
		"@level":     level,
		"@message":   msg,
		"@module":    "kopla.ui",
		"@timestamp": j.now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		"type":       typ,
	}
	for k, v := range fields {
		m[k] = v
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		b.Reset()
		enc.Encode(map[string]any{"@level": "error", "@message": "cannot encode message: " + err.Error(), "type": "log"})
	}
	j.w.Write(b.Bytes())
}

func (j *jsonStream) version(v string) {
	j.emit("info", "version", "kopla "+v, map[string]any{"kopla": v, "ui": uiVersion})
}

// diagnostics emits one "diagnostic" line per diagnostic, in the JSON form
// of kopla validate -json.
func (j *jsonStream) diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	doc := dsl.JSONDiagnostics(diags, files)
	for i, d := range doc.Diagnostics {
		level := "error"
		if diags[i].Severity == hcl.DiagWarning {
			level = "warn"
		}
		prefix := "Error: "
		if level == "warn" {
			prefix = "Warning: "
		}
		j.emit(level, "diagnostic", prefix+d.Summary, map[string]any{"diagnostic": d})
	}
}

// jsonChange is a planned change in the JSON UI: the plan's change with the
// values of sensitive fields left out.
type jsonChange struct {
	Flow      string      `json:"flow"`
	Action    plan.Action `json:"action"`
	SourceKey string      `json:"source_key"`
	// Label names the record for people; left out when it shows a
	// sensitive value (label_sensitive), unless -show-sensitive.
	Label          string      `json:"label,omitempty"`
	LabelSensitive bool        `json:"label_sensitive,omitempty"`
	KeyField       string      `json:"key_field,omitempty"`
	Key            any         `json:"key"`
	KeySensitive   bool        `json:"key_sensitive,omitempty"`
	TargetID       string      `json:"target_id,omitempty"`
	Fields         []jsonField `json:"fields"`
	Reason         string      `json:"reason,omitempty"`
	Field          string      `json:"field,omitempty"`
	Warnings       []string    `json:"warnings,omitempty"`
	// Totals are what a document created must total (net, VAT, gross,
	// currency), checked after apply.
	Totals *plan.Totals `json:"totals,omitempty"`
}

type jsonField struct {
	Name       string `json:"name"`
	Before     any    `json:"before,omitempty"`
	After      any    `json:"after"`
	CreateOnly bool   `json:"create_only,omitempty"`
	Unknown    bool   `json:"unknown,omitempty"`
	Sensitive  bool   `json:"sensitive,omitempty"`
	// Default: After is the target's default, the flow writes no value;
	// Defaults: the row fields that took their default.
	Default  bool     `json:"default,omitempty"`
	Defaults []string `json:"defaults,omitempty"`
	// Label names the record an id refers to (an order's debtor); with
	// -show-sensitive, the label with personal data where there is one
	// (a private person's name), then marked LabelSensitive.
	Label          string `json:"label,omitempty"`
	LabelSensitive bool   `json:"label_sensitive,omitempty"`
	// UnknownPaths are the paths of the values known only after apply in
	// an After known in part (After holds "(known after apply)" there),
	// and Parts describe them and the ids inside After with their labels.
	UnknownPaths []string   `json:"unknown_paths,omitempty"`
	Parts        []jsonPart `json:"parts,omitempty"`
}

// jsonPart is a plan.Part in -json: a value inside a field's value, by
// its path ("Rows[0].ArticleId"), known only after apply (Label: what
// supplies it) or an id (Label: its record).
type jsonPart struct {
	Path           string `json:"path"`
	Unknown        bool   `json:"unknown,omitempty"`
	Label          string `json:"label,omitempty"`
	LabelSensitive bool   `json:"label_sensitive,omitempty"`
}

// With reveal the sensitive values are kept, their fields still marked.
func newJSONChange(fp *plan.FlowPlan, ch *plan.Change, sens sensitivity, reveal bool) jsonChange {
	jc := jsonChange{
		Flow: fp.Flow, Action: ch.Action, SourceKey: ch.SourceKey, KeyField: fp.KeyField, Key: ch.Key,
		TargetID: ch.TargetID, Reason: ch.Reason, Field: ch.Field, Fields: []jsonField{}, Warnings: ch.Warnings, Totals: ch.Totals,
		Label: ch.Label, LabelSensitive: ch.LabelSensitive,
	}
	if ch.LabelSensitive && !reveal {
		jc.Label = ""
	}
	if sens.is(fp.Flow, fp.KeyField) && ch.Key != nil {
		jc.KeySensitive = true
		if !reveal {
			jc.Key = nil
		}
	}
	for _, fc := range ch.Fields {
		jf := jsonField{Name: fc.Name, Before: fc.Before, After: fc.After, CreateOnly: fc.CreateOnly, Unknown: fc.Unknown, Sensitive: fc.Sensitive || sens.is(fp.Flow, fc.Name), Default: fc.Default, Defaults: fc.Defaults, Label: fc.Label,
			UnknownPaths: fc.UnknownPaths(), Parts: jsonParts(fc.Parts, reveal)}
		if reveal && fc.SensitiveLabel != "" {
			jf.Label, jf.LabelSensitive = fc.SensitiveLabel, true
		}
		if jf.Sensitive && !reveal {
			jf.Before, jf.After, jf.Label, jf.LabelSensitive, jf.UnknownPaths, jf.Parts = nil, nil, "", false, nil, nil
		}
		jc.Fields = append(jc.Fields, jf)
	}
	return jc
}

// jsonParts are a field's parts as -json shows them: the labels with
// personal data only with reveal (-show-sensitive), in Label.
func jsonParts(parts []plan.Part, reveal bool) []jsonPart {
	if len(parts) == 0 {
		return nil
	}
	out := make([]jsonPart, len(parts))
	for i, p := range parts {
		out[i] = jsonPart{Path: p.Path, Unknown: p.Unknown, Label: p.Label}
		if reveal && p.SensitiveLabel != "" {
			out[i].Label, out[i].LabelSensitive = p.SensitiveLabel, true
		}
	}
	return out
}
