package dsl

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteBack is the `write_back { ... }` block of a flow: after a record is
// written, fields of the stored target record (result) go back to the
// source record, or to the record id names in target.
type WriteBack struct {
	// Target is the object written to; nil means the flow's source object.
	Target *ObjectRef
	// ID computes the id of the record to update; nil means the source
	// record's own id.
	ID *Expr
	// Fields are the values written, in the order of the file.
	Fields    []*Mapping
	DeclRange hcl.Range
}

var writeBackSchema = &bodySchema{
	What:       "a write_back block",
	Attributes: []string{"target", "id"},
	Blocks:     []blockSchema{{Type: "fields"}},
	Elsewhere:  map[string]string{"create_only": "the flow (a write-back only updates)", "key": "the flow (a write-back finds its record by id)"},
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
	var fieldsBlk *hcl.Block
	for _, fb := range c.Blocks {
		if fieldsBlk != nil {
			l.diags = append(l.diags, duplicateFix("Duplicate fields block", "A fields block of this write_back", fieldsBlk.DefRange, fb.DefRange,
				"A write_back block has one fields block: merge the two."))
			continue
		}
		fieldsBlk = fb
		wb.Fields = l.mappings(fb, nil)
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
	if t.Target == nil && l.cfg.Flows[strings.TrimSuffix(t.Flow, WriteBackSuffix)].WriteBack.Target == nil {
		t.Target = t.Source
	}
	return true
}
