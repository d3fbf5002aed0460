package state

import (
	"encoding/json"
	"fmt"
	"testing"
)

// The engine plans and applies 100k records at over 50k records/s, so the
// state must take well over that. Each benchmark reports records/s.
//
//	go test ./engine/state -run '^$' -bench . -benchtime 100000x

var benchBatches = []int{100, 1000}

func reportRecords(b *testing.B, records int) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

func benchLink(i int) Link {
	return Link{
		Flow:      "customers",
		SourceKey: fmt.Sprintf("cust-%08d", i),
		TargetID:  fmt.Sprintf("%d", 900000000+i),
		KeyValue:  fmt.Sprintf("person%d@example.com", i),
		FieldHashes: map[string]string{
			"email":     "61c26e6edb6acdd1208f2c2003c5b692",
			"firstname": "0ae764bffd3a17b6454c8d9ebf712311",
			"lastname":  "73475cb40a568e8da8a045ced110137e",
			"phone":     "7b713affffacc53f6dbd3a5fd52117bc",
			"country":   "b5bea41b6c623f7c09f1bf24dcae58eb",
		},
	}
}

// BenchmarkPutLinks measures upserts of new links, batch by batch; b.N is
// the number of records.
func BenchmarkPutLinks(b *testing.B) {
	for _, batch := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, _ := openTest(b)
			ctx := b.Context()
			links := make([]Link, 0, batch)
			b.ResetTimer()
			for i := 0; i < b.N; {
				links = links[:0]
				for j := 0; j < batch && i < b.N; j++ {
					links = append(links, benchLink(i))
					i++
				}
				if err := s.PutLinks(ctx, links); err != nil {
					b.Fatal(err)
				}
			}
			reportRecords(b, b.N)
		})
	}
}

// BenchmarkLinks measures lookups of existing links in a state of 100k;
// b.N is the number of records looked up.
func BenchmarkLinks(b *testing.B) {
	const stored = 100_000
	s, _ := openTest(b)
	ctx := b.Context()
	all := make([]Link, stored)
	for i := range all {
		all[i] = benchLink(i)
	}
	if err := s.PutLinks(ctx, all); err != nil {
		b.Fatal(err)
	}
	if s.pg != nil {
		// As autovacuum would soon: without statistics, Postgres looks up
		// by flow alone and filters (ten times slower).
		if _, err := s.w.ExecContext(ctx, `ANALYZE links, runs, intents, activity, activity_keys`); err != nil {
			b.Fatal(err)
		}
	}
	for _, batch := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			keys := make([]string, 0, batch)
			b.ResetTimer()
			for i := 0; i < b.N; {
				keys = keys[:0]
				for j := 0; j < batch && i < b.N; j++ {
					// A stride, so that lookups are not in key order.
					keys = append(keys, all[(i*7919)%stored].SourceKey)
					i++
				}
				got, err := s.Links(ctx, "customers", keys)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) == 0 {
					b.Fatal("no links found")
				}
			}
			reportRecords(b, b.N)
		})
	}
}

// BenchmarkLogActivity measures appending activity entries with payloads
// of a typical size; b.N is the number of records.
func BenchmarkLogActivity(b *testing.B) {
	read := json.RawMessage(`{"CustomerNumber":"10042","Name":"Example AB","EmailAddress":"[redacted]","InvoiceCity":"Stockholm","InvoicePostalCode":"111 22","CountryCode":"SE","IsPrivatePerson":false,"TermsOfPaymentId":"8f9a1c52-0000-4000-8000-000000000001"}`)
	sent := json.RawMessage(`{"properties":{"name":"Example AB","city":"Stockholm","zip":"111 22","country":"SE"}}`)
	answer := json.RawMessage(`{"id":"900000042","updatedAt":"2026-03-01T10:00:00Z"}`)
	for _, batch := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, _ := openTest(b)
			ctx := b.Context()
			run, err := s.StartRun(ctx, "apply", "bench")
			if err != nil {
				b.Fatal(err)
			}
			acts := make([]Activity, 0, batch)
			b.ResetTimer()
			for i := 0; i < b.N; {
				acts = acts[:0]
				for j := 0; j < batch && i < b.N; j++ {
					acts = append(acts, Activity{RunID: run, Flow: "customers", SourceKey: fmt.Sprintf("cust-%08d", i),
						TargetID: "900000042", Action: "update", Read: read, Sent: sent, Answer: answer})
					i++
				}
				if err := s.LogActivity(ctx, acts); err != nil {
					b.Fatal(err)
				}
			}
			reportRecords(b, b.N)
		})
	}
}

func BenchmarkHashValue(b *testing.B) {
	values := []any{"ann@example.com", 1234.5, int64(42), true, nil, map[string]any{"street": "Storgatan 1"}}
	for i := 0; i < b.N; i++ {
		HashValue(values[i%len(values)])
	}
	reportRecords(b, b.N)
}

// BenchmarkApplyBatch measures what an apply stores per batch of writes:
// the intents before the writes, then links, activity and the resolution
// of the intents in one Save; b.N is the number of records.
func BenchmarkApplyBatch(b *testing.B) {
	sent := json.RawMessage(`{"properties":{"email":"[redacted]","firstname":"Example","city":"Stockholm"}}`)
	answer := json.RawMessage(`{"id":"900000042"}`)
	for _, batch := range benchBatches {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, _ := openTest(b)
			ctx := b.Context()
			run, err := s.StartRun(ctx, "apply", "bench")
			if err != nil {
				b.Fatal(err)
			}
			intents := make([]Intent, 0, batch)
			var save Batch
			b.ResetTimer()
			for i := 0; i < b.N; {
				intents, save.Links, save.Activities = intents[:0], save.Links[:0], save.Activities[:0]
				for j := 0; j < batch && i < b.N; j++ {
					l := benchLink(i)
					intents = append(intents, Intent{RunID: run, Flow: l.Flow, SourceKey: l.SourceKey,
						Object: "hubspot.crm.contacts", Action: "create", KeyField: "email", KeyValue: l.KeyValue})
					save.Links = append(save.Links, l)
					save.Activities = append(save.Activities, Activity{RunID: run, Flow: l.Flow, SourceKey: l.SourceKey,
						TargetID: l.TargetID, Action: "create", Sent: sent, Answer: answer})
					i++
				}
				id, err := s.BeginIntents(ctx, intents)
				if err != nil {
					b.Fatal(err)
				}
				save.Intents = id
				if err := s.Save(ctx, save); err != nil {
					b.Fatal(err)
				}
			}
			reportRecords(b, b.N)
		})
	}
}
