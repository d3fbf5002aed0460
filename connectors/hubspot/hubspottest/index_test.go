package hubspottest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestIndexesAgreeWithScan writes at random (creates, changes, clears,
// archives, links, unlinks), then checks that every lookup the indexes
// answer finds exactly what a scan of every record finds.
func TestIndexesAgreeWithScan(t *testing.T) {
	for _, delay := range []time.Duration{0, 3 * time.Second} {
		t.Run(fmt.Sprint("delay=", delay), func(t *testing.T) {
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			s := New(Options{SearchIndexDelay: delay, Clock: func() time.Time { return now }})
			contacts, companies := lookupType("contacts"), lookupType("companies")
			toCompany, _ := defaultAssocType("contacts", "companies")
			rng := rand.New(rand.NewPCG(1, 2))
			emails := []string{"a@example.com", "B@example.com", "c@example.com", "d@example.org", ""}
			cities := []string{"Malmö", "malmö", "Oslo", ""}
			s.mu.Lock()
			for i := range 5 {
				s.insert(companies, fmt.Sprint(900+i), map[string]string{"name": fmt.Sprint("Co ", i)}, now)
			}
			for range 400 {
				now = now.Add(time.Duration(rng.IntN(1500)) * time.Millisecond)
				live := s.sorted(contacts)
				switch op := rng.IntN(6); {
				case op == 0 || len(live) == 0:
					s.insert(contacts, "", map[string]string{"city": cities[rng.IntN(len(cities))]}, now)
				case op <= 2:
					rec := live[rng.IntN(len(live))]
					s.change(contacts, rec, map[string]string{"email": emails[rng.IntN(len(emails))], "city": cities[rng.IntN(len(cities))]}, now)
				case op == 3:
					s.archive(live[rng.IntN(len(live))], now)
				case op == 4:
					s.associate(toCompany, live[rng.IntN(len(live))].id, fmt.Sprint(900+rng.IntN(5)))
				default:
					s.unlink(contacts, companies, live[rng.IntN(len(live))].id, fmt.Sprint(900+rng.IntN(5)))
				}
			}
			now = now.Add(time.Second)
			defer s.mu.Unlock()

			type groups = []struct {
				Filters []filter `json:"filters"`
			}
			one := func(fs ...filter) groups { return groups{{Filters: fs}} }
			queries := map[string]groups{
				"email EQ":          one(filter{PropertyName: "email", Operator: "EQ", Value: "b@EXAMPLE.com"}),
				"city IN":           one(filter{PropertyName: "city", Operator: "IN", Values: []flexString{"malmö", "oslo"}}),
				"city EQ and email": one(filter{PropertyName: "city", Operator: "EQ", Value: "Malmö"}, filter{PropertyName: "email", Operator: "HAS_PROPERTY"}),
				"company EQ":        one(filter{PropertyName: "associations.company", Operator: "EQ", Value: "902"}),
				"or of two":         {{Filters: []filter{{PropertyName: "email", Operator: "EQ", Value: "a@example.com"}}}, {Filters: []filter{{PropertyName: "associations.company", Operator: "IN", Values: []flexString{"900", "901"}}}}},
				"missing value":     one(filter{PropertyName: "email", Operator: "EQ", Value: "nobody@example.com"}),
			}
			found := 0
			for name, q := range queries {
				scan := func(recs []*record) []string {
					var out []string
					for _, rec := range recs {
						if v, ok := s.indexed(rec, now); ok && !v.archived && s.matches(contacts, rec.id, v.props, q, "") {
							out = append(out, rec.id)
						}
					}
					return out
				}
				candidates, narrowed := s.searchCandidates(contacts, q)
				if !narrowed {
					t.Errorf("%s: not answered by an index", name)
					continue
				}
				want := scan(s.sorted(contacts))
				found += len(want)
				if diff := cmp.Diff(want, scan(candidates)); diff != "" {
					t.Errorf("%s: indexed search differs from a scan (-scan +indexed):\n%s", name, diff)
				}
			}
			if found < 10 {
				t.Fatalf("the queries found %d records in all; the test writes too little to compare", found)
			}
			for _, email := range emails[:4] {
				var want *record
				for _, rec := range s.sorted(contacts) {
					if !rec.archived && rec.props["email"] != "" && rec.props["email"] == email {
						want = rec
						break
					}
				}
				if got := s.findBy(contacts, "email", email); got != want {
					t.Errorf("findBy(email %s) = %v; want %v", email, got, want)
				}
			}
			for _, rec := range s.sorted(contacts) {
				var want []string
				for _, co := range s.sorted(companies) {
					if len(s.assocs[assocKey{"contacts", rec.id, "companies", co.id}]) > 0 {
						want = append(want, co.id)
					}
				}
				if got := s.sortedTargets(contacts, rec.id, companies); !slices.Equal(got, want) {
					t.Errorf("contact %s: targets %v; want %v", rec.id, got, want)
				}
			}
		})
	}
}

// TestListOrderWithSeededIDs: records seeded out of order list in id order
// and paging with after continues where the page ended.
func TestListOrderWithSeededIDs(t *testing.T) {
	c := newClient(t, Options{})
	seeded(t, c, `{"objects": {"companies": [{"id": "30", "properties": {"name": "c"}}, {"id": "4", "properties": {"name": "a"}}, {"id": "12", "properties": {"name": "b"}}]}}`)
	c.must(201, "POST", "/crm/v3/objects/companies", create(map[string]any{"name": "d"}))
	r := c.must(200, "GET", "/crm/v3/objects/companies?limit=2", nil)
	if diff := cmp.Diff([]string{"4", "12"}, ids(r)); diff != "" {
		t.Errorf("first page (-want +got):\n%s", diff)
	}
	r = c.must(200, "GET", "/crm/v3/objects/companies?limit=2&after=30", nil)
	if diff := cmp.Diff([]string{"30", "1001"}, ids(r)); diff != "" {
		t.Errorf("second page (-want +got):\n%s", diff)
	}
}
