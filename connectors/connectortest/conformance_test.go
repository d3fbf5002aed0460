package connectortest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
)

func memoryHarness(t *testing.T) connectortest.Harness {
	store := connectortest.NewStore()
	store.Define("crm", "contacts", contactSchema)
	store.SetPageSize(2) // several pages for five records
	// Records that are not the suite's: Find must not return them.
	store.Put("crm", "contacts", connectors.Record{Fields: map[string]any{"email": "other@example.org", "name": "Other"}})
	return connectortest.Harness{
		Object:   open(t, store),
		KeyField: "email",
		NewFields: func(i int) map[string]any {
			return map[string]any{"email": fmt.Sprintf("c%d@example.com", i), "name": fmt.Sprintf("Contact %d", i), "age": int64(20 + i)}
		},
		Change: func(f map[string]any) map[string]any {
			return map[string]any{"name": f["name"].(string) + " (changed)"}
		},
		Invalid: func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("No email %d", i)}
		},
	}
}

func TestConformanceMemory(t *testing.T) {
	connectortest.RunConformance(t, memoryHarness(t))
}

// broken wraps a memory object and breaks one behaviour, to show that the
// suite notices.
type broken struct {
	connectors.Object
	mode string
}

func (b broken) Write(ctx context.Context, ws []connectors.Write) []connectors.WriteResult {
	if b.mode == "update replaces" {
		for i, w := range ws {
			if w.Action == connectors.Update {
				ws[i].Fields = map[string]any{"email": nil, "name": w.Fields["name"]}
			}
		}
	}
	return b.Object.(connectors.Writer).Write(ctx, ws)
}

func (b broken) Find(ctx context.Context, field string, values []any) ([]connectors.Record, error) {
	if b.mode == "find ignores values" {
		var all []connectors.Record
		_, err := b.Object.(connectors.Reader).Read(ctx, connectors.ReadRequest{}, func(p []connectors.Record) error {
			all = append(all, p...)
			return nil
		})
		return all, err
	}
	return b.Object.(connectors.Finder).Find(ctx, field, values)
}

func (b broken) Get(ctx context.Context, ids []string) ([]connectors.Record, error) {
	return b.Object.(connectors.Getter).Get(ctx, ids)
}

func (b broken) Read(ctx context.Context, req connectors.ReadRequest, emit func([]connectors.Record) error) (string, error) {
	if b.mode == "read drops last page" {
		var pending []connectors.Record
		cursor, err := b.Object.(connectors.Reader).Read(ctx, req, func(p []connectors.Record) error {
			if pending != nil {
				if err := emit(pending); err != nil {
					return err
				}
			}
			pending = p
			return nil
		})
		return cursor, err
	}
	return b.Object.(connectors.Reader).Read(ctx, req, emit)
}

// TestConformanceBrokenHelper runs the suite on a broken object when
// TestConformanceCatchesBrokenObjects asks it to, in a child process,
// because a failing suite fails its test.
func TestConformanceBrokenHelper(t *testing.T) {
	mode := os.Getenv("KOPLA_CONFORMANCE_BROKEN")
	if mode == "" {
		t.Skip("run by TestConformanceCatchesBrokenObjects")
	}
	h := memoryHarness(t)
	h.Object = broken{Object: h.Object, mode: mode}
	connectortest.RunConformance(t, h)
}

func TestConformanceCatchesBrokenObjects(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child test processes")
	}
	tests := []struct{ mode, failing string }{
		{"update replaces", "update_merges"},
		{"find ignores values", "find_by_key"},
		{"read drops last page", "TestConformanceBrokenHelper/read"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestConformanceBrokenHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "KOPLA_CONFORMANCE_BROKEN="+tt.mode)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed an object whose %s:\n%s", tt.mode, out)
			}
			if want := "--- FAIL: TestConformanceBrokenHelper/" + strings.TrimPrefix(tt.failing, "TestConformanceBrokenHelper/"); !strings.Contains(string(out), want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		})
	}
}
