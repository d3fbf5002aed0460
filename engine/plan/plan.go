// Package plan holds kopla's plan as data: what apply will do, record by record
// and field by field. A plan can be saved (-out) and applied later exactly as
// it is; it carries what is needed to refuse it when it has gone stale.
package plan

import (
	"encoding/json"
	"slices"
	"time"
)

// FormatVersion is the version of the saved plan format. Apply refuses a plan
// of another version.
const FormatVersion = 1

// Action is what a plan does with one source record.
type Action string

const (
	Create  Action = "create"
	Update  Action = "update"
	NoOp    Action = "no-op"
	Skip    Action = "skip"
	Error   Action = "error"
	Blocked Action = "blocked" // apply only: a record whose dependency failed
	// Waiting is a record not created for now: an earlier create of it
	// may still be committing in the target (its answer was lost), or it
	// depends on such a record. The next run checks again.
	Waiting Action = "waiting"
)

// Unknown is the value of a field that is known only after apply, such as the
// id of a record the same apply creates first.
const Unknown = "(known after apply)"

// Plan is the result of planning a project.
type Plan struct {
	FormatVersion int       `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	// ConfigDigest is the digest of the flow files and the variable values;
	// apply refuses a saved plan when it differs.
	ConfigDigest string      `json:"config_digest"`
	Flows        []*FlowPlan `json:"flows"`
}

// FlowPlan is the plan of one flow.
type FlowPlan struct {
	Flow     string `json:"flow"`
	Source   string `json:"source"`
	Target   string `json:"target"`
	KeyField string `json:"key_field"`
	// changes lists every record that needs attention (Add, Changes):
	// creates, updates, skips of existing or missing records, and errors.
	// Records that need nothing are only counted (NoOps), and so are records
	// left out by the flow's where (Filtered), so that a plan of many
	// unchanged records stays small.
	changes  changeList
	NoOps    int `json:"no_ops"`
	Filtered int `json:"filtered"`
	// FilteredKeys are the source keys of the first MaxFilteredKeys
	// records where left out, for plan -show-skipped.
	FilteredKeys []string `json:"filtered_keys,omitempty"`
	// ReadDigest is the digest of the source records read, and Cursor the
	// incremental cursor the read returned; apply stores it.
	ReadDigest string `json:"read_digest"`
	Cursor     string `json:"cursor,omitempty"`
	// ReadMode is how the source was read, "full" or "incremental" (empty
	// for a flow not read: ensured records only, disabled), and ReadReason
	// why, for people: "first run", "since 2026-12-08T03:00Z (overlap 5m)".
	// Retried counts the records that failed in the last apply and were
	// read again by id; RetryByID says the source can read them so, which
	// lets apply move the cursor past records that fail.
	ReadMode   string `json:"read_mode,omitempty"`
	ReadReason string `json:"read_reason,omitempty"`
	Retried    int    `json:"retried,omitempty"`
	RetryByID  bool   `json:"retry_by_id,omitempty"`
	// Dependency is set when the flow runs only for the records other flows
	// ensure (it was not selected with -flow itself).
	Dependency bool `json:"dependency,omitempty"`
	// Disabled is set for a flow whose enabled expression is false: it was
	// neither read nor planned, and apply leaves it alone. DisabledReason
	// says why, such as `enabled = var.x == "a" is false (x = "b")`.
	Disabled       bool   `json:"disabled,omitempty"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	// SensitiveFields are the target's fields whose values hold personal
	// data or secrets (the schema's sensitive fields), so that a saved plan
	// is shown as it was planned (kopla show).
	SensitiveFields []string `json:"sensitive_fields,omitempty"`
}

// FieldSensitive reports whether a field of the named flow's target is
// sensitive, from the plan alone.
func (p *Plan) FieldSensitive(flow, field string) bool {
	fp := p.Flow(flow)
	return fp != nil && slices.Contains(fp.SensitiveFields, field)
}

// MaxFilteredKeys bounds the filtered records a flow plan names: a where
// that leaves out a million records must not cost a million keys.
const MaxFilteredKeys = 1000

// AddFiltered counts one record the flow's where left out.
func (f *FlowPlan) AddFiltered(sourceKey string) {
	f.Filtered++
	if len(f.FilteredKeys) < MaxFilteredKeys {
		f.FilteredKeys = append(f.FilteredKeys, sourceKey)
	}
}

// Change is what happens to one source record.
type Change struct {
	// SourceKey identifies the source record (its id in the source system).
	SourceKey string `json:"source_key"`
	// Label names the source record for people (`Anna Svensson <anna@…>`,
	// `order 4002 "#1043"`): the flow's label expression, else the source
	// connector's (connectors.Schema.Label); empty when neither gives one.
	// LabelSensitive says it holds the value of a sensitive field, so it
	// is shown only where sensitive values are. It never drives apply.
	Label          string `json:"label,omitempty"`
	LabelSensitive bool   `json:"label_sensitive,omitempty"`
	// Key is the value of the flow's key field.
	Key any `json:"key"`
	// TargetID is the matched target record; empty for a create.
	TargetID string        `json:"target_id,omitempty"`
	Action   Action        `json:"action"`
	Fields   []FieldChange `json:"fields,omitempty"`
	// Reason says why, for people (skip reasons, error messages). It never
	// drives apply.
	Reason string `json:"reason,omitempty"`
	// Field names the field an error is about, when it is about one.
	Field string `json:"field,omitempty"`
	// Requires lists the records of other flows this one needs first
	// (ensure): if one of them fails, this change is blocked.
	Requires []Ref `json:"requires,omitempty"`
	// Source is the source record as read (JSON), for the activity log and
	// for evaluating at apply the fields known only then. It is kept
	// encoded: a plan of many records holds many of them.
	Source json.RawMessage `json:"source,omitempty"`
	// Ensured holds the values of the ensured records as planned, and Target
	// the target record (JSON) of an update, kept with Source when some
	// fields are known only after apply.
	Ensured map[string]any  `json:"ensured,omitempty"`
	Target  json.RawMessage `json:"target,omitempty"`
	// Warnings are what the flow's expressions said about the record with
	// warn() (a create or update that needs a person's attention). Like
	// Reason they never drive apply.
	Warnings []string `json:"warnings,omitempty"`
	// Totals are what a sales document the change creates must total, for
	// targets that verify documents (see Totals); nil otherwise.
	Totals *Totals `json:"totals,omitempty"`
}

// Ref names one change: a flow and a source key, and for a requirement the
// ensure block (and list index, with for_each) it fills.
type Ref struct {
	Flow      string `json:"flow"`
	SourceKey string `json:"source_key"`
	Ensure    string `json:"ensure,omitempty"`
	Index     int    `json:"index,omitempty"`
}

// FieldChange is one field of a create or update.
type FieldChange struct {
	Name       string `json:"name"`
	Before     any    `json:"before,omitempty"`
	After      any    `json:"after"`
	CreateOnly bool   `json:"create_only,omitempty"`
	// Unknown is true when After is known only after apply.
	Unknown   bool `json:"unknown,omitempty"`
	Sensitive bool `json:"sensitive,omitempty"`
	// Default is true when the flow writes no value and After is the
	// target's default for the field (connectors.Field.Default), sent on
	// create.
	Default bool `json:"default,omitempty"`
	// Defaults names the fields of After's rows (a list of objects) that
	// took their default in at least one row: the flow's rows lack them.
	Defaults []string `json:"defaults,omitempty"`
	// Label names, for people, the record an id in After refers to (the
	// debtor of an order: "Name (CustomerNumber)"); it never drives apply.
	// It shows no personal data ("private person (1002)"); SensitiveLabel,
	// when set, is the label that does ("Anna Svensson (1002)"), shown only
	// where sensitive values are.
	Label          string `json:"label,omitempty"`
	SensitiveLabel string `json:"sensitive_label,omitempty"`
	// Parts describe values inside a list or object After (the rows of a
	// document): the ones known only after apply, while the rest of After
	// is known, and the ids whose records have a label. Nil for a value
	// known or unknown as a whole.
	Parts []Part `json:"parts,omitempty"`
}

// Part is one value inside a field's list or object value, by its path
// from the field ("Rows[0].ArticleId").
type Part struct {
	Path string `json:"path"`
	// Unknown is true when the value is known only after apply (After has
	// Unknown there); Label then says what supplies it ("article ART-2001
	// \"Vedkorg\"", the record the same apply creates first).
	Unknown bool `json:"unknown,omitempty"`
	// Label names the record an id refers to, or what supplies an unknown
	// value, for people; SensitiveLabel is a label with personal data,
	// shown only where sensitive values are. They never drive apply.
	Label          string `json:"label,omitempty"`
	SensitiveLabel string `json:"sensitive_label,omitempty"`
}

// UnknownPaths are the paths of the parts known only after apply.
func (f *FieldChange) UnknownPaths() []string {
	var paths []string
	for _, p := range f.Parts {
		if p.Unknown {
			paths = append(paths, p.Path)
		}
	}
	return paths
}

// Part returns the part at path, or nil.
func (f *FieldChange) Part(path string) *Part {
	for i := range f.Parts {
		if f.Parts[i].Path == path {
			return &f.Parts[i]
		}
	}
	return nil
}

// Counts are the number of records per action.
type Counts struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	NoOp    int `json:"no_op"`
	Skip    int `json:"skip"`
	Error   int `json:"error"`
	Blocked int `json:"blocked,omitempty"`
	Waiting int `json:"waiting,omitempty"`
	// Unverified counts created documents whose stored totals differ from
	// the expected ones (apply and kopla verify only).
	Unverified int `json:"verification_failed,omitempty"`
}

// Add counts one record.
func (c *Counts) Add(a Action) {
	switch a {
	case Create:
		c.Create++
	case Update:
		c.Update++
	case NoOp:
		c.NoOp++
	case Skip:
		c.Skip++
	case Error:
		c.Error++
	case Blocked:
		c.Blocked++
	case Waiting:
		c.Waiting++
	}
}

// Changes reports whether the counts contain a create or an update.
func (c Counts) Changes() bool { return c.Create+c.Update > 0 }

// Counts returns the counts of one flow.
func (f *FlowPlan) Counts() Counts {
	c := f.changes.counts
	c.NoOp += f.NoOps
	c.Skip += f.Filtered
	return c
}

// Counts returns the counts of the whole plan.
func (p *Plan) Counts() Counts {
	var c Counts
	for _, f := range p.Flows {
		fc := f.Counts()
		c.Create += fc.Create
		c.Update += fc.Update
		c.NoOp += fc.NoOp
		c.Skip += fc.Skip
		c.Error += fc.Error
		c.Blocked += fc.Blocked
		c.Waiting += fc.Waiting
		c.Unverified += fc.Unverified
	}
	return c
}

// Flow returns the plan of the named flow, or nil.
func (p *Plan) Flow(name string) *FlowPlan {
	for _, f := range p.Flows {
		if f.Flow == name {
			return f
		}
	}
	return nil
}
