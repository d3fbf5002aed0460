package main

import (
	"strconv"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

// TestPlanListing: the human plan's summary per flow, -only, -show-skipped
// and errors grouped by message.
func TestPlanListing(t *testing.T) {
	e := shopEnv(t)
	// Three more contacts without a first name fail like c4: one group.
	for i := range 3 {
		id := "n" + strconv.Itoa(i)
		e.store.Put("crm", "contacts", connectors.Record{ID: id, Fields: map[string]any{"email": id + "@example.com", "last": "Nobody", "active": true}})
	}
	tests := []struct {
		name string
		args []string
	}{
		{"shop_plan_grouped", nil},
		{"shop_plan_only", []string{"-only", "update,error"}},
		{"shop_plan_show_skipped", []string{"-only", "skip", "-show-skipped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.expect(exitError, append([]string{"plan", "-no-color"}, tt.args...)...)
			golden(t, tt.name, r.stdout)
		})
	}
}
