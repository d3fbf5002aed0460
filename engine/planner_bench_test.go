package engine

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/file"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/state"
)

// BenchmarkPlanFileToFile plans (without applying) 100k records of the
// same project as BenchmarkPlanApplyFileToFile, against an empty target and
// a fresh state: the cost of the plan path per record.
//
//	go test ./engine -run '^$' -bench PlanFileToFile -benchtime 3x -cpu 1
func BenchmarkPlanFileToFile(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	dir := b.TempDir()
	writePeople(b, dir, n)
	reg := connectors.NewRegistry()
	if err := reg.Register(file.New()); err != nil {
		b.Fatal(err)
	}
	eng := New(Options{Registry: reg, BatchSize: 5000})
	cfg, diags := dsl.Load(dir, dsl.Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	st, err := state.Open(ctx, filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p, diags := eng.Compile(cfg)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		pl, diags := p.Plan(ctx, PlanOptions{State: st})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		if c := pl.Counts(); c.Create != n {
			b.Fatalf("planned %d creates; want %d (%+v)", c.Create, n, c)
		}
		b.StopTimer()
		pl.Close()
		p.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n*b.N), "µs/record")
	b.ReportMetric(0, "ns/op")
}
