package state

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkActivityByKey looks records up by key (kopla log -key) in an
// activity log of a million entries, logged in apply batches of 1,000; b.N
// is the number of lookups. It takes a minute to seed, so it runs only
// when asked for:
//
//	go test ./engine/state -run '^$' -bench ActivityByKey -benchtime 20x
func BenchmarkActivityByKey(b *testing.B) {
	const (
		entries = 1_000_000
		batch   = 1000
	)
	s, _ := openTest(b)
	ctx := b.Context()
	run, err := s.StartRun(ctx, "apply", "bench")
	if err != nil {
		b.Fatal(err)
	}
	sent := json.RawMessage(`{"Name":"Example AB","EmailAddress":"[redacted]","InvoiceCity":"Stockholm","CountryCode":"SE"}`)
	answer := json.RawMessage(`{"id":"2f0c1a52-0000-4000-8000-000000000042","stored":{"CustomerNumber":"10042"}}`)
	acts := make([]Activity, 0, batch)
	for i := 0; i < entries; {
		acts = acts[:0]
		for j := 0; j < batch; j++ {
			acts = append(acts, Activity{RunID: run, Flow: "contacts_to_customers", SourceKey: fmt.Sprint(100000 + i),
				TargetID: fmt.Sprintf("2f0c1a52-0000-4000-8000-%012d", i), Action: "create",
				Keys: []string{fmt.Sprintf("person%d@example.com", i), fmt.Sprint(10000 + i)},
				Sent: sent, Answer: answer})
			i++
		}
		if err := s.LogActivity(ctx, acts); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		k := (i * 7919) % entries
		got, err := s.Activities(ctx, ActivityFilter{Key: fmt.Sprintf("Person%d@example.com", k)})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 1 || got[0].SourceKey != fmt.Sprint(100000+k) {
			b.Fatalf("lookup of person %d found %+v", k, got)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/lookup")
	b.ReportMetric(entries, "entries")
}
