package engine

import (
	"context"
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/types"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
)

// A write_back block becomes an internal flow of its own, named after its
// producing flow: it updates the records the values go to (mode update,
// keyed by their system id) and depends on the producing flow record by
// record, so that plan (known after apply), apply (after the producing
// flow, blocked when its record failed), state and the activity log work as
// for any flow. It never reads its source: the producing flow's batches are
// planned by it as they are planned (planWriteBack).

// WriteBackSuffix ends the name of a flow's write-back in plans, results
// and state: "orders_to_eaccounting_orders.write_back".
const WriteBackSuffix = dsl.WriteBackSuffix

// envResult is what write-back expressions call the stored target record;
// it is the write-back flow's ensured record of that name.
const envResult = "result"

// writeBack is what a write-back flow knows of its producing flow.
type writeBack struct {
	producer *flow
	decl     *dsl.WriteBack
	// self is true when the write-back updates the source record itself:
	// that record, as read, is the target record, so it is not looked up
	// again (the read includes the fields written back).
	self bool
	// whereResult are the fields of result the where reads: a where must
	// not depend on what is known only after apply.
	whereResult []string
}

// bindWriteBacks binds the write_back block of every bound flow as a flow
// of its own.
func (p *Project) bindWriteBacks() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(p.cfg.Flows) {
		decl, prod := p.cfg.Flows[name], p.flows[name]
		if decl.WriteBack == nil || prod == nil {
			continue
		}
		wf, d := p.bindWriteBack(prod, decl.WriteBack)
		diags = append(diags, d...)
		if wf == nil {
			continue
		}
		if other, taken := p.flows[wf.name]; taken {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate flow",
				Detail:   fmt.Sprintf("The write-back of flow %q is called %q, which is the name of the flow declared at %s: rename that flow.", name, wf.name, fmt.Sprintf("%s:%d", other.decl.DeclRange.Filename, other.decl.DeclRange.Start.Line)),
				Subject:  decl.WriteBack.DeclRange.Ptr(),
			})
			continue
		}
		p.flows[wf.name] = wf
		prod.wbFlow = wf
		// The write-back reads the producing flow's records as stored.
		prod.ensured = true
	}
	return diags
}

// bindWriteBack checks a write_back block against its target's schema and
// binds it as a flow over the producing flow's source: an update-mode flow
// keyed by the system id, or, with key, an upsert keyed by that field.
func (p *Project) bindWriteBack(prod *flow, wb *dsl.WriteBack) (*flow, hcl.Diagnostics) {
	targetRef, targetRange := prod.decl.Source, wb.DeclRange
	if wb.Target != nil {
		targetRef, targetRange = *wb.Target, wb.Target.Range
	}
	tgt, diags := p.resolveObject(dsl.ObjectRef{Kind: targetRef.Kind, Connection: targetRef.Connection, Object: targetRef.Object, Range: targetRange}, "write-back target")
	if tgt == nil {
		return nil, diags
	}
	if tgt.schema.ReadOnly {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Read-only write-back target",
			Detail:   fmt.Sprintf("Records of %s cannot be written: write back to an object whose records can be updated.", tgt.ref),
			Subject:  targetRange.Ptr(),
		})
	}
	keyed := wb.Key != ""
	var fields []*dsl.Mapping
	idField := ""
	if !keyed {
		idField = systemIDField(tgt.schema)
		if idField == "" {
			return nil, append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid write-back target",
				Detail:   fmt.Sprintf("Records of %s have no system id a write-back could update them by (a read-only key field, such as HubSpot's hs_object_id): write back to an object that has one, or find the record by a field with key = \"<field>\".", tgt.ref),
				Subject:  targetRange.Ptr(),
			})
		}
		id := wb.ID
		if id == nil {
			if tgt.ref != prod.source.ref {
				return nil, append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Missing required argument",
					Detail:   fmt.Sprintf("The write_back block writes to %s, not to the flow's source %s: add id = \"<expression>\", the %s of the record to update, such as id = \"first(source.contacts ?? [])?.%s\", or key = \"<field>\" to find the record by a field and create it when it is missing.", tgt.ref, prod.source.ref, idField, idField),
					Subject:  targetRange.Ptr(),
				})
			}
			id = dsl.NewExpr(envSource+"."+idField, wb.DeclRange)
		}
		fields = append(fields, &dsl.Mapping{Field: idField, NameRange: wb.DeclRange, Expr: id})
	}
	fields, d := checkWriteBackFields(fields, wb.Fields, tgt, idField, keyed, false)
	diags = append(diags, d...)
	createOnly, d := checkWriteBackFields(nil, wb.CreateOnly, tgt, idField, keyed, true)
	diags = append(diags, d...)

	var includes []string
	for _, inc := range prod.decl.Include {
		if _, ok := prod.source.schema.Include(inc); ok { // a bad one is the producing flow's error
			includes = append(includes, inc)
		}
	}
	decl := &dsl.Flow{
		Name:         prod.name + WriteBackSuffix,
		Source:       prod.decl.Source,
		Target:       dsl.ObjectRef{Kind: targetRef.Kind, Connection: targetRef.Connection, Object: targetRef.Object, Range: targetRange},
		Include:      includes,
		IncludeRange: prod.decl.IncludeRange,
		Key:          idField,
		KeyRange:     wb.DeclRange,
		Mode:         dsl.ModeUpdate,
		ModeRange:    wb.DeclRange,
		Fields:       fields,
		CreateOnly:   createOnly,
		DeclRange:    wb.DeclRange,
		// A write-back runs when its flow does.
		Enabled:        prod.decl.Enabled,
		DisabledReason: prod.decl.DisabledReason,
		EnabledRange:   prod.decl.EnabledRange,
	}
	if keyed {
		decl.Key, decl.KeyRange, decl.Mode = wb.Key, wb.KeyRange, dsl.ModeUpsert
	}
	f, d := p.bindFlow(decl)
	diags = append(diags, d...)
	if f == nil {
		return nil, diags
	}
	f.writeBack = &writeBack{producer: prod, decl: wb, self: !keyed && wb.ID == nil && tgt.ref == prod.source.ref}
	if keyed {
		diags = append(diags, writeBackRequiredFields(f, prod)...)
	}
	return f, diags
}

// checkWriteBackFields appends to out the mappings of a write_back's fields
// (or create_only) block that its target can take, and reports the others.
func checkWriteBackFields(out, ms []*dsl.Mapping, tgt *object, idField string, keyed, createOnly bool) ([]*dsl.Mapping, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	for _, m := range ms {
		if m.Expr == nil {
			continue // reported by dsl
		}
		field, known := tgt.schema.Field(m.Field)
		var problem *hcl.Diagnostic
		switch {
		case idField != "" && m.Field == idField:
			problem = &hcl.Diagnostic{Summary: "Read-only write-back field", Detail: fmt.Sprintf("The field %q is the id of the %s record the write-back updates: it is given by the write_back block's id, and cannot be written.", m.Field, tgt.ref)}
		case !known && !tgt.schema.Open && !tgt.schema.Extensible:
			detail := fmt.Sprintf("The write-back target %s has no field %q.", tgt.ref, m.Field)
			if s := connectors.Suggest(m.Field, tgt.schema.Names()); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			problem = &hcl.Diagnostic{Summary: "Unknown write-back field", Detail: detail}
		case known && field.ReadOnly:
			problem = &hcl.Diagnostic{Summary: "Read-only write-back field", Detail: fmt.Sprintf("The field %q of %s is set by the system and cannot be written back: write the value to a field the target stores, such as a custom property.", m.Field, tgt.ref)}
		case known && field.CreateOnly && !keyed:
			problem = &hcl.Diagnostic{Summary: "Field written on create only", Detail: fmt.Sprintf("The field %q of %s can be set only when a record is created; a write-back by id updates records that exist (with key = \"<field>\" it creates missing ones, and takes this field in its create_only block).", m.Field, tgt.ref)}
		case known && field.CreateOnly && !createOnly:
			problem = &hcl.Diagnostic{Summary: "Field written on create only", Detail: fmt.Sprintf("The field %q of %s can be set when a record is created, not updated: move it to the write_back's create_only block.", m.Field, tgt.ref)}
		}
		if problem != nil {
			problem.Severity, problem.Subject = hcl.DiagError, m.NameRange.Ptr()
			diags = append(diags, problem)
			continue
		}
		out = append(out, m)
	}
	return out, diags
}

// writeBackRequiredFields reports a keyed write-back that can create
// records of its target and leaves a required field without a value, as
// requiredFieldsDiagnostics does for a flow.
func writeBackRequiredFields(f, prod *flow) hcl.Diagnostics {
	missing := missingRequiredFields(f)
	if len(missing) == 0 {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Missing required fields",
		Detail: fmt.Sprintf("The write-back of flow %s creates the %s records its key %s does not find, but sets no value for %s %s, which %s requires on create. Map %s in the write_back's fields or create_only block (%s = \"...\"), or find the record by id instead of key if it always exists.",
			prod.name, f.target.ref, f.keyField, pluralWord(len(missing), "the field", "the fields"), andList(missing), f.target.ref, pluralWord(len(missing), "it", "them"), missing[0]),
		Subject: f.decl.Target.Range.Ptr(),
	}}
}

// systemIDField is the field that holds a record's system id: a read-only
// key (HubSpot's hs_object_id); "" when the schema has none.
func systemIDField(s connectors.Schema) string {
	for _, f := range s.Fields {
		if f.ReadOnly && f.Key {
			return f.Name
		}
	}
	return ""
}

// compileWriteBacks compiles the expressions of the write-back flows, with
// result typed as the producing flow's target record, and makes the
// producing flow read what they use.
func (p *Project) compileWriteBacks() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(p.flows) {
		f := p.flows[name]
		if f.writeBack == nil {
			continue
		}
		prod := f.writeBack.producer
		env := p.flowEnv(f)
		env[envEnsured] = types.Map{envResult: recordType(prod.target.schema)}
		for _, m := range f.fields {
			diags = append(diags, p.compile(m.prog, env, f, expr.Patch(resultPatcher{}))...)
			m.usesEnsured = m.prog.uses(envEnsured)
		}
		if w := f.writeBack.decl.Where; w != nil {
			f.where = &program{expr: w}
			if d := p.compile(f.where, env, f, expr.AsBool(), expr.Patch(resultPatcher{})); len(d) > 0 {
				diags = append(diags, d...)
				f.where = nil
			} else {
				f.writeBack.whereResult = resultFieldsUsed(f.where)
			}
		}
		f.readFields = sourceFieldsUsed(f)
		if f.writeBack.self && f.readFields != nil {
			// The record as read is compared with what is written back.
			for _, m := range f.fields {
				f.readFields = unionFields(f.readFields, []string{m.name})
			}
		}
		prod.readFields = unionFields(prod.readFields, f.readFields)
	}
	return diags
}

// resultPatcher makes result in a write-back expression the flow's ensured
// record of that name (ensured.result), so that plan and apply evaluate it
// like any ensured value.
type resultPatcher struct{}

func (resultPatcher) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && id.Value == envResult {
		ast.Patch(node, &ast.MemberNode{Node: &ast.IdentifierNode{Value: envEnsured}, Property: &ast.StringNode{Value: envResult}})
	}
}

// matchSelf makes each record read from the source its own target record,
// for a write-back to the record itself; records an ensure built are
// looked up by id, as they hold only some fields. It returns the items
// still to match.
func (r *flowRun) matchSelf(items []*pending) []*pending {
	if r.f.writeBack == nil || !r.f.writeBack.self {
		return items
	}
	var rest []*pending
	for _, it := range items {
		switch {
		case it.err != nil || it.filtered:
		case it.synthetic:
			rest = append(rest, it)
		default:
			it.match = &connectors.Record{ID: it.rec.ID, Fields: it.rec.Fields}
		}
	}
	return rest
}

// placeWriteBacks puts each write-back flow right after its producing
// flow: apply writes the producing flow's records first.
func placeWriteBacks(order []*flow) []*flow {
	out := make([]*flow, 0, len(order))
	for _, f := range order {
		if f.writeBack != nil {
			continue
		}
		out = append(out, f)
		if f.wbFlow != nil {
			out = append(out, f.wbFlow)
		}
	}
	return out
}

// involveWriteBacks adds to a plan the write-backs of the flows it plans,
// selected when their producing flow is.
func (p *Project) involveWriteBacks(involved, selected map[string]bool) {
	for name := range involved {
		if wf := p.flows[name].wbFlow; wf != nil {
			involved[wf.name] = true
			selected[wf.name] = selected[name]
		}
	}
}

// planWriteBack plans the write-back of the records of a batch the
// producing flow has just planned.
func (r *flowRun) planWriteBack(ctx context.Context, items []*pending, origin recordOrigin) error {
	if r.f.wbFlow == nil || len(items) == 0 {
		return nil
	}
	run := r.pl.runs[r.f.wbFlow.name]
	if run == nil {
		return nil
	}
	recs := make([]connectors.Record, len(items))
	for i, it := range items {
		recs[i] = it.rec
	}
	return run.planBatch(ctx, recs, origin)
}

// resolveResults gives each record of a write-back batch its result: the
// producing flow's target record as it will be after apply. A record the
// producing flow filtered out, could not plan or has no target record for,
// and (by id) one whose id is empty, gets no write-back. It runs before the
// write-back's where, which sees result.
func (r *flowRun) resolveResults(items []*pending) {
	wb := r.f.writeBack
	if wb == nil {
		return
	}
	prod := r.pl.runs[wb.producer.name]
	for _, it := range items {
		if it.err != nil || it.filtered {
			continue
		}
		var o *outcome
		if prod != nil {
			o = prod.done[it.rec.ID]
		}
		if o == nil || o.view == nil || o.action == plan.Error {
			it.filtered = true
			continue
		}
		it.ensured = map[string]any{envResult: o.view}
		if it.env != nil {
			it.env[envEnsured] = it.ensured
		}
		if (o.action == plan.Create || o.action == plan.Update) && o.change != nil {
			it.requires = append(it.requires, plan.Ref{Flow: wb.producer.name, SourceKey: o.change.SourceKey, Ensure: envResult, Index: -1})
		}
		if name := unknownResultField(wb.whereResult, o.view); name != "" {
			it.err = &recordError{what: "where", err: fmt.Errorf("it reads result.%s, which is known only after apply: select by the source or by result fields the flow %s maps", name, wb.producer.name)}
			continue
		}
		if wb.decl.Key != "" {
			continue // an empty key is the record's error (evalKey)
		}
		if v, err := r.pl.ev.run(r.f.key.prog, r.envOf(it)); err == nil && (v == nil || v == "") {
			it.filtered = true // nothing to write to (a line without product)
		}
	}
}

// unknownResultField returns the first of names whose value in result is
// not known before apply; "" when all are known.
func unknownResultField(names []string, result map[string]any) string {
	for _, n := range names {
		if hasUnknown(result[n]) {
			return n
		}
	}
	return ""
}

// resultFieldsUsed lists the fields of result an expression compiled with
// resultPatcher reads (ensured.result.X).
func resultFieldsUsed(pr *program) []string {
	v := &resultVisitor{seen: map[string]bool{}}
	node := pr.prog.Node()
	ast.Walk(&node, v)
	return sortedKeys(v.seen)
}

type resultVisitor struct{ seen map[string]bool }

func (v *resultVisitor) Visit(node *ast.Node) {
	n, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	inner, ok := n.Node.(*ast.MemberNode)
	if !ok {
		return
	}
	root, ok := inner.Node.(*ast.IdentifierNode)
	res, isRes := inner.Property.(*ast.StringNode)
	prop, isProp := n.Property.(*ast.StringNode)
	if ok && isRes && isProp && root.Value == envEnsured && res.Value == envResult {
		v.seen[prop.Value] = true
	}
}
