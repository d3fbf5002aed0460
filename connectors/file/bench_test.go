package file

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
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
func reportRates(b *testing.B, cpu0 float64) { reportRatesOf(b, cpu0, benchRecords) }

// reportRatesOf reports rates for perOp records per operation, and the
// allocations per record.
func reportRatesOf(b *testing.B, cpu0 float64, perOp int) {
	n := float64(perOp * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuSeconds() - cpu0; cpu0 > 0 && cpu > 0 {
		b.ReportMetric(n/cpu, "records/cpu-s")
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

// contactWrites returns creates shaped like the engine benchmark's target
// records (engine/bench_test.go): ten fields, nine of them text.
func contactWrites(from, n int) []connectors.Write {
	writes := make([]connectors.Write, n)
	for j := range writes {
		i := from + j
		writes[j] = connectors.Write{Action: connectors.Create, KeyField: "email", Fields: map[string]any{
			"email": fmt.Sprintf("person%d@example.com", i), "name": fmt.Sprintf("First%d Last%d", i, i),
			"first": fmt.Sprintf("First%d", i), "last": fmt.Sprintf("LAST%d", i),
			"phone": fmt.Sprintf("+46 70 000 %04d", i%10000), "city": fmt.Sprintf("Stad %d", i%100),
			"country": "SE", "street": "Storgatan", "number": fmt.Sprint(i % 1000), "amount": float64(i%1000) + 0.5,
		}}
	}
	return writes
}

// BenchmarkWriteBatches mirrors the engine's apply of 100,000 creates:
// Write calls of writeBatchSize creates into one file growing from empty,
// then the Flush that ends the flow. written/output is the bytes written to
// storage per byte of the file made (the rewrites of a file below
// journalFrom, the journal, its merge).
func BenchmarkWriteBatches(b *testing.B) {
	for _, ext := range []string{"jsonl", "csv"} {
		b.Run(ext, func(b *testing.B) {
			var batches [][]connectors.Write
			for from := 0; from < benchRecords; from += writeBatchSize {
				batches = append(batches, contactWrites(from, writeBatchSize))
			}
			root := b.TempDir()
			var written, output float64
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			for b.Loop() {
				b.StopTimer()
				dir, err := os.MkdirTemp(root, "run")
				if err != nil {
					b.Fatal(err)
				}
				if ext == "csv" {
					writeFile(b, dir+"/contacts.csv", "email,name,first,last,phone,city,country,street,number,amount\n")
				}
				obj := openObject(b, dir, "contacts", nil)
				b.StartTimer()
				out0 := bytesOut()
				for _, w := range batches {
					writeOrFail(b, obj, w)
				}
				if err := obj.Flush(b.Context()); err != nil {
					b.Fatal(err)
				}
				written += bytesOut() - out0
				if info, err := os.Stat(obj.path); err == nil {
					output += float64(info.Size())
				}
			}
			reportRatesOf(b, cpu0, benchRecords)
			if written > 0 {
				b.ReportMetric(written/output, "written/output")
			}
		})
	}
}

// BenchmarkUpdateFew updates 100 rows spread over a file of 100,000 rows:
// the cost of a small Write into a large file.
func BenchmarkUpdateFew(b *testing.B) {
	const updates = 100
	for _, ext := range []string{"jsonl", "csv"} {
		b.Run(ext, func(b *testing.B) {
			dir := b.TempDir()
			if ext == "csv" {
				writeFile(b, dir+"/contacts.csv", "email,name,first,last,phone,city,country,street,number,amount\n")
			}
			obj := openObject(b, dir, "contacts", nil)
			writeOrFail(b, obj, contactWrites(0, benchRecords))
			var batches [2][]connectors.Write
			for k := range batches {
				for j := range updates {
					i := j * (benchRecords / updates)
					batches[k] = append(batches[k], connectors.Write{Action: connectors.Update, ID: keyID("email", fmt.Sprintf("person%d@example.com", i)),
						Fields: map[string]any{"city": fmt.Sprintf("Town %d-%d", k, i)}})
				}
			}
			b.ReportAllocs()
			n := 0
			cpu0 := cpuSeconds()
			for b.Loop() {
				writeOrFail(b, obj, batches[n%2])
				n++
			}
			reportRatesOf(b, cpu0, updates)
		})
	}
}

// BenchmarkReadPeople reads a CSV file shaped like the engine benchmark's
// source (engine/bench_test.go): eight columns, no key setting.
func BenchmarkReadPeople(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	sb.WriteString("email,first,last,phone,city,country,address,amount\n")
	for i := range benchRecords {
		fmt.Fprintf(&sb, "Person%d@Example.com,First%d,Last%d,+46 70 000 %04d,Stad %d,Sweden,Storgatan %d B,%d.5\n", i, i, i, i%10000, i%100, i%300, i%1000)
	}
	writeFile(b, dir+"/people.csv", sb.String())
	obj := openObject(b, dir, "people", nil)
	b.ReportAllocs()
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
	reportRatesOf(b, cpu0, benchRecords)
}

// BenchmarkScan100k indexes a file of 100,000 rows by one field: what the
// first Find, Get or Write of a file costs.
func BenchmarkScan100k(b *testing.B) {
	for _, ext := range []string{"jsonl", "csv"} {
		b.Run(ext, func(b *testing.B) {
			dir := b.TempDir()
			if ext == "csv" {
				writeFile(b, dir+"/contacts.csv", "email,name,first,last,phone,city,country,street,number,amount\n")
			}
			obj := openObject(b, dir, "contacts", nil)
			writeOrFail(b, obj, contactWrites(0, benchRecords))
			f, err := os.Open(obj.path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			info, err := f.Stat()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			for b.Loop() {
				snap, err := obj.scan(f, info, []string{"email"})
				if err != nil || len(snap.rows) != benchRecords {
					b.Fatalf("scan: %v", err)
				}
			}
			reportRatesOf(b, cpu0, benchRecords)
		})
	}
}

// BenchmarkReadPeopleEncodingCSV reads the file of BenchmarkReadPeople with
// encoding/csv, each row into a record map with its offset as rows keep it
// (InputOffset): the alternative to the connector's own CSV reader, to
// weigh against BenchmarkReadPeople.
func BenchmarkReadPeopleEncodingCSV(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("email,first,last,phone,city,country,address,amount\n")
	for i := range benchRecords {
		fmt.Fprintf(&sb, "Person%d@Example.com,First%d,Last%d,+46 70 000 %04d,Stad %d,Sweden,Storgatan %d B,%d.5\n", i, i, i, i%10000, i%100, i%300, i%1000)
	}
	path := b.TempDir() + "/people.csv"
	writeFile(b, path, sb.String())
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
		r.ReuseRecord = true
		header, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		header = slices.Clone(header)
		n := 0
		var page []connectors.Record
		for {
			start := r.InputOffset()
			row, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rec := make(map[string]any, len(header))
			for j, name := range header {
				rec[name] = row[j]
			}
			page = append(page, connectors.Record{ID: "line:" + strconv.FormatInt(start, 10), Fields: rec})
			if len(page) == defaultPageSize {
				page = page[:0]
			}
			n++
		}
		f.Close()
		if n != benchRecords {
			b.Fatalf("read %d records; want %d", n, benchRecords)
		}
	}
	reportRatesOf(b, cpu0, benchRecords)
}
