package engine

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// TestConcurrentRuns: two plans, and a plan and a flow test, run at once on
// one compiled Project, each with its own find() cache (go test -race
// finds any data they share). Each gets the answer it gets alone.
func TestConcurrentRuns(t *testing.T) {
	h := newHarness(t, strings.Replace(ordersFlow, `CustomerId = "ensured.customer.id"`, `CustomerId = "ensured.customer?.id ?? find(memory.crm.contacts, 'email', source.email)?.email"`, 1))
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	h.store.Put("crm", "orders", order("o1", "1001", "ada@example.com", 10), order("o2", "1002", "bob@example.com", 20))
	p := h.project()
	alone, diags := p.Plan(context.Background(), PlanOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := alone.Counts()
	stub := Case{
		Flow:   "orders",
		Source: map[string]any{"ref": "9", "email": "x@example.com", "amount": 1.0},
		// The stub's answer is not the store's: a flow test sees its own
		// stubs only, whatever a plan running at the same time finds.
		Finds:   []FindStub{{Object: "memory.crm.contacts", Field: "email", Value: "x@example.com", Record: map[string]any{"email": "x@example.com"}}},
		Ensured: map[string]any{"customer": nil},
	}

	const rounds = 8
	var wg sync.WaitGroup
	counts := make(chan plan.Counts, 2*rounds)
	results := make(chan *CaseResult, rounds)
	errs := make(chan error, 3*rounds)
	for range rounds {
		wg.Add(3)
		for range 2 {
			go func() {
				defer wg.Done()
				pl, diags := p.Plan(context.Background(), PlanOptions{})
				if diags.HasErrors() {
					errs <- diags
					return
				}
				counts <- pl.Counts()
			}()
		}
		go func() {
			defer wg.Done()
			res, err := p.RunCase(context.Background(), stub)
			if err != nil {
				errs <- err
				return
			}
			results <- res
		}()
	}
	wg.Wait()
	close(counts)
	close(results)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for c := range counts {
		if c != want {
			t.Errorf("concurrent plan counts = %+v; want %+v as alone", c, want)
		}
	}
	for res := range results {
		if res.Action != plan.Create || res.Fields["CustomerId"] != "x@example.com" {
			t.Errorf("concurrent flow test = %+v; want a create with the stubbed CustomerId", res)
		}
	}
}
