package state

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSave(t *testing.T) {
	tests := []struct {
		name        string
		batch       func(id int64) Batch
		wantErr     string
		wantLinks   []string // source keys linked
		wantPending int
		wantActs    int
	}{
		{
			name:        "empty",
			batch:       func(int64) Batch { return Batch{} },
			wantPending: 2,
		},
		{
			name: "all parts",
			batch: func(id int64) Batch {
				return Batch{
					Links: []Link{{Flow: "f", SourceKey: "1", TargetID: "t1"}},
					Activities: []Activity{
						{Flow: "f", SourceKey: "1", TargetID: "t1", Action: "create", Sent: json.RawMessage(`{"a":1}`)},
						{Flow: "f", SourceKey: "2", Action: "error", Error: "400"},
					},
					Intents: id,
				}
			},
			wantLinks: []string{"1"},
			wantActs:  2,
		},
		{
			name: "activity only",
			batch: func(id int64) Batch {
				return Batch{Activities: []Activity{{Flow: "f", SourceKey: "2", Action: "error", Error: "400"}}, Intents: id}
			},
			wantActs: 1,
		},
		{
			name: "a lost write stays pending",
			batch: func(id int64) Batch {
				return Batch{
					Links:      []Link{{Flow: "f", SourceKey: "1", TargetID: "t1"}},
					Activities: []Activity{{Flow: "f", SourceKey: "2", Action: "error", Error: "timeout"}},
					Intents:    id,
					Pending:    []string{"2"},
				}
			},
			wantLinks:   []string{"1"},
			wantPending: 1,
			wantActs:    1,
		},
		{
			name: "pending keys of no intent resolve the entry",
			batch: func(id int64) Batch {
				return Batch{Intents: id, Pending: []string{"not journaled"}}
			},
		},
		{
			name: "a bad activity stores nothing",
			batch: func(id int64) Batch {
				return Batch{
					Links:      []Link{{Flow: "f", SourceKey: "1", TargetID: "t1"}},
					Activities: []Activity{{Flow: "f", SourceKey: "1"}},
					Intents:    id,
				}
			},
			wantErr:     "activity entry 0: flow f, source key \"1\": empty action",
			wantPending: 2,
		},
		{
			name: "a bad link stores nothing",
			batch: func(id int64) Batch {
				return Batch{Links: []Link{{Flow: "f", SourceKey: "1"}}, Intents: id}
			},
			wantErr:     "link 0: flow f, source key \"1\": empty target id",
			wantPending: 2,
		},
		{
			name: "a failing insert rolls back the links",
			batch: func(id int64) Batch {
				return Batch{
					Links:      []Link{{Flow: "f", SourceKey: "1", TargetID: "t1"}},
					Activities: []Activity{{RunID: 12345, Flow: "f", SourceKey: "1", Action: "create"}},
					Intents:    id,
				}
			},
			wantErr:     "FOREIGN KEY",
			wantPending: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			ctx := t.Context()
			id, err := s.BeginIntents(ctx, []Intent{
				{Flow: "f", SourceKey: "1", Object: "o", Action: "create"},
				{Flow: "f", SourceKey: "2", Object: "o", Action: "create"},
			})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Save(ctx, tt.batch(id))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Save = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !containsFold(err.Error(), tt.wantErr)) {
				t.Fatalf("Save = %v; want an error containing %q", err, tt.wantErr)
			}
			var linked []string
			if err := s.ListLinks(ctx, "", func(l Link) error { linked = append(linked, l.SourceKey); return nil }); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantLinks, linked); diff != "" {
				t.Errorf("links mismatch (-want +got):\n%s", diff)
			}
			pending, err := s.PendingIntents(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) != tt.wantPending {
				t.Errorf("%d intents pending; want %d", len(pending), tt.wantPending)
			}
			// A journal entry with nothing pending is gone, not left empty.
			var entries int
			if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM intents`).Scan(&entries); err != nil {
				t.Fatal(err)
			}
			if want := min(tt.wantPending, 1); entries != want {
				t.Errorf("%d journal entries; want %d", entries, want)
			}
			acts, err := s.Activities(ctx, ActivityFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) != tt.wantActs {
				t.Errorf("%d activity entries; want %d", len(acts), tt.wantActs)
			}
		})
	}
}
