package hubspottest

import (
	"maps"
	"slices"
	"strings"
)

// The fake keeps three indexes so that a call costs what it costs HubSpot,
// not a scan of the account: at 10,000 contacts a scan per lookup made the
// fake's CPU, not the rate limit, bound a run.
//
//   - order: the records of each type in id order (lists, full scans);
//   - values: type -> property -> lowercased value -> ids of the records
//     holding that value in any version search may still see (lookups by a
//     unique property, EQ and IN filters);
//   - links: the records one record is associated with, per target type.
//
// The values index may hold a few extra ids (a value that differs only in
// case); every caller checks the candidates it gets, so it only narrows.

// linkKey is one record and a target type.
type linkKey struct {
	from, fromID, to string
}

// indexValues adds the values of one version of rec.
func (s *Server) indexValues(rec *record, props map[string]string) {
	byProp := s.values[rec.typ]
	if byProp == nil {
		byProp = map[string]map[string]map[string]bool{}
		s.values[rec.typ] = byProp
	}
	for name, v := range props {
		if v == "" {
			continue
		}
		byValue := byProp[name]
		if byValue == nil {
			byValue = map[string]map[string]bool{}
			byProp[name] = byValue
		}
		key := strings.ToLower(v)
		if byValue[key] == nil {
			byValue[key] = map[string]bool{}
		}
		byValue[key][rec.id] = true
	}
}

// unindexDropped removes the values of versions search no longer sees,
// unless a version it still sees holds them too.
func (s *Server) unindexDropped(rec *record, dropped []version) {
	for _, d := range dropped {
		for name, v := range d.props {
			key := strings.ToLower(v)
			kept := slices.ContainsFunc(rec.versions, func(k version) bool { return strings.ToLower(k.props[name]) == key })
			if kept {
				continue
			}
			if ids := s.values[rec.typ][name][key]; ids != nil {
				delete(ids, rec.id)
				if len(ids) == 0 {
					delete(s.values[rec.typ][name], key)
				}
			}
		}
	}
}

// withValue returns, in id order, the records that may hold value in prop
// (case-insensitively); callers check each one.
func (s *Server) withValue(t *objectType, prop, value string) []*record {
	ids := s.values[t.name][prop][strings.ToLower(value)]
	return s.records(t, ids)
}

// records resolves a set of ids to records in id order.
func (s *Server) records(t *objectType, ids map[string]bool) []*record {
	out := make([]*record, 0, len(ids))
	for _, id := range slices.SortedFunc(maps.Keys(ids), compareIDs) {
		if rec := s.objects[t.name][id]; rec != nil {
			out = append(out, rec)
		}
	}
	return out
}

// addOrdered puts a new record into its type's id order.
func (s *Server) addOrdered(t *objectType, rec *record) {
	list := s.order[t.name]
	i, _ := slices.BinarySearchFunc(list, rec.id, func(r *record, id string) int { return compareIDs(r.id, id) })
	s.order[t.name] = slices.Insert(list, i, rec)
}

// link and unlinkKey maintain the links index next to s.assocs.
func (s *Server) link(k assocKey) {
	lk := linkKey{k.from, k.fromID, k.to}
	if s.links[lk] == nil {
		s.links[lk] = map[string]bool{}
	}
	s.links[lk][k.toID] = true
}

func (s *Server) unlinkKey(k assocKey) {
	lk := linkKey{k.from, k.fromID, k.to}
	delete(s.links[lk], k.toID)
	if len(s.links[lk]) == 0 {
		delete(s.links, lk)
	}
}

// searchCandidates narrows a search to the records an EQ or IN filter of
// every filter group can match: by the values index, or for
// associations.<type> filters by the links index. ok is false when some
// group has no such filter, and every record has to be looked at.
func (s *Server) searchCandidates(t *objectType, groups []struct {
	Filters []filter `json:"filters"`
}) (candidates []*record, ok bool) {
	if len(groups) == 0 {
		return nil, false
	}
	ids := map[string]bool{}
	for _, g := range groups {
		narrowed := false
		for _, f := range g.Filters {
			if f.Operator != "EQ" && f.Operator != "IN" {
				continue
			}
			values := f.Values
			if f.Operator == "EQ" {
				values = []flexString{f.Value}
			}
			if rest, isAssoc := strings.CutPrefix(f.PropertyName, "associations."); isAssoc {
				to := lookupType(rest)
				if to == nil {
					continue
				}
				for _, v := range values {
					maps.Copy(ids, s.links[linkKey{to.name, string(v), t.name}])
				}
				narrowed = true
				break
			}
			// Numbers and dates compare by value ("1.0" = "1"), which the
			// index of written forms cannot answer.
			if k := kind(s.def(t, f.PropertyName)); k != "string" && k != "exact" {
				continue
			}
			for _, v := range values {
				maps.Copy(ids, s.values[t.name][f.PropertyName][strings.ToLower(string(v))])
			}
			narrowed = true
			break
		}
		if !narrowed {
			return nil, false
		}
	}
	return s.records(t, ids), true
}
