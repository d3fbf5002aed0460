package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/internal/jsonenc"
)

// PlanOptions select what a plan covers.
type PlanOptions struct {
	// Flows selects flows by name (-flow); empty means all. Flows that the
	// selected ones ensure are planned for the ensured records only.
	Flows []string
	// State holds links and cursors; nil plans without them.
	State *state.Store
	// Incremental is kept for the deprecated -incremental flag: reads are
	// incremental by default (from the cursor the last apply stored, see
	// incremental.go), and it changes nothing.
	Incremental bool
	// Full reads every flow's source in full (-full), as a first run does.
	Full bool
	// ForApply says the plan is made to be applied (apply, plan -out): a
	// source that does not exist (connectors.ErrSourceMissing) fails its
	// flows instead of being planned as empty with a warning.
	ForApply bool
	// SourceIDs, when a flow's name is in it, plans only those source
	// records of that flow, read by id (a targeted run: webhook events,
	// retries of failed records), and leaves its cursor where it is.
	SourceIDs map[string][]string
}

// planner plans one project run.
type planner struct {
	p     *Project
	opts  PlanOptions
	runs  map[string]*flowRun
	ev    evaluator
	finds *findCache
	// pipe, when set, is handed each batch's changes as it is planned
	// (PlanAndApply); failed holds the flows that failed, by name.
	pipe   *pipeline
	failed map[string]error
}

// flowRun is the plan of one flow in progress.
type flowRun struct {
	pl     *planner
	f      *flow
	fp     *plan.FlowPlan
	target connectors.Object
	// totals prices the creates of the batch being decided (prepareTotals).
	totals connectors.Verifier
	// done holds the outcome of every source record planned so far, so
	// that a record two orders ensure is planned once. Flows nobody ensures
	// keep only the ids, in planned: a record read twice is planned once.
	done    map[string]*outcome
	planned map[string]struct{}
	// keys maps key values to the source record that produced them: two
	// source records must not claim one target record.
	keys   map[string]string
	digest hash.Hash
	buf    []byte   // reused to encode records for the digest
	names  []string // reused to sort a record's field names
	// encoded holds the encoded source records of the batch being planned
	// (pending.raw); a change gets its own copy.
	encoded []byte
	// seenKeys and keyValues are match's, kept from batch to batch.
	seenKeys  map[string]struct{}
	keyValues []any

	// env is the expression environment of the record being evaluated,
	// set anew for each one (see envOf): one map for the whole run
	// instead of one per record.
	env map[string]any
	// slab holds the pending records of a batch, kept from batch to batch
	// with their value slices; busy guards it against a nested batch.
	slab []pending
	ptrs []*pending
	busy bool
	// checks are the target schema's rules for the values written (check.go).
	checks valueChecks
	// lostCreates are the source keys of the flow's creates whose answer
	// was lost and whose record may still be committing (intents.go).
	lostCreates map[string]bool
	// fresh are the changes planned since the pipeline was last handed
	// them (PlanAndApply only); stream says the writes take them from the
	// pipeline as they come, and so may hold them while more are planned.
	fresh  []*plan.Change
	stream bool
}

// outcome is the plan of one source record.
type outcome struct {
	change *plan.Change // nil for no-ops and filtered records
	action plan.Action
	view   map[string]any // the target record as it will be (ensured value)
}

// Plan reads the sources and works out, record by record, what apply would
// do. Problems with single records are changes with action "error";
// diagnostics are for problems that stop a flow (a source that cannot be
// read, a connection that cannot be opened).
func (p *Project) Plan(ctx context.Context, opts PlanOptions) (*plan.Plan, hcl.Diagnostics) {
	pl, out, diags := p.startPlan(opts)
	if diags.HasErrors() {
		return nil, diags
	}
	return pl.run(ctx, out, diags)
}

// startPlan makes the planner of a run and the plan it fills, with a flow
// plan for every flow involved.
func (p *Project) startPlan(opts PlanOptions) (*planner, *plan.Plan, hcl.Diagnostics) {
	pl := &planner{p: p, opts: opts, runs: map[string]*flowRun{}, finds: newFindCache(p), failed: map[string]error{}}

	selected, diags := p.selectFlows(opts.Flows)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	out := &plan.Plan{FormatVersion: plan.FormatVersion, CreatedAt: p.engine.opts.Now().UTC(), ConfigDigest: p.Digest}
	involved := p.withDependencies(selected)
	p.involveWriteBacks(involved, selected)
	for _, f := range p.order {
		if !involved[f.name] {
			continue
		}
		if !f.decl.Enabled {
			out.Flows = append(out.Flows, disabledFlowPlan(f))
			continue
		}
		run := pl.newRun(f, !selected[f.name])
		pl.runs[f.name] = run
		out.Flows = append(out.Flows, run.fp)
	}
	return pl, out, diags
}

// run reads the sources and plans them into out.
func (pl *planner) run(ctx context.Context, out *plan.Plan, diags hcl.Diagnostics) (*plan.Plan, hcl.Diagnostics) {
	groups := pl.readGroups(ctx)
	for _, g := range groups {
		if g.err == nil && g.ids == nil {
			g.prefetch(ctx)
		}
	}
	defer func() {
		for _, g := range groups {
			if g.pre != nil {
				g.pre.cancel()
			}
		}
	}()
	for _, g := range groups {
		if g.err == nil {
			g.planAll(ctx)
		}
		for i, run := range g.runs {
			err := g.err
			if err == nil {
				err = g.errs[i]
			}
			if g.missing != nil && err == nil {
				diags = append(diags, sourceMissingWarning(run.f, g.missing))
			}
			if err != nil {
				pl.failed[run.f.name] = err
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Flow failed",
					Detail:   Sentence(fmt.Sprintf("Flow %q: %s", run.f.name, err)),
					Subject:  run.f.decl.DeclRange.Ptr(),
				})
			}
		}
		if ctx.Err() != nil {
			return nil, append(diags, contextError(ctx)...)
		}
	}
	for _, run := range pl.runs {
		run.fp.ReadDigest = hex.EncodeToString(run.digest.Sum(nil))
		if err := run.fp.Err(); err != nil {
			diags = append(diags, ErrorDiagnostic("Cannot hold the plan", err)...)
		}
	}
	return out, diags
}

// sourceMissingWarning tells that a flow's source does not exist and was
// planned as empty, and that apply will refuse it.
func sourceMissingWarning(f *flow, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Source does not exist",
		Detail:   Sentence(fmt.Sprintf("Flow %q: %s. It was planned as having no records, but kopla apply (and plan -out) will refuse it until it exists", f.name, err)),
		Subject:  f.decl.DeclRange.Ptr(),
	}
}

// selectFlows resolves -flow names.
func (p *Project) selectFlows(names []string) (map[string]bool, hcl.Diagnostics) {
	selected := map[string]bool{}
	if len(names) == 0 {
		for name := range p.flows {
			selected[name] = true
		}
		return selected, nil
	}
	var diags hcl.Diagnostics
	for _, n := range names {
		if _, ok := p.flows[n]; !ok {
			detail := fmt.Sprintf("There is no flow %q.", n)
			if s := connectors.Suggest(n, sortedKeys(p.flows)); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown flow", Detail: detail})
			continue
		}
		if f := p.flows[n]; !f.decl.Enabled {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Disabled flow",
				Detail:   fmt.Sprintf("The flow %q is disabled (%s), so it is neither read nor planned. Set the variables its enabled expression reads so that it is true, or plan another flow.", n, f.decl.DisabledReason),
				Subject:  f.decl.EnabledRange.Ptr(),
			})
			continue
		}
		selected[n] = true
	}
	return selected, diags
}

// withDependencies adds the flows the selected ones ensure, transitively.
func (p *Project) withDependencies(selected map[string]bool) map[string]bool {
	out := map[string]bool{}
	var add func(f *flow)
	add = func(f *flow) {
		if out[f.name] {
			return
		}
		out[f.name] = true
		for _, e := range f.ensures {
			add(e.flow)
		}
	}
	for name := range selected {
		add(p.flows[name])
	}
	return out
}

func (pl *planner) newRun(f *flow, dependency bool) *flowRun {
	return &flowRun{
		pl: pl,
		f:  f,
		fp: &plan.FlowPlan{
			Flow:       f.name,
			Source:     f.source.ref,
			Target:     f.target.ref,
			KeyField:   f.keyField,
			Dependency: dependency,
		},
		done:    map[string]*outcome{},
		planned: map[string]struct{}{},
		keys:    map[string]string{},
		digest:  sha256.New(),
		checks:  checksOf(f.target.schema),
	}
}

// readGroup is the flows of a plan that read the same source object: one
// read serves them all.
type readGroup struct {
	runs []*flowRun // in dependency order
	req  connectors.ReadRequest
	err  error // the cursor could not be read
	// missing is set when the source does not exist and was planned as
	// empty (connectors.ErrSourceMissing, not ForApply).
	missing error
	// ids, when not nil, are the only source records to plan (a
	// targeted run), read by id instead of read whole.
	ids []string
	// errs are the failures of each flow (a source that cannot be read
	// fails all of them), by the index of runs.
	errs []error
	// share is how the group's flows want it read (incremental.go).
	share readShare
	// pre is the source read ahead (prefetch.go), nil when it is not.
	pre *prefetch
}

// errAllFailed stops a read that no flow of its group can plan any more.
var errAllFailed = errors.New("every flow of the read failed")

// readGroups groups the flows the plan reads by source object, in
// dependency order (of the first flow of each group). A group reads the
// union of its flows' fields and includes, in full when one of its flows
// must be read in full, else from the oldest of their cursors.
func (pl *planner) readGroups(ctx context.Context) []*readGroup {
	var groups []*readGroup
	byKey := map[string]*readGroup{}
	for _, f := range pl.p.order {
		run := pl.runs[f.name]
		if run == nil || run.fp.Dependency || f.writeBack != nil {
			// A write-back is planned batch by batch with its producing
			// flow, never read on its own.
			continue
		}
		if ids, ok := pl.opts.SourceIDs[f.name]; ok {
			groups = append(groups, &readGroup{runs: []*flowRun{run}, ids: ids})
			continue
		}
		d, err := pl.decideRead(ctx, f)
		if err != nil {
			groups = append(groups, &readGroup{runs: []*flowRun{run}, err: err})
			continue
		}
		key := f.source.ref
		g := byKey[key]
		if g == nil {
			g = &readGroup{req: connectors.ReadRequest{Fields: f.readFields, Include: slices.Clone(f.decl.Include)}}
			byKey[key] = g
			groups = append(groups, g)
		} else {
			g.req.Fields = unionFields(g.req.Fields, f.readFields)
			for _, inc := range f.decl.Include {
				if !slices.Contains(g.req.Include, inc) {
					g.req.Include = append(g.req.Include, inc)
				}
			}
		}
		g.runs = append(g.runs, run)
		g.join(d)
	}
	for _, g := range groups {
		if g.err == nil && len(g.share.decisions) > 0 {
			// A targeted read (SourceIDs) reads by id: no cursor to settle.
			g.settle(pl.p.cfg.Settings.ReadOverlap)
		}
	}
	return groups
}

// unionFields is the union of two field lists, nil (all fields) when
// either is nil.
func unionFields(a, b []string) []string {
	if a == nil || b == nil {
		return nil
	}
	out := slices.Clone(a)
	for _, name := range b {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// planAll reads the group's source (or what changed since the cursor) once
// and plans it batch by batch, each batch by every flow of the group in
// dependency order. A flow that fails is left out of the batches after;
// the others go on.
func (g *readGroup) planAll(ctx context.Context) {
	g.errs = make([]error, len(g.runs))
	if err := g.read(ctx); err != nil {
		for i := range g.errs {
			if g.errs[i] == nil {
				g.errs[i] = err
			}
		}
	}
}

func (g *readGroup) read(ctx context.Context) error {
	first := g.runs[0]
	if g.ids != nil {
		return g.readIDs(ctx)
	}
	src, err := first.sourceObject(ctx)
	if err != nil {
		return err
	}
	reader, ok := src.(connectors.Reader)
	if !ok {
		return fmt.Errorf("source %s cannot be read", first.f.source.ref)
	}
	planBatch := func(batch []connectors.Record) error {
		failed := 0
		for i, r := range g.runs {
			if g.errs[i] == nil {
				g.errs[i] = r.planBatch(ctx, batch, fromRead)
			}
			if g.errs[i] != nil {
				failed++
			}
		}
		first.pl.emit()
		if failed == len(g.runs) {
			return errAllFailed
		}
		return nil
	}
	batchSize := first.pl.p.engine.opts.BatchSize
	batch := make([]connectors.Record, 0, batchSize)
	add := func(page []connectors.Record) error {
		for _, rec := range page {
			batch = append(batch, rec)
			if len(batch) == batchSize {
				if err := planBatch(batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return nil
	}
	retries := g.retrySet()
	cursor, err := g.readSource(ctx, reader, func(page []connectors.Record) error {
		for _, rec := range page {
			delete(retries, rec.ID) // read anyway
		}
		return add(page)
	})
	if err == nil {
		err = g.readRetries(ctx, src, retries, add)
	}
	// What was read is planned even when the read then failed (a file with
	// a bad line): the plan shows it, and the flow's error stops apply.
	if perr := planBatch(batch); perr != nil && err == nil {
		err = perr
	}
	if errors.Is(err, errAllFailed) {
		return nil // each flow has its own error
	}
	if errors.Is(err, connectors.ErrSourceMissing) && !first.pl.opts.ForApply {
		g.missing = err
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", first.f.source.ref, err)
	}
	for _, r := range g.runs {
		r.fp.Cursor = cursor
	}
	return nil
}

// ensure plans the records other flows' ensure blocks build (input,
// for_each) and returns their outcomes, in the order of recs.
func (r *flowRun) ensure(ctx context.Context, recs []connectors.Record, mode dsl.Mode) ([]*outcome, error) {
	var unplanned []connectors.Record
	queued := map[string]bool{}
	for _, rec := range recs {
		if r.done[rec.ID] == nil && !queued[rec.ID] {
			queued[rec.ID] = true
			unplanned = append(unplanned, rec)
		}
	}
	if err := r.planBatchAs(ctx, unplanned, fromInput, mode); err != nil {
		return nil, err
	}
	out := make([]*outcome, len(recs))
	for i, rec := range recs {
		out[i] = r.done[rec.ID]
	}
	return out, nil
}

// pending is one source record being planned.
type pending struct {
	rec connectors.Record
	raw []byte // the record's fields as JSON
	// env, when set, is the record's own expression environment (flow
	// tests); otherwise the run's is set up for the record (envOf).
	env map[string]any
	// target is the matched target record as expressions see it, match
	// the record itself.
	target map[string]any
	match  *connectors.Record
	// vals are the evaluated values of the flow's fields, by index
	// (mapping.index); values holds them by field name too for records
	// evaluated on their own environment (flow tests read them).
	vals     []any
	values   map[string]any
	unknown  map[string]bool
	ensured  map[string]any
	requires []plan.Ref
	key      string
	err      error
	errField string
	filtered bool
	// skip is the reason a skip block gives for the record (filtered is
	// then true too: nothing more is evaluated for it).
	skip string
	// waiting says why the record waits for an earlier create that may
	// still be committing (intents.go).
	waiting string
	// mode, when set, overrides the flow's mode for this record: the
	// mode of the ensure block that hands it to the flow.
	mode dsl.Mode
	// synthetic is true for a record an ensure built (input, for_each)
	// rather than one read from the source (see keepAbsent).
	synthetic bool
	// warnings are what the record's expressions said with warn().
	warnings recordWarnings
	// notes say why fields got no value: the find() that matched nothing.
	notes []fieldNote
	// suppliers are the ensured records the apply creates first, and
	// marked the values of the fields known in part with the markers of
	// their suppliers (see attribute).
	suppliers []supplier
	marked    map[string]any
}

// recordOrigin says where the records of a batch come from.
type recordOrigin uint8

const (
	fromRead      recordOrigin = iota // the flow's own read of its source
	fromReference                     // read by id for an ensure by reference
	fromInput                         // built by an ensure's input or for_each
)

// planBatch plans a batch of source records: filter, ensure, evaluate,
// match, diff. Only a failure of the systems involved is returned; problems
// of single records become error changes. Records that other flows ensure
// may come under another ID than the flow's own read gives them (an
// included copy); one whose key a record of this flow already has is that
// record.
func (r *flowRun) planBatch(ctx context.Context, recs []connectors.Record, origin recordOrigin) error {
	return r.planBatchAs(ctx, recs, origin, "")
}

// planBatchAs is planBatch with the records planned in mode (an ensure
// block's), or the flow's own when mode is empty. A record the flow has
// planned already keeps that plan.
func (r *flowRun) planBatchAs(ctx context.Context, recs []connectors.Record, origin recordOrigin, mode dsl.Mode) error {
	if len(recs) == 0 {
		return nil
	}
	items := r.pendings(len(recs))
	if items == nil {
		// A batch planned while another one of the run is (cannot happen
		// with flows in dependency order): it gets its own slab.
		slab := make([]pending, len(recs))
		items = make([]*pending, len(recs))
		for i := range slab {
			items[i] = &slab[i]
		}
		r.encoded = nil // the other batch's records keep theirs
	} else {
		r.busy = true
		defer r.release(len(items))
		r.encoded = r.encoded[:0]
	}
	n := 0
	for _, rec := range recs {
		if r.isDone(rec.ID) {
			continue // read twice (ensured earlier, or overlapping pages)
		}
		it := items[n]
		it.rec, it.raw = rec, r.hashRecord(rec)
		it.synthetic = origin == fromInput
		it.mode = mode
		n++
	}
	items = items[:n]

	// Filter and ensure inputs. A write-back's where sees its result.
	r.resolveResults(items)
	if err := r.evalRounds(ctx, items, r.evalWhere); err != nil {
		return err
	}
	if err := r.evalRounds(ctx, items, r.evalSkips); err != nil {
		return err
	}
	if err := r.resolveEnsures(ctx, items); err != nil {
		return err
	}
	// The key first: it finds the target record, which the other fields
	// may read as target.
	if err := r.evalRounds(ctx, items, r.evalKey); err != nil {
		return err
	}
	if err := r.match(ctx, items); err != nil {
		return err
	}
	for _, it := range items {
		if it.match != nil {
			it.target = withID(*it.match)
		}
	}
	if err := r.evalRounds(ctx, items, r.evalFields); err != nil {
		return err
	}
	r.prepareTotals(ctx, items)
	defer func() { r.totals = nil }()
	for _, it := range items {
		if origin != fromRead && it.err == nil && !it.filtered {
			if first := r.keys[it.key]; first != "" && r.done[first] != nil {
				r.done[it.rec.ID] = r.done[first]
				continue
			}
		}
		r.decide(ctx, it, it.match)
	}
	return r.planWriteBack(ctx, items, origin)
}

// pendings returns n cleared pending records from the run's slab, or nil
// when the slab is in use.
func (r *flowRun) pendings(n int) []*pending {
	if r.busy {
		return nil
	}
	if cap(r.slab) < n {
		r.slab = make([]pending, n)
		r.ptrs = make([]*pending, n)
		for i := range r.slab {
			r.ptrs[i] = &r.slab[i]
		}
	}
	return r.ptrs[:n] // cleared by release
}

// release frees the slab for the next batch, dropping what its first n
// records held. A record's values are kept, emptied, for the next record
// in its place: a record never sees another's values.
func (r *flowRun) release(n int) {
	for i := range r.slab[:n] {
		it := &r.slab[i]
		vals := it.vals
		clear(vals)
		*it = pending{vals: vals}
	}
	r.busy = false
}

// envOf returns the expression environment of a record: its own, or the
// run's, set to the record's source, target and ensured records. Every
// per-record name is set each time, so nothing of the record evaluated
// before remains.
func (r *flowRun) envOf(it *pending) map[string]any {
	if it.env != nil {
		it.env[envWarnings] = &it.warnings
		return it.env
	}
	env := r.env
	if env == nil {
		base := r.pl.p.funcs.base
		env = make(map[string]any, len(base)+4)
		for k, v := range base {
			env[k] = v
		}
		env[envFinds] = r.pl.finds
		r.env = env
	}
	env[envSource] = it.rec.Fields
	env[envWarnings] = &it.warnings
	// An absent target is nil itself, not a nil map, so that target?.X
	// and target == nil behave.
	if it.target != nil {
		env[envTarget] = it.target
	} else {
		env[envTarget] = nil
	}
	if it.ensured != nil {
		env[envEnsured] = it.ensured
	} else {
		delete(env, envEnsured)
	}
	return env
}

// evalRounds evaluates items, fetching find() misses in batches between
// rounds.
func (r *flowRun) evalRounds(ctx context.Context, items []*pending, eval func(*pending) error) error {
	unplanned := items
	for round := 0; len(unplanned) > 0; round++ {
		var retry []*pending
		for _, it := range unplanned {
			if it.err != nil || it.filtered {
				continue
			}
			if err := eval(it); err != nil {
				if errors.Is(err, errNeedFetch) && round < maxFindRounds {
					retry = append(retry, it)
					continue
				}
				it.err = err
			}
		}
		if len(retry) == 0 {
			return nil
		}
		if err := r.pl.finds.fetch(ctx); err != nil {
			return err
		}
		unplanned = retry
	}
	return nil
}

func (r *flowRun) evalWhere(it *pending) error {
	if r.f.where == nil {
		return nil
	}
	n := it.warnings.len()
	v, err := r.pl.ev.run(r.f.where, r.envOf(it))
	if err != nil {
		if errors.Is(err, errNeedFetch) {
			it.warnings.keep(n)
			return err
		}
		return &recordError{what: "where", err: err}
	}
	it.filtered = v != true
	return nil
}

// evalSkips evaluates the flow's skip blocks, in order, on a record its
// where selects; the first whose when is true skips it, with its reason.
func (r *flowRun) evalSkips(it *pending) error {
	for _, sk := range r.f.skips {
		env := r.envOf(it)
		v, err := r.pl.ev.run(sk.when, env)
		if err != nil {
			if errors.Is(err, errNeedFetch) {
				return err
			}
			return &recordError{what: "skip " + sk.name, err: err}
		}
		if v != true {
			continue
		}
		reason := sk.name
		if sk.reason != nil {
			rv, err := r.pl.ev.run(sk.reason, env)
			if err != nil {
				if errors.Is(err, errNeedFetch) {
					return err
				}
				return &recordError{what: "skip " + sk.name + " reason", err: err}
			}
			if s := stringOf(rv); rv != nil && s != "" {
				reason = s
			}
		}
		it.skip, it.filtered = reason, true
		return nil
	}
	return nil
}

// evalKey evaluates the mapping of the flow's key field; its value must be
// known now and not empty.
func (r *flowRun) evalKey(it *pending) error {
	if len(it.vals) != len(r.f.fields) {
		it.vals = make([]any, len(r.f.fields))
	} else {
		clear(it.vals) // evaluated again after a fetch
	}
	if it.env != nil { // evaluated on its own (flow tests): by name too
		if it.values == nil {
			it.values = make(map[string]any, len(r.f.fields))
		} else {
			clear(it.values)
		}
	}
	it.unknown = nil
	if r.f.key == nil {
		return nil
	}
	if err := r.evalField(it, r.f.key); err != nil {
		return err
	}
	kv := it.vals[r.f.key.index]
	switch {
	case it.unknown[r.f.keyField]:
		it.errField = r.f.keyField
		return fmt.Errorf("the key %s depends on values known only after apply; compute it from the source record", r.f.keyField)
	case kv == nil || kv == "":
		it.errField = r.f.keyField
		return fmt.Errorf("the key %s is empty", r.f.keyField)
	}
	it.key = stringOf(kv)
	return nil
}

// evalFields evaluates the mappings other than the key, once the target
// record is known.
func (r *flowRun) evalFields(it *pending) error {
	env := r.envOf(it)
	for _, m := range r.f.fields {
		if m == r.f.key || r.keepAbsent(it, m) {
			continue
		}
		if err := r.evalFieldIn(it, m, env); err != nil {
			return err
		}
	}
	return nil
}

func (r *flowRun) evalField(it *pending, m *mapping) error {
	return r.evalFieldIn(it, m, r.envOf(it))
}

// evalFieldIn evaluates one mapping in the record's environment env.
func (r *flowRun) evalFieldIn(it *pending, m *mapping, env map[string]any) error {
	n := it.warnings.len()
	misses := r.pl.finds.misses
	v, err := r.pl.ev.run(m.prog, env)
	if err != nil {
		if errors.Is(err, errNeedFetch) {
			it.warnings.keep(n)
			return err
		}
		var declared *flowFailure
		if errors.As(err, &declared) && strings.Contains(declared.msg, plan.Unknown) {
			declared = nil
		}
		if m.usesEnsured && it.ensured != nil && hasUnknown(it.ensured) && declared == nil {
			// An error caused by a value not known yet: the field is
			// evaluated again at apply.
			v = plan.Unknown
		} else {
			it.errField = m.name
			return &recordError{field: m.name, err: err, note: r.pl.finds.missNote(misses)}
		}
	}
	if hasUnknown(v) {
		if it.unknown == nil {
			it.unknown = map[string]bool{}
		}
		it.unknown[m.name] = true
		if err == nil && m.usesEnsured && len(it.suppliers) > 0 {
			if it.marked == nil {
				it.marked = map[string]any{}
			}
			it.marked[m.name] = r.attribute(it, m, env)
		}
	}
	if v == nil && r.pl.finds.misses != misses {
		// Why a required field gets no value, for the check to say.
		it.notes = append(it.notes, fieldNote{m.name, r.pl.finds.lastMiss})
	}
	it.vals[m.index] = v
	if it.values != nil {
		it.values[m.name] = v
	}
	return nil
}

// resolveEnsures evaluates the ensure blocks of a batch and plans the
// ensured records in their flows, batch by batch.
func (r *flowRun) resolveEnsures(ctx context.Context, items []*pending) error {
	for _, e := range r.f.ensures {
		// A use is one ensured record of one item: its record (input,
		// for_each) or source id (id, ids), and where it goes in
		// ensured.<name> (index -1: not a list).
		type use struct {
			it    *pending
			index int
		}
		var inputs []connectors.Record
		var ids []string
		var uses []use
		arg := e.kindName()
		add := func(it *pending, index int, v any) error {
			if e.kind.byReference() {
				switch v.(type) {
				case string, float64, int, int64:
					ids = append(ids, stringOf(v))
				default:
					return fmt.Errorf("%s must give source record ids (strings or numbers), got %T", arg, v)
				}
			} else {
				m, ok := v.(map[string]any)
				if !ok {
					return fmt.Errorf("%s must give records (objects), got %T", arg, v)
				}
				inputs = append(inputs, connectors.Record{ID: recordID(m), Fields: m})
			}
			uses = append(uses, use{it, index})
			return nil
		}
		eval := func(it *pending) error {
			v, err := r.pl.ev.run(e.prog, r.envOf(it))
			if err != nil {
				if errors.Is(err, errNeedFetch) {
					return err
				}
				return &recordError{what: "ensure " + e.name, err: err}
			}
			if it.ensured == nil {
				it.ensured = map[string]any{}
			}
			if !e.kind.list() {
				it.ensured[e.name] = nil
				if v == nil {
					return nil
				}
				if err := add(it, -1, v); err != nil {
					return &recordError{what: "ensure " + e.name, err: err}
				}
				return nil
			}
			list, ok := v.([]any)
			if v != nil && !ok {
				return &recordError{what: "ensure " + e.name, err: fmt.Errorf("%s must be a list, got %T", arg, v)}
			}
			it.ensured[e.name] = make([]any, len(list))
			for i, el := range list {
				if el == nil && e.kind.byReference() {
					continue // no id: a nil element
				}
				if err := add(it, i, el); err != nil {
					return &recordError{what: "ensure " + e.name, err: fmt.Errorf("element %d: %w", i, err)}
				}
			}
			return nil
		}
		if err := r.evalRounds(ctx, items, eval); err != nil {
			return err
		}
		dep := r.pl.runs[e.flow.name]
		var outcomes []*outcome
		var err error
		if e.kind.byReference() {
			outcomes, err = dep.ensureIDs(ctx, ids, e.mode)
		} else {
			outcomes, err = dep.ensure(ctx, inputs, e.mode)
		}
		if err != nil {
			return err
		}
		for i, u := range uses {
			o := outcomes[i]
			it := u.it
			if it.err != nil {
				continue
			}
			var id string
			if e.kind.byReference() {
				id = ids[i]
			} else {
				id = inputs[i].ID
			}
			if o == nil {
				if e.kind.byReference() {
					it.err = fmt.Errorf("ensure %s: the source %s of flow %s has no record %s", e.name, e.flow.source.ref, e.flow.name, id)
				}
				continue
			}
			// The change's own source key: an ensured copy may stand for
			// a record the flow read under another ID.
			sourceKey := id
			if o.change != nil {
				sourceKey = o.change.SourceKey
			}
			ref := plan.Ref{Flow: e.flow.name, SourceKey: sourceKey, Ensure: e.name, Index: u.index}
			if o.action == plan.Error {
				it.err = fmt.Errorf("ensure %s: record %s of flow %s has an error: %s", e.name, id, e.flow.name, o.change.Reason)
				continue
			}
			if o.action == plan.Waiting {
				it.waiting = fmt.Sprintf("ensure %s: record %s of flow %s is waiting: %s", e.name, id, e.flow.name, o.change.Reason)
				continue
			}
			if o.action == plan.Create || o.action == plan.Update {
				it.requires = append(it.requires, ref)
			}
			if o.action == plan.Create && o.view != nil {
				it.suppliers = append(it.suppliers, supplier{ensure: e.name, index: u.index, flow: e.flow, view: o.view, change: o.change})
			}
			if u.index < 0 {
				it.ensured[e.name] = o.view
			} else {
				it.ensured[e.name].([]any)[u.index] = o.view
			}
		}
		for _, it := range items {
			if it.ensured != nil && it.env != nil {
				it.env[envEnsured] = it.ensured
			}
		}
	}
	return nil
}

// match finds the target record of each item: by key in the target (one
// batched Find), then, for keys not found, by the link state kept from
// earlier applies (the key itself may have changed in the source).
func (r *flowRun) match(ctx context.Context, items []*pending) error {
	if r.f.key == nil {
		return nil
	}
	items = r.matchSelf(items)
	if r.seenKeys == nil {
		r.seenKeys = make(map[string]struct{}, len(items))
	}
	seen := r.seenKeys
	clear(seen)
	clear(r.keyValues)
	values := r.keyValues[:0]
	for _, it := range items {
		if it.err != nil || it.filtered {
			continue
		}
		n := len(seen)
		seen[it.key] = struct{}{}
		if len(seen) > n { // a key not seen before
			values = append(values, it.vals[r.f.key.index])
		}
	}
	r.keyValues = values
	if len(values) == 0 {
		return nil
	}
	target, err := r.targetObject(ctx)
	if err != nil {
		return err
	}
	finder, ok := target.(connectors.Finder)
	if !ok {
		return fmt.Errorf("target %s cannot find records by key", r.f.target.ref)
	}
	recs, err := finder.Find(ctx, r.f.keyField, values)
	if err != nil {
		return fmt.Errorf("find %s by %s: %w", r.f.target.ref, r.f.keyField, err)
	}
	byKey := matchByValue(recs, r.f.keyField, values)
	var unmatched []*pending
	for _, it := range items {
		if it.err != nil || it.filtered {
			continue
		}
		switch m := byKey[it.key]; len(m) {
		case 0:
			unmatched = append(unmatched, it)
		case 1:
			it.match = &m[0]
		default:
			ids := make([]string, len(m))
			for i, rec := range m {
				ids[i] = rec.ID
			}
			sort.Strings(ids)
			it.errField = r.f.keyField
			it.err = fmt.Errorf("%d target records have %s = %q (%v): the key must identify one record; fix the duplicates in the target", len(m), r.f.keyField, it.key, ids)
		}
	}
	return r.matchLinks(ctx, target, unmatched)
}

// matchLinks matches records whose key was not found through the links of
// earlier applies.
func (r *flowRun) matchLinks(ctx context.Context, target connectors.Object, items []*pending) error {
	getter, ok := target.(connectors.Getter)
	if r.pl.opts.State == nil || !ok || len(items) == 0 || r.f.source.schema.PositionalIDs {
		// Positional source IDs (file rows without a key) may name another
		// record than when the link was made: only the key is trusted.
		return nil
	}
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.rec.ID
	}
	links, err := r.pl.opts.State.Links(ctx, r.f.name, keys)
	if err != nil || len(links) == 0 {
		return err
	}
	var ids []string
	for _, l := range links {
		ids = append(ids, l.TargetID)
	}
	sort.Strings(ids)
	recs, err := getter.Get(ctx, ids)
	if err != nil {
		return fmt.Errorf("get linked %s records: %w", r.f.target.ref, err)
	}
	byID := make(map[string]*connectors.Record, len(recs))
	for i := range recs {
		byID[recs[i].ID] = &recs[i]
	}
	for _, it := range items {
		if l, ok := links[it.rec.ID]; ok && byID[l.TargetID] != nil {
			it.match = byID[l.TargetID]
		}
	}
	return nil
}

func (r *flowRun) targetObject(ctx context.Context) (connectors.Object, error) {
	if r.target != nil {
		return r.target, nil
	}
	conn, err := r.f.target.conn.open(ctx)
	if err != nil {
		return nil, err
	}
	if r.target, err = conn.Object(r.f.target.name); err != nil {
		return nil, err
	}
	return r.target, nil
}

// decide turns an evaluated, matched record into its outcome: the one
// decision of what becomes of a record, for plans and flow tests alike.
func (r *flowRun) decide(ctx context.Context, it *pending, match *connectors.Record) outcome {
	var o outcome
	ch := plan.Change{SourceKey: it.rec.ID}
	first := "" // the source record that has the key already
	if it.key != "" {
		ch.Key = it.vals[r.f.key.index]
		first = r.keys[it.key]
	}
	mode := r.f.mode
	if it.mode != "" {
		mode = it.mode
	}
	switch {
	case it.skip != "":
		o.action = plan.Skip
		ch.Action = plan.Skip
		ch.Reason = it.skip
	case it.filtered:
		o.action = plan.Skip
		r.fp.AddFiltered(it.rec.ID)
		r.remember(it.rec.ID, o)
		return o
	case it.waiting != "":
		// Before errors: the fields fail without the ensured record.
		o.action = plan.Waiting
		ch.Action = plan.Waiting
		ch.Reason = it.waiting
	case it.err != nil:
		o.action = plan.Error
		ch.Action = plan.Error
		ch.Field = it.errField
		ch.Reason = it.err.Error()
	case first != "":
		o.action = plan.Error
		ch.Action = plan.Error
		ch.Field = r.f.keyField
		ch.Reason = fmt.Sprintf("source records %s and %s both have %s = %q; the key must identify one record", first, it.rec.ID, r.f.keyField, it.key)
	case match == nil && mode != dsl.ModeUpdate && r.createPending(ctx, it.rec.ID):
		o.action = plan.Waiting
		ch.Action = plan.Waiting
		ch.Reason = reasonWaiting
	case match == nil && mode == dsl.ModeUpdate:
		o.action = plan.Skip
		ch.Action = plan.Skip
		ch.Reason = "no target record has this key (mode update never creates)"
	case match == nil:
		o.action = plan.Create
		ch.Action = plan.Create
		ch.Fields = r.createFields(it.vals, it.unknown)
		refs := r.references(it)
		labelReferences(ch.Fields, refs)
		ch.Totals = plannedTotals(ctx, r.verifier(), ch.Fields, refs)
		if r.f.ensured {
			o.view = targetView(r.f, plan.Create, it.vals, nil, "")
		}
	case mode == dsl.ModeCreate:
		o.action = plan.Skip
		ch.Action = plan.Skip
		ch.TargetID = match.ID
		ch.Reason = "the target record exists (mode create never updates)"
		if r.f.mode != mode {
			ch.Reason = "the target record exists and is used as it is (ensured with mode = \"create\", never updated)"
		}
		if r.f.ensured {
			o.view = withID(*match)
		}
	default:
		ch.TargetID = match.ID
		ch.Fields = diffValues(r.f, it.vals, it.unknown, match.Fields)
		if r.f.ensured {
			o.view = targetView(r.f, plan.Update, it.vals, withID(*match), match.ID)
		}
		labelReferences(ch.Fields, r.references(it))
		if len(ch.Fields) == 0 {
			o.action = plan.NoOp
			r.fp.NoOps++
		} else {
			o.action = plan.Update
			ch.Action = plan.Update
		}
	}
	if o.action == plan.Create || o.action == plan.Update {
		// What the target's schema refuses is this record's error, at plan.
		if ve := r.checks.check(r.f, ch.Fields, o.action == plan.Create); ve != nil {
			ve.explain(it.notes, r.pl.finds)
			o = outcome{action: plan.Error}
			ch.Action, ch.Field, ch.Reason = plan.Error, ve.field, ve.msg
			ch.Fields, ch.Totals = nil, nil
		}
	}
	if it.key != "" && first == "" {
		r.keys[it.key] = it.rec.ID
	}
	if o.action != plan.NoOp {
		ch.Requires = it.requires
		if o.action == plan.Create || o.action == plan.Update {
			ch.Warnings = slices.Clone(it.warnings.list)
		}
		r.labelChange(&ch, it)
		if o.action == plan.Create || o.action == plan.Update || o.action == plan.Error {
			ch.Source = slices.Clone(it.raw)
		}
		if len(it.unknown) > 0 {
			ch.Ensured = it.ensured
		}
		if match != nil && (len(it.unknown) > 0 || o.action == plan.Update && replacesWholeRecords(r.target)) {
			// Kept for the fields known after apply, and for a target that
			// merges into whole records, which apply hands the record to
			// instead of it being read again (see current).
			ch.Target = jsonenc.Append(nil, withID(*match), true)
		}
		// Each change is its own: one kept after the plan spilled it (an
		// ensured flow's outcome) is never overwritten.
		c := new(plan.Change)
		*c = ch
		o.change = c
		r.fp.Add(c)
		if r.pl.pipe != nil {
			r.fresh = append(r.fresh, c)
		}
	}
	r.remember(it.rec.ID, o)
	return o
}

// createFields lists every field of a create, create-only ones included,
// in field changes. Fields with no value are
// left out: the target's default applies.
func (r *flowRun) createFields(desired []any, unknown map[string]bool) []plan.FieldChange {
	fields := appendCreateFields(make([]plan.FieldChange, 0, len(r.f.fields)+r.f.defaults.count()), r.f, desired, unknown)
	return fields[:len(fields):len(fields)]
}

// isDone reports whether a source record is planned already.
func (r *flowRun) isDone(id string) bool {
	if !r.f.ensured {
		_, ok := r.planned[id]
		return ok
	}
	return r.done[id] != nil
}

// remember records that a source record is planned. Of flows nobody
// ensures only the id is kept, while the changes themselves may be spilled
// out of memory.
func (r *flowRun) remember(id string, o outcome) {
	if !r.f.ensured {
		r.planned[id] = struct{}{}
		return
	}
	kept := new(outcome)
	*kept = o
	r.done[id] = kept
}

// hashRecord adds a source record to the flow's read digest and returns its
// fields as JSON.
func (r *flowRun) hashRecord(rec connectors.Record) []byte {
	r.buf = append(r.buf[:0], rec.ID...)
	r.buf = append(r.buf, 0)
	start := len(r.buf)
	r.buf = r.appendFields(r.buf, rec.Fields)
	at := len(r.encoded)
	r.encoded = append(r.encoded, r.buf[start:]...)
	raw := r.encoded[at:len(r.encoded):len(r.encoded)]
	r.buf = append(r.buf, 0)
	r.digest.Write(r.buf)
	return raw
}

// appendFields appends a record's fields as JSON, as jsonenc encodes a map
// (keys sorted). The records of a source mostly have the same fields: the
// sorted names of the record before are used again when they are this
// record's names too.
func (r *flowRun) appendFields(b []byte, fields map[string]any) []byte {
	if out, ok := r.appendSameNames(b, fields); ok {
		return out
	}
	names := r.names[:0]
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	r.names = names
	out, _ := r.appendSameNames(b, fields)
	return out
}

// appendSameNames appends fields as JSON when their names are those of
// r.names; ok is false when they are not.
func (r *flowRun) appendSameNames(b []byte, fields map[string]any) (out []byte, ok bool) {
	if len(r.names) != len(fields) {
		return b, false
	}
	start := len(b)
	b = append(b, '{')
	for i, k := range r.names {
		v, ok := fields[k]
		if !ok {
			return b[:start], false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, ':')
		b = jsonenc.Append(b, v, true)
	}
	return append(b, '}'), true
}

// appendKey appends a field name as a JSON string. Plain names are
// written as they are; jsonenc escapes the others (boxing a string to hand
// it over allocates, so it gets only those).
func appendKey(b []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return jsonenc.Append(b, k, true)
		}
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"')
}
