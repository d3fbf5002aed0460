package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/engine/plan"
)

func TestRunCase(t *testing.T) {
	p := testEngine(t).mustProject(t)
	ada := map[string]any{"email": "Ada@Example.com", "first": "Ada", "last": "Byron", "active": true}
	for _, tc := range []struct {
		name string
		c    Case
		want CaseResult
	}{
		{
			name: "create",
			c:    Case{Flow: "customers", Source: ada},
			want: CaseResult{Action: plan.Create, Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada Byron", "Note": "imported"}},
		},
		{
			name: "no-op",
			c:    Case{Flow: "customers", Source: ada, Target: map[string]any{"Email": "ada@example.com", "Name": "Ada Byron", "Note": "VIP"}},
			want: CaseResult{Action: plan.NoOp, Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada Byron", "Note": "imported"}},
		},
		{
			name: "update",
			c:    Case{Flow: "customers", Source: ada, Target: map[string]any{"Email": "ada@example.com", "Name": "Ada King"}},
			want: CaseResult{Action: plan.Update, Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada Byron", "Note": "imported"}},
		},
		{
			name: "filtered",
			c:    Case{Flow: "customers", Source: map[string]any{"active": false}},
			want: CaseResult{Action: plan.Skip, Reason: "filtered out by where"},
		},
		{
			name: "error",
			c:    Case{Flow: "customers", Source: map[string]any{"active": true, "first": "A", "last": "B"}},
			want: CaseResult{Action: plan.Error, Field: "Email", Error: "the key Email is empty"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.RunCase(t.Context(), tc.c)
			if err != nil {
				t.Fatal(err)
			}
			got.Changes = nil
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("RunCase (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := p.RunCase(t.Context(), Case{Flow: "nope"}); err == nil {
		t.Error("RunCase of an unknown flow: no error")
	}
}
