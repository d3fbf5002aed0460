package dsl

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// WriteBack is the `write_back { ... }` block of a flow: after a record is
// written, fields of the stored target record (result) go back to the
// source record, to the record id names in target, or (with key) to the
// record of target that has the key, created when it is missing.
type WriteBack struct {
	// Target is the object written to; nil means the flow's source object.
	Target *ObjectRef
	// ID computes the id of the record to update; nil means the source
	// record's own id. Never set together with Key.
	ID *Expr
	// Key, when not empty, is the target field that finds the record
	// written to (as a flow's key): the write-back then upserts it.
	Key      string
	KeyRange hcl.Range
	// Where, when set, selects the records that get a write-back; it sees
	// source and result.
	Where *Expr
	// Fields are the values written, in the order of the file; CreateOnly
	// those written only when a keyed write-back creates its record.
	Fields     []*Mapping
	CreateOnly []*Mapping
	DeclRange  hcl.Range
}

var writeBackSchema = &bodySchema{
	What:       "a write_back block",
	Attributes: []string{"target", "id", "key", "where"},
	Blocks:     []blockSchema{{Type: "fields"}, {Type: "create_only"}},
}

// decodeWriteBack reads a write_back block into f. A flow has at most one:
// its fields may write any number of fields of one record.
func (l *loader) decodeWriteBack(f *Flow, b *hcl.Block) {
	if f.WriteBack != nil {
		l.diags = append(l.diags, duplicateFix("Duplicate write_back block", "A write_back block of this flow", f.WriteBack.DeclRange, b.DefRange,
			"A flow has at most one write_back block: put every field in its fields block."))
		return
	}
	wb := &WriteBack{DeclRange: b.DefRange}
	f.WriteBack = wb
	c, diags := content(b.Body, writeBackSchema)
	l.diags = append(l.diags, diags...)
	if attr, ok := c.Attributes["target"]; ok {
		if ref, ok := l.objectRef(attr); ok {
			wb.Target = &ref
		}
	}
	if attr, ok := c.Attributes["id"]; ok {
		wb.ID = l.exprAttr(attr)
	}
	l.decodeWriteBackKey(wb, c)
	if attr, ok := c.Attributes["where"]; ok {
		wb.Where = l.exprAttr(attr)
	}
	var fieldsBlk, createOnlyBlk *hcl.Block
	for _, fb := range c.Blocks {
		first := &fieldsBlk
		if fb.Type == "create_only" {
			first = &createOnlyBlk
		}
		if *first != nil {
			l.diags = append(l.diags, duplicateFix("Duplicate "+fb.Type+" block", fmt.Sprintf("A %s block of this write_back", fb.Type), (*first).DefRange, fb.DefRange,
				fmt.Sprintf("A write_back block has one %s block: merge the two.", fb.Type)))
			continue
		}
		*first = fb
		if fb.Type == "fields" {
			wb.Fields = l.mappings(fb, nil)
		} else {
			wb.CreateOnly = l.mappings(fb, nil)
		}
	}
	if fieldsBlk == nil {
		l.diags = append(l.diags, missingArgument(b, "fields block", "The write_back block",
			`fields { <source field> = "<expression over result>" }, such as fields { eaccounting_order_number = "string(result.Number)" }`))
	} else if attrs, _ := fieldsBlk.Body.JustAttributes(); len(attrs) == 0 {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty write_back",
			Detail:   fmt.Sprintf("The write_back block of flow %q writes no field: add field = \"expression\" lines to its fields block, or remove the block.", f.Name),
			Subject:  fieldsBlk.DefRange.Ptr(),
		})
	}
	if createOnlyBlk != nil {
		l.writeBackCreateOnly(wb, fieldsBlk, createOnlyBlk)
	}
}

// decodeWriteBackKey reads the key of a write_back block, which finds the
// record written to instead of an id.
func (l *loader) decodeWriteBackKey(wb *WriteBack, c bodyContent) {
	attr, ok := c.Attributes["key"]
	if !ok {
		return
	}
	wb.KeyRange = attr.Expr.Range()
	v, ok := l.literal(attr, cty.String)
	if !ok {
		return
	}
	if id, hasID := c.Attributes["id"]; hasID {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Conflicting arguments",
			Detail: fmt.Sprintf("The write_back block has both id (at %s) and key: id updates the record it names, key finds the record by a target field and creates it when it is missing. Remove one of the two.",
				shortRange(id.Range)),
			Subject: attr.Range.Ptr(),
		})
		wb.ID = nil
	}
	if v.AsString() == "" {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid key",
			Detail:   "key names the field of the write-back target that finds the record written to, such as key = \"hs_sku\"; it cannot be empty.",
			Subject:  attr.Expr.Range().Ptr(),
		})
		return
	}
	wb.Key = v.AsString()
}

// writeBackCreateOnly checks the create_only block of a write_back: only a
// keyed write-back creates records, and a field is written either always
// or on create.
func (l *loader) writeBackCreateOnly(wb *WriteBack, fieldsBlk, createOnlyBlk *hcl.Block) {
	if wb.KeyRange.Filename == "" { // a key written but invalid is reported as such
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unexpected create_only block",
			Detail:   "A write_back block without key only updates records that exist, so it never writes create_only fields. Add key = \"<target field>\" to find the record by it and create it when it is missing, or move these fields into the fields block.",
			Subject:  createOnlyBlk.DefRange.Ptr(),
		})
		wb.CreateOnly = nil
		return
	}
	if fieldsBlk == nil {
		return
	}
	always := map[string]hcl.Range{}
	for _, m := range wb.Fields {
		always[m.Field] = m.NameRange
	}
	kept := wb.CreateOnly[:0]
	for _, m := range wb.CreateOnly {
		prev, dup := always[m.Field]
		if !dup {
			kept = append(kept, m)
			continue
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate field",
			Detail:   fmt.Sprintf("The field %q is already set in the write_back's fields block at %s. A field is written either on every write-back (fields) or only when it creates the record (create_only): remove one of the two.", m.Field, shortRange(prev)),
			Subject:  m.NameRange.Ptr(),
		})
	}
	wb.CreateOnly = kept
}

// WriteBackSuffix ends the name a flow's write-back has in tests, plans and
// state: flow.orders.write_back is "orders.write_back".
const WriteBackSuffix = ".write_back"

// isWriteBackRef reports whether a test's flow reference names a flow's
// write-back: flow.<name>.write_back.
func isWriteBackRef(trav hcl.Traversal) bool {
	if len(trav) != 3 {
		return false
	}
	_, named := trav[1].(hcl.TraverseAttr)
	step, ok := trav[2].(hcl.TraverseAttr)
	return named && ok && step.Name == "write_back"
}

// writeBackTest checks that a test of flow.<name>.write_back names a flow
// with a write_back block, and names the test's flow after the write-back.
func (l *loader) writeBackTest(t *Test, fl *Flow, flowAttr *hcl.Attribute) bool {
	if fl.WriteBack == nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown flow",
			Detail:   fmt.Sprintf("The flow %q has no write_back block to test.", fl.Name),
			Subject:  flowAttr.Expr.Range().Ptr(),
		})
		return false
	}
	t.Flow = fl.Name + WriteBackSuffix
	return true
}

// writeBackFixtures reads the result of a write-back test: the stored
// target record of the producing flow, which the write-back's expressions
// see as result. Without a target, the record written back to is the
// source record itself (a write-back to the flow's source).
func (l *loader) writeBackFixtures(t *Test, result *hcl.Attribute) bool {
	if result == nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing required argument",
			Detail:   "A test of a write-back gives the stored target record it writes back from: add result = { ... }, such as result = { Number = 17 }.",
			Subject:  t.DeclRange.Ptr(),
		})
		return false
	}
	rec, ok := l.testObject(result, "result")
	if !ok {
		return false
	}
	if t.Ensured == nil {
		t.Ensured = map[string]any{}
	}
	t.Ensured["result"] = rec
	// A keyed write-back finds its record by key: without target, it has
	// none and creates one.
	if wb := l.cfg.Flows[strings.TrimSuffix(t.Flow, WriteBackSuffix)].WriteBack; t.Target == nil && wb.Target == nil && wb.Key == "" {
		t.Target = t.Source
	}
	return true
}
