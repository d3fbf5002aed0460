package hubspottest

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Search limits (DOC-search).
const (
	maxFilterGroups   = 5
	maxGroupFilters   = 6
	maxFilters        = 18
	maxSearchLimit    = 200
	maxSearchResults  = 10000
	maxSearchBodySize = 3000
)

// flexString accepts a JSON string, number or boolean.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexString(n.String())
		return nil
	}
	var v bool
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = flexString(strconv.FormatBool(v))
	return nil
}

type filter struct {
	PropertyName string       `json:"propertyName"`
	Operator     string       `json:"operator"`
	Value        flexString   `json:"value"`
	HighValue    flexString   `json:"highValue"`
	Values       []flexString `json:"values"`
}

type sortRule struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// UnmarshalJSON takes both the documented object and the "-prop" string.
func (r *sortRule) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		r.Direction = "ASCENDING"
		if rest, ok := strings.CutPrefix(s, "-"); ok {
			s, r.Direction = rest, "DESCENDING"
		}
		r.PropertyName = s
		return nil
	}
	type plain sortRule
	return json.Unmarshal(b, (*plain)(r))
}

type searchRequest struct {
	FilterGroups []struct {
		Filters []filter `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []sortRule  `json:"sorts"`
	Query      string      `json:"query"`
	Properties []string    `json:"properties"`
	Limit      *flexString `json:"limit"`
	After      flexString  `json:"after"`
}

var operators = []string{"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}

func (s *Server) searchObjects(w http.ResponseWriter, r *http.Request, p params) *apiError {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return validationError("Invalid input JSON: %v", err)
	}
	if len(body) > maxSearchBodySize {
		return validationError("The search request body is %d characters long; the maximum is %d", len(body), maxSearchBodySize)
	}
	var req searchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return validationError("Invalid input JSON: %v", err)
	}
	if len(req.FilterGroups) > maxFilterGroups {
		return validationError("Too many filter groups (%d); the maximum is %d", len(req.FilterGroups), maxFilterGroups)
	}
	total := 0
	for i, g := range req.FilterGroups {
		if len(g.Filters) > maxGroupFilters {
			return validationError("Too many filters in filterGroups[%d] (%d); the maximum is %d per group", i, len(g.Filters), maxGroupFilters)
		}
		total += len(g.Filters)
		for _, f := range g.Filters {
			if !slices.Contains(operators, f.Operator) {
				return validationError("Unknown operator %q in filter on %s; use one of %s", f.Operator, f.PropertyName, strings.Join(operators, ", "))
			}
		}
	}
	if total > maxFilters {
		return validationError("Too many filters (%d); the maximum is %d in all groups", total, maxFilters)
	}
	limit := 10
	if req.Limit != nil {
		n, err := strconv.Atoi(string(*req.Limit))
		if err != nil || n < 0 || n > maxSearchLimit {
			return validationError("limit must be between 0 and %d, got %q", maxSearchLimit, *req.Limit)
		}
		limit = n
	}
	offset := 0
	if req.After != "" {
		n, err := strconv.Atoi(string(req.After))
		if err != nil || n < 0 {
			return validationError("after must be a non-negative integer, got %q", req.After)
		}
		offset = n
	}
	if offset >= maxSearchResults {
		return validationError("Paging past %d results is not supported: after=%d. Narrow the search (for example on hs_lastmodifieddate) and start again", maxSearchResults, offset)
	}

	now := s.now()
	type hit struct {
		rec   *record
		props map[string]string
		at    time.Time // when the indexed version was written
	}
	var hits []hit
	candidates, narrowed := s.searchCandidates(p.typ, req.FilterGroups)
	if !narrowed {
		candidates = s.sorted(p.typ)
	}
	for _, rec := range candidates {
		v, ok := s.indexed(rec, now)
		if !ok || v.archived {
			continue
		}
		if s.matches(p.typ, rec.id, v.props, req.FilterGroups, req.Query) {
			hits = append(hits, hit{rec, v.props, v.at})
		}
	}
	rule := sortRule{PropertyName: p.typ.created, Direction: "ASCENDING"}
	if len(req.Sorts) > 0 {
		rule = req.Sorts[0]
	}
	def := s.def(p.typ, rule.PropertyName)
	slices.SortStableFunc(hits, func(a, b hit) int {
		c := compareValues(def, a.props[rule.PropertyName], b.props[rule.PropertyName])
		if strings.EqualFold(rule.Direction, "DESCENDING") {
			c = -c
		}
		return cmp.Or(c, compareIDs(a.rec.id, b.rec.id))
	})

	end := min(offset+limit, len(hits), maxSearchResults)
	results := []*wireObject{}
	names := req.Properties
	if len(names) == 0 {
		names = nil
	}
	if offset < end {
		for _, h := range hits[offset:end] {
			o := s.view(p.typ, h.rec, h.props, names, false)
			o.UpdatedAt = formatTime(h.at)
			results = append(results, o)
		}
	}
	out := map[string]any{"total": len(hits), "results": results}
	if end < len(hits) && end < maxSearchResults && limit > 0 {
		out["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// matches applies filter groups (OR of ANDs) and the free-text query.
func (s *Server) matches(t *objectType, id string, props map[string]string, groups []struct {
	Filters []filter `json:"filters"`
}, query string) bool {
	if query != "" && !matchesQuery(props, query) {
		return false
	}
	if len(groups) == 0 {
		return true
	}
	for _, g := range groups {
		all := true
		for _, f := range g.Filters {
			if !s.matchFilter(t, id, props, f) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// searchable are the properties the free-text query looks at.
var searchable = []string{"email", "firstname", "lastname", "phone", "company", "name", "domain", "website", "dealname", "hs_order_name", "hs_number", "hs_sku", "hs_label"}

func matchesQuery(props map[string]string, query string) bool {
	q := strings.ToLower(strings.TrimSpace(query))
	for _, name := range searchable {
		v := strings.ToLower(props[name])
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, q) {
			return true
		}
		for _, tok := range tokens(v) {
			if strings.HasPrefix(tok, q) {
				return true
			}
		}
	}
	return false
}

func tokens(v string) []string {
	return strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func (s *Server) matchFilter(t *objectType, id string, props map[string]string, f filter) bool {
	if rest, ok := strings.CutPrefix(f.PropertyName, "associations."); ok {
		to := lookupType(rest)
		if to == nil {
			return false
		}
		linked := func(v flexString) bool { return len(s.assocs[assocKey{t.name, id, to.name, string(v)}]) > 0 }
		switch f.Operator {
		case "EQ":
			return linked(f.Value)
		case "IN":
			return slices.ContainsFunc(f.Values, linked)
		case "NEQ":
			return !linked(f.Value)
		}
		return false
	}
	def := s.def(t, f.PropertyName)
	v, has := props[f.PropertyName]
	if has && v == "" {
		has = false
	}
	value := string(f.Value)
	switch f.Operator {
	case "HAS_PROPERTY":
		return has
	case "NOT_HAS_PROPERTY":
		return !has
	case "EQ":
		return has && equalValue(def, v, value)
	case "NEQ":
		return !has || !equalValue(def, v, value)
	case "IN", "NOT_IN":
		in := false
		for _, x := range f.Values {
			in = in || (has && inValue(def, v, string(x)))
		}
		if f.Operator == "IN" {
			return in
		}
		return !in
	case "LT", "LTE", "GT", "GTE":
		if !has {
			return false
		}
		c, ok := compareTo(def, v, value)
		if !ok {
			return false
		}
		switch f.Operator {
		case "LT":
			return c < 0
		case "LTE":
			return c <= 0
		case "GT":
			return c > 0
		}
		return c >= 0
	case "BETWEEN":
		if !has {
			return false
		}
		lo, ok1 := compareTo(def, v, value)
		hi, ok2 := compareTo(def, v, string(f.HighValue))
		return ok1 && ok2 && lo >= 0 && hi <= 0
	case "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		found := has && containsToken(v, value)
		if f.Operator == "CONTAINS_TOKEN" {
			return found
		}
		return !found
	}
	return false
}

// kind is how a property's values compare.
func kind(def *Property) string {
	if def == nil {
		return "string"
	}
	switch def.Type {
	case "number":
		return "number"
	case "date", "datetime":
		return "time"
	case "enumeration", "bool":
		return "exact"
	}
	return "string"
}

// numeric turns a stored or filter value into a number: dates and
// date-times become epoch milliseconds.
func numeric(def *Property, v string) (float64, bool) {
	switch kind(def) {
	case "number":
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	case "time":
		t, ok := parseDateTime(v)
		if !ok {
			return 0, false
		}
		return float64(t.UnixMilli()), true
	}
	return 0, false
}

func equalValue(def *Property, stored, value string) bool {
	switch kind(def) {
	case "number", "time":
		a, ok1 := numeric(def, stored)
		b, ok2 := numeric(def, value)
		return ok1 && ok2 && a == b
	case "exact":
		return stored == value
	}
	return strings.EqualFold(stored, value)
}

// inValue is IN's comparison: on string properties HubSpot matches only
// lowercase values (pitfall in DOC-search), so the value is not folded.
func inValue(def *Property, stored, value string) bool {
	if kind(def) == "string" {
		return strings.ToLower(stored) == value
	}
	return equalValue(def, stored, value)
}

// compareTo compares a stored value with a filter value.
func compareTo(def *Property, stored, value string) (int, bool) {
	switch kind(def) {
	case "number", "time":
		a, ok1 := numeric(def, stored)
		b, ok2 := numeric(def, value)
		if !ok1 || !ok2 {
			return 0, false
		}
		return cmp.Compare(a, b), true
	}
	return strings.Compare(strings.ToLower(stored), strings.ToLower(value)), true
}

// compareValues orders two stored values for sorting; missing values go last.
func compareValues(def *Property, a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	if c, ok := compareTo(def, a, b); ok {
		return c
	}
	return strings.Compare(a, b)
}

// containsToken matches a token pattern ("*" is a wildcard) against the
// whole value or one of its words, case-insensitively.
func containsToken(stored, pattern string) bool {
	pattern = strings.ToLower(pattern)
	lower := strings.ToLower(stored)
	candidates := append([]string{lower}, tokens(lower)...)
	for _, c := range candidates {
		if ok, _ := path.Match(pattern, c); ok {
			return true
		}
	}
	return false
}
