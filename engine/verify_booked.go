package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/state"
)

// VerifyOptions select what VerifyBooked checks.
type VerifyOptions struct {
	State *state.Store
	// Flows limits the check to these flows; empty means every flow whose
	// target verifies documents.
	Flows []string
}

// BookedDocument is one document a flow created, as VerifyBooked found
// it in the target.
type BookedDocument struct {
	Flow      string `json:"flow"`
	SourceKey string `json:"source_key"`
	TargetID  string `json:"target_id"`
	// Key is the document's key value (its reference), "" when unknown.
	Key string `json:"key,omitempty"`
	// Missing is true when the linked document no longer exists.
	Missing      bool          `json:"missing,omitempty"`
	Verification *Verification `json:"verification,omitempty"`
}

// Failed reports whether the document does not reconcile.
func (d *BookedDocument) Failed() bool { return d.Missing || d.Verification.Failed() }

// verifyBatch is how many documents one Get reads.
const verifyBatch = 100

// VerifyBooked runs the reconciliation of apply over the documents already
// booked: every target record the state links for a flow whose target
// verifies documents (connectors.Verifier), disabled flows included (an
// order booked before order_target changed is still in the books). Each is
// read from the target, and the totals the connector computes from its
// rows as stored are compared with the totals stored.
func (p *Project) VerifyBooked(ctx context.Context, opts VerifyOptions) ([]BookedDocument, hcl.Diagnostics) {
	for _, name := range opts.Flows {
		if f := p.flows[name]; f == nil || f.writeBack != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown flow",
				Detail: fmt.Sprintf("There is no flow %q.%s", name, suggestion(name, sortedKeys(p.flows)))}}
		}
	}
	var out []BookedDocument
	for _, f := range p.order {
		if f.writeBack != nil || (len(opts.Flows) > 0 && !slices.Contains(opts.Flows, f.name)) {
			continue
		}
		docs, err := p.verifyFlow(ctx, opts.State, f)
		if err != nil {
			return out, ErrorDiagnostic("Cannot verify flow "+f.name, err)
		}
		out = append(out, docs...)
	}
	return out, nil
}

func (p *Project) verifyFlow(ctx context.Context, st *state.Store, f *flow) ([]BookedDocument, error) {
	conn, err := f.target.conn.open(ctx)
	if err != nil {
		return nil, err
	}
	target, err := conn.Object(f.target.name)
	if err != nil {
		return nil, err
	}
	ver, ok := target.(connectors.Verifier)
	if !ok {
		return nil, nil
	}
	getter, ok := target.(connectors.Getter)
	if !ok {
		return nil, fmt.Errorf("records of %s cannot be read by id", f.target.ref)
	}
	var links []state.Link
	if err := st.ListLinks(ctx, f.name, func(l state.Link) error {
		links = append(links, l)
		return nil
	}); err != nil {
		return nil, err
	}
	var out []BookedDocument
	for batch := range slices.Chunk(links, verifyBatch) {
		ids := make([]string, len(batch))
		for i, l := range batch {
			ids[i] = l.TargetID
		}
		recs, err := getter.Get(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.target.ref, err)
		}
		byID := make(map[string]connectors.Record, len(recs))
		for _, r := range recs {
			byID[r.ID] = r
		}
		for _, l := range batch {
			d := BookedDocument{Flow: f.name, SourceKey: l.SourceKey, TargetID: l.TargetID, Key: l.KeyValue}
			rec, ok := byID[l.TargetID]
			if !ok {
				d.Missing = true
				out = append(out, d)
				continue
			}
			d.Verification = verifyDocument(ctx, ver, rec.Fields, rec)
			if d.Verification == nil {
				continue // not a document with totals
			}
			out = append(out, d)
		}
	}
	return out, nil
}
