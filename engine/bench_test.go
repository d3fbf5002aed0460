package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/file"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/internal/cputime"
)

// benchFlow is the 10-field file-to-file mapping the benchmarks plan and
// apply (cmd/kopla's RSS benchmark uses it too).
const benchFlow = "testdata/bench/people.hcl"

// writePeople writes a CSV source of n rows.
func writePeople(tb testing.TB, dir string, n int) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("email,first,last,phone,city,country,address,amount\n")
	for i := range n {
		fmt.Fprintf(&b, "Person%d@Example.com,First%d,Last%d,+46 70 000 %04d,Stad %d,Sweden,Storgatan %d B,%d.5\n", i, i, i, i%10000, i%100, i%300, i%1000)
	}
	if err := os.WriteFile(filepath.Join(dir, "in", "people.csv"), []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	flow, err := os.ReadFile(benchFlow)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), flow, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// fileEngine returns an engine with the file connector, as the benchmarks
// use it.
func fileEngine(tb testing.TB, opt ...func(*Options)) *Engine {
	tb.Helper()
	reg := connectors.NewRegistry()
	if err := reg.Register(file.New()); err != nil {
		tb.Fatal(err)
	}
	opts := Options{Registry: reg, BatchSize: 5000}
	for _, o := range opt {
		if o != nil {
			o(&opts)
		}
	}
	return New(opts)
}

// BenchmarkPlanApplyFileToFile plans and applies 100k records from a CSV
// file into an empty JSON Lines file with a 10-field mapping: the engine's
// own cost, with a connector that costs little.
//
//	go test ./engine -run '^$' -bench PlanApplyFileToFile -benchtime 3x -cpu 1
func BenchmarkPlanApplyFileToFile(b *testing.B) { benchPlanApply(b, nil) }

// benchPlanApply is BenchmarkPlanApplyFileToFile with the engine's options
// changed by opt.
func benchPlanApply(b *testing.B, opt func(*Options)) {
	const n = 100_000
	ctx := context.Background()
	src := b.TempDir()
	writePeople(b, src, n)
	eng := fileEngine(b, opt)
	b.ReportAllocs()
	var cpu float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
		if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
			b.Fatal(err)
		}
		st, err := state.Open(ctx, filepath.Join(dir, ".kopla", "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cpu0 := cputime.Seconds()
		cfg, diags := dsl.Load(dir, dsl.Options{})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		p, diags := eng.Compile(cfg)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		pl, diags := p.Plan(ctx, PlanOptions{State: st})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		res, diags := p.Apply(ctx, pl, ApplyOptions{State: st})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		if c := res.Counts(); c.Create != n {
			b.Fatalf("created %d; want %d (%+v)", c.Create, n, c)
		}
		b.StopTimer()
		cpu += cputime.Seconds() - cpu0
		pl.Close()
		p.Close()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu > 0 {
		// On a busy machine the wall clock counts the waits for a core;
		// this does not.
		b.ReportMetric(float64(n*b.N)/cpu, "records/cpu-s")
	}
	b.ReportMetric(0, "ns/op")
}

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
	eng := fileEngine(b)
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
