package connectors

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// ValueLister is implemented by objects whose records are few (reference
// data: VAT codes, terms of payment, units, cost centre items), so that
// the values a field holds over all of them are one or two reads away.
// The engine lists them when a find() matches nothing, to name the closest
// existing values. Objects with many records (customers, orders) answer ok
// false: listing them would read everything.
type ValueLister interface {
	FieldValues(ctx context.Context, field string) (values []any, ok bool, err error)
}

// Closest returns up to n of the known values closest to value by edit
// distance, ignoring case, closest first (ties in the order known lists
// them); value itself and duplicates are left out.
func Closest(value string, known []string, n int) []string {
	type cand struct {
		s    string
		dist int
		at   int
	}
	lv := strings.ToLower(value)
	seen := make(map[string]bool, len(known))
	cands := make([]cand, 0, len(known))
	for i, k := range known {
		if k == value || seen[k] {
			continue
		}
		seen[k] = true
		cands = append(cands, cand{k, levenshtein(lv, strings.ToLower(k)), i})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.at, b.at))
	})
	out := make([]string, 0, min(n, len(cands)))
	for _, c := range cands[:min(n, len(cands))] {
		out = append(out, c.s)
	}
	return out
}
