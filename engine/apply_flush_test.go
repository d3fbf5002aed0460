package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/state"
)

// TestApplyFlushesTarget: a file target large enough to journal its
// creates holds every row once the apply returns, and no journal is left.
func TestApplyFlushesTarget(t *testing.T) {
	const n = 15_000 // two batches of the file connector, the second journaled
	ctx := context.Background()
	dir := t.TempDir()
	writePeople(t, dir, n)
	st, err := state.Open(ctx, filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, diags := dsl.Load(dir, dsl.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, diags := fileEngine(t).Compile(cfg)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	defer p.Close()
	pl, diags := p.Plan(ctx, PlanOptions{State: st})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	defer pl.Close()
	var streamed int
	res, diags := p.Apply(ctx, pl, ApplyOptions{State: st, Stream: func(string, *RecordResult) { streamed++ }})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if c := res.Counts(); c.Create != n || streamed != n || len(res.Flows[0].Records) != 0 {
		t.Errorf("created %d, streamed %d, kept %d; want %d, %d, 0", c.Create, streamed, len(res.Flows[0].Records), n, n)
	}
	out := filepath.Join(dir, "out", "contacts.jsonl")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(data, []byte{'\n'}); lines != n {
		t.Errorf("output has %d lines; want %d", lines, n)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", ".contacts.jsonl.kopla-journal")); !os.IsNotExist(err) {
		t.Errorf("journal left after apply: %v", err)
	}
}
