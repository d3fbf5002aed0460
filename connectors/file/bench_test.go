package file

import (
	"fmt"
	"os"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

const benchRecords = 100_000

func benchWrites(action connectors.Action, change string) []connectors.Write {
	writes := make([]connectors.Write, benchRecords)
	for i := range writes {
		email := fmt.Sprintf("customer%06d@example.com", i)
		w := connectors.Write{Action: action, KeyField: "email", Fields: map[string]any{
			"name": "Customer " + change + fmt.Sprint(i), "city": "Malmö", "amount": float64(i) * 1.25, "active": i%3 == 0,
		}}
		if action == connectors.Create {
			w.Fields["email"] = email
		} else {
			w.ID = keyID("email", email)
		}
		writes[i] = w
	}
	return writes
}

// reportRates reports records per second (wall clock) and, where the
// system tells, records per CPU second used since cpu0.
func reportRates(b *testing.B, cpu0 float64) {
	b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuSeconds() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(float64(benchRecords*b.N)/cpu, "records/cpu-s")
	}
}

func writeOrFail(b *testing.B, obj *object, writes []connectors.Write) {
	for i, r := range obj.Write(b.Context(), writes) {
		if r.Err != nil {
			b.Fatalf("write %d: %v", i, r.Err)
		}
	}
}

// BenchmarkWrite100k writes 100,000 records in one Write call: creates
// into a new file, and updates of every row of an existing one.
func BenchmarkWrite100k(b *testing.B) {
	for _, ext := range []string{"jsonl", "csv"} {
		b.Run("create/"+ext, func(b *testing.B) {
			writes := benchWrites(connectors.Create, "")
			root := b.TempDir()
			cpu0 := cpuSeconds()
			for b.Loop() {
				b.StopTimer()
				dir, err := os.MkdirTemp(root, "run")
				if err != nil {
					b.Fatal(err)
				}
				if ext == "csv" {
					writeFile(b, dir+"/contacts.csv", "email,name,city,amount,active\n")
				}
				obj := openObject(b, dir, "contacts", nil)
				b.StartTimer()
				writeOrFail(b, obj, writes)
			}
			reportRates(b, cpu0)
		})
		b.Run("update/"+ext, func(b *testing.B) {
			dir := b.TempDir()
			if ext == "csv" {
				writeFile(b, dir+"/contacts.csv", "email,name,city,amount,active\n")
			}
			obj := openObject(b, dir, "contacts", nil)
			writeOrFail(b, obj, benchWrites(connectors.Create, ""))
			updates := [2][]connectors.Write{benchWrites(connectors.Update, "A "), benchWrites(connectors.Update, "B ")}
			n := 0
			cpu0 := cpuSeconds()
			for b.Loop() {
				writeOrFail(b, obj, updates[n%2])
				n++
			}
			reportRates(b, cpu0)
		})
	}
}

// BenchmarkRead100k reads a file of 100,000 records.
func BenchmarkRead100k(b *testing.B) {
	for _, ext := range []string{"jsonl", "csv"} {
		b.Run(ext, func(b *testing.B) {
			dir := b.TempDir()
			if ext == "csv" {
				writeFile(b, dir+"/contacts.csv", "email,name,city,amount,active\n")
			}
			obj := openObject(b, dir, "contacts", map[string]any{"key": "email"})
			writeOrFail(b, obj, benchWrites(connectors.Create, ""))
			cpu0 := cpuSeconds()
			for b.Loop() {
				n := 0
				if _, err := obj.Read(b.Context(), connectors.ReadRequest{}, func(p []connectors.Record) error {
					n += len(p)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if n != benchRecords {
					b.Fatalf("read %d records; want %d", n, benchRecords)
				}
			}
			reportRates(b, cpu0)
		})
	}
}
