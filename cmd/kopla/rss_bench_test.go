package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// rssFlow is the 10-field mapping of the engine's file-to-file benchmark.
const rssFlow = "../../engine/testdata/bench/people.hcl"

// BenchmarkApplyFileRSS runs `kopla apply` of a CSV source into a new JSON
// Lines file in a process of its own (this test binary as kopla) and
// reports the child's peak RSS (rusage Maxrss) and the bytes it wrote to
// storage (rusage blocks out, state included) per byte of the output, and
// per byte of the output and the state it leaves. 100k
// rows always; 1M with KOPLA_BENCH_LARGE=1.
//
//	go test ./cmd/kopla -run '^$' -bench ApplyFileRSS -benchtime 1x
//	KOPLA_BENCH_LARGE=1 go test ./cmd/kopla -run '^$' -bench ApplyFileRSS -benchtime 1x -timeout 30m
func BenchmarkApplyFileRSS(b *testing.B) {
	sizes := []int{100_000}
	if os.Getenv("KOPLA_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			src := b.TempDir()
			writeRSSProject(b, src, n)
			var rss, written, output, stored float64
			for i := range b.N {
				dir := filepath.Join(b.TempDir(), strconv.Itoa(i))
				if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
					b.Fatal(err)
				}
				cmd := exec.Command(os.Args[0], "-chdir="+dir, "apply", "-auto-approve", "-no-color")
				cmd.Env = []string{"KOPLA_TEST_RUN_MAIN=1", "PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir()}
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("kopla apply: %v\n%s", err, out)
				}
				ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				if !ok {
					b.Skip("no rusage on this system")
				}
				info, err := os.Stat(filepath.Join(dir, "out", "contacts.jsonl"))
				if err != nil {
					b.Fatal(err)
				}
				if lines := countLines(b, filepath.Join(dir, "out", "contacts.jsonl")); lines != n {
					b.Fatalf("output has %d lines; want %d", lines, n)
				}
				rss = max(rss, float64(ru.Maxrss)/1024) // KiB on Linux
				written += float64(ru.Oublock) * 512
				output += float64(info.Size())
				for _, name := range []string{"state.db", "state.db-wal"} {
					if info, err := os.Stat(filepath.Join(dir, ".kopla", name)); err == nil {
						stored += float64(info.Size())
					}
				}
			}
			b.ReportMetric(rss, "peak-rss-MB")
			b.ReportMetric(written/output, "written/output")
			// The state records every record written (links, activity):
			// what the run wrote per byte of all it leaves on disk.
			b.ReportMetric(written/(output+stored), "written/(output+state)")
			b.ReportMetric(written/float64(b.N)/(1<<20), "written-MB")
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func writeRSSProject(tb testing.TB, dir string, n int) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		tb.Fatal(err)
	}
	flow, err := os.ReadFile(rssFlow)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), flow, 0o644); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "in", "people.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("email,first,last,phone,city,country,address,amount\n")
	for i := range n {
		fmt.Fprintf(w, "Person%d@Example.com,First%d,Last%d,+46 70 000 %04d,Stad %d,Sweden,Storgatan %d B,%d.5\n", i, i, i, i%10000, i%100, i%300, i%1000)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

func countLines(tb testing.TB, path string) int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return n
}
