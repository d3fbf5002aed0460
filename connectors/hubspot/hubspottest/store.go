package hubspottest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Object is a stored record, as tests inspect it.
type Object struct {
	ID         string
	Properties map[string]string // set values only
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Archived   bool
}

// record is a stored object.
type record struct {
	typ        string // object type name
	id         string
	props      map[string]string
	createdAt  time.Time
	updatedAt  time.Time
	archived   bool
	archivedAt time.Time
	// versions feed search: search sees the newest version written at least
	// SearchIndexDelay ago.
	versions []version
	// history is every value each property had, oldest first.
	history map[string][]valueWithTimestamp
}

type version struct {
	at       time.Time
	props    map[string]string
	archived bool
}

// assocKey is one directed pair of records.
type assocKey struct {
	from, fromID, to, toID string
}

// Object returns the stored properties of a record (archived ones too).
func (s *Server) Object(objectType, id string) (map[string]string, bool) {
	t := lookupType(objectType)
	if t == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.objects[t.name][id]
	if !ok {
		return nil, false
	}
	return maps.Clone(rec.props), true
}

// Objects returns the records of a type sorted by id, archived ones included.
func (s *Server) Objects(objectType string) []Object {
	t := lookupType(objectType)
	if t == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Object
	for _, rec := range s.sorted(t) {
		out = append(out, Object{ID: rec.id, Properties: maps.Clone(rec.props), CreatedAt: rec.createdAt,
			UpdatedAt: rec.updatedAt, Archived: rec.archived})
	}
	return out
}

// Associations returns the association type ids from one record to another.
func (s *Server) Associations(fromType, fromID, toType, toID string) []int {
	f, t := lookupType(fromType), lookupType(toType)
	if f == nil || t == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.assocs[assocKey{f.name, fromID, t.name, toID}]))
}

// sorted returns the records of a type in id order (numeric ids first);
// callers must not modify the slice.
func (s *Server) sorted(t *objectType) []*record {
	return s.order[t.name]
}

func compareIDs(a, b string) int {
	ai, aerr := strconv.ParseInt(a, 10, 64)
	bi, berr := strconv.ParseInt(b, 10, 64)
	switch {
	case aerr == nil && berr == nil:
		return int(ai - bi)
	case aerr == nil:
		return -1
	case berr == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// def returns a live property definition.
func (s *Server) def(t *objectType, name string) *Property {
	p := s.props[t.name][name]
	if p == nil || p.Archived {
		return nil
	}
	return p
}

// checkProps validates input values and returns them normalized. Seeds may
// set read-only values.
func (s *Server) checkProps(t *objectType, in map[string]string, seed bool) (map[string]string, []propertyError) {
	out := make(map[string]string, len(in))
	var errs []propertyError
	for _, name := range slices.Sorted(maps.Keys(in)) {
		v := in[name]
		p := s.def(t, name)
		if p == nil {
			msg := fmt.Sprintf("Property \"%s\" does not exist", name)
			errs = append(errs, propertyError{Name: name, Code: "PROPERTY_DOESNT_EXIST", Message: msg})
			continue
		}
		if p.readOnly() && !seed {
			msg := fmt.Sprintf("\"%s\" is a read only property; its value cannot be set.", name)
			errs = append(errs, propertyError{Name: name, Code: "READ_ONLY_VALUE", Message: msg, Value: v})
			continue
		}
		nv, perr := normalizeValue(p, v)
		if perr != nil {
			errs = append(errs, *perr)
			continue
		}
		out[name] = nv
	}
	return out, errs
}

// uniqueProps are the properties of t whose values must be unique.
func (s *Server) uniqueProps(t *objectType) []string {
	var out []string
	for name, p := range s.props[t.name] {
		if !p.Archived && (p.HasUniqueValue || (t.name == "contacts" && name == "email")) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// findBy returns the live record whose property equals value (emails
// compare case-insensitively).
func (s *Server) findBy(t *objectType, prop, value string) *record {
	if value == "" {
		return nil
	}
	for _, rec := range s.withValue(t, prop, value) {
		if rec.archived {
			continue
		}
		v, ok := rec.props[prop]
		if ok && (v == value || (prop == "email" && strings.EqualFold(v, value))) {
			return rec
		}
	}
	return nil
}

// uniqueness tracks unique values claimed while one request is checked, so
// that two inputs of one batch cannot take the same value.
type uniqueness struct {
	claimed map[string]string // prop + "\x00" + value -> claimer ("" = new record)
}

// conflict returns the first unique property whose new value is taken by
// another record (stored, or claimed earlier in the same request).
func (s *Server) conflict(t *objectType, props map[string]string, self string, u *uniqueness) (prop, other string, found bool) {
	for _, name := range s.uniqueProps(t) {
		v, ok := props[name]
		if !ok || v == "" {
			continue
		}
		if name == "email" {
			v = strings.ToLower(v)
		}
		if rec := s.findBy(t, name, v); rec != nil && rec.id != self {
			return name, rec.id, true
		}
		if u != nil {
			key := name + "\x00" + v
			if by, taken := u.claimed[key]; taken && (by != self || self == "") {
				return name, by, true
			}
			u.claimed[key] = self
		}
	}
	return "", "", false
}

// conflictError is HubSpot's answer for a taken unique value.
func (s *Server) conflictError(t *objectType, prop, other, value string) *apiError {
	if prop == "email" {
		if other == "" {
			// Two new contacts of one batch with the same email.
			return newError(409, "CONFLICT", "Contact already exists: the email %s is used by more than one input of this batch", value)
		}
		return newError(409, "CONFLICT", "Contact already exists. Existing ID: %s", other)
	}
	if other == "" {
		other = "another input of this batch"
	}
	msg := fmt.Sprintf("Cannot set PropertyValueCoordinates{portalId=%d, objectTypeId=%s, propertyName=%s, value=%s} on new object. %s already has that value.",
		s.opts.PortalID, t.id, prop, value, other)
	return propertyErrors(s.opts.PortalID, []propertyError{{Name: prop, Code: "INVALID_UNIQUE_VALUE", Message: msg, Value: value}})
}

// insert stores a new record.
func (s *Server) insert(t *objectType, id string, props map[string]string, now time.Time) *record {
	if id == "" {
		id = strconv.FormatInt(s.nextID, 10)
		s.nextID++
	}
	rec := &record{typ: t.name, id: id, props: map[string]string{}, createdAt: now}
	if _, ok := props[t.created]; !ok {
		rec.props[t.created] = formatTime(now)
	}
	rec.props["hs_createdate"] = formatTime(now)
	if t.name == "deals" && props["pipeline"] == "" {
		rec.props["pipeline"] = "default"
	}
	s.objects[t.name][id] = rec
	s.addOrdered(t, rec)
	s.change(t, rec, props, now)
	return rec
}

// change applies values ("" clears) and bumps the modification date.
func (s *Server) change(t *objectType, rec *record, props map[string]string, now time.Time) {
	before := maps.Clone(rec.props)
	for k, v := range props {
		if v == "" {
			delete(rec.props, k)
			continue
		}
		rec.props[k] = v
	}
	rec.props["hs_object_id"] = rec.id
	rec.props[t.modified] = formatTime(now)
	if t.name == "line_items" {
		derive(rec.props)
	}
	rec.updatedAt = now
	recordHistory(rec, before, props, sourceAPI, now)
	s.snapshot(rec, now)
}

// archive moves a record to the recycle bin.
func (s *Server) archive(rec *record, now time.Time) {
	if rec.archived {
		return
	}
	rec.archived, rec.archivedAt, rec.updatedAt = true, now, now
	s.snapshot(rec, now)
}

// snapshot records a version for search, keeping only the versions search
// may still need.
func (s *Server) snapshot(rec *record, now time.Time) {
	rec.versions = append(rec.versions, version{at: now, props: maps.Clone(rec.props), archived: rec.archived})
	cutoff := now.Add(-s.opts.SearchIndexDelay)
	keep := 0
	for i, v := range rec.versions {
		if !v.at.After(cutoff) {
			keep = i
		}
	}
	dropped := slices.Clone(rec.versions[:keep])
	rec.versions = rec.versions[keep:]
	s.indexValues(rec, rec.props)
	s.unindexDropped(rec, dropped)
}

// indexed returns the version search sees, if any.
func (s *Server) indexed(rec *record, now time.Time) (version, bool) {
	cutoff := now.Add(-s.opts.SearchIndexDelay)
	for i := len(rec.versions) - 1; i >= 0; i-- {
		if !rec.versions[i].at.After(cutoff) {
			return rec.versions[i], true
		}
	}
	return version{}, false
}

// derive computes the calculated line-item amounts.
func derive(p map[string]string) {
	num := func(k string) (float64, bool) {
		f, err := strconv.ParseFloat(p[k], 64)
		return f, err == nil
	}
	price, okp := num("price")
	qty, okq := num("quantity")
	if !okp {
		for _, k := range []string{"amount", "hs_pre_discount_amount", "hs_total_discount", "hs_post_tax_amount"} {
			delete(p, k)
		}
		return
	}
	if !okq {
		qty = 1
	}
	pre := price * qty
	disc := 0.0
	if d, ok := num("discount"); ok {
		disc = d * qty
	} else if pct, ok := num("hs_discount_percentage"); ok {
		disc = pre * pct / 100
	}
	f := func(v float64) string { return strconv.FormatFloat(round2(v), 'f', -1, 64) }
	p["hs_pre_discount_amount"] = f(pre)
	p["hs_total_discount"] = f(disc)
	p["amount"] = f(pre - disc)
	if tax, ok := num("hs_tax_amount"); ok {
		p["hs_post_tax_amount"] = f(pre - disc + tax)
	} else {
		delete(p, "hs_post_tax_amount")
	}
}

func round2(v float64) float64 {
	return float64(int64(v*100+copysign(0.5, v))) / 100
}

func copysign(a, b float64) float64 {
	if b < 0 {
		return -a
	}
	return a
}

// seedFile is the JSON Seed reads.
type seedFile struct {
	Properties map[string][]Property `json:"properties"`
	Objects    map[string][]struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
		Archived   bool              `json:"archived"`
		CreatedAt  time.Time         `json:"createdAt"`
		UpdatedAt  time.Time         `json:"updatedAt"`
	} `json:"objects"`
	Associations []struct {
		From   string `json:"from"`
		To     string `json:"to"`
		TypeID int    `json:"typeId"`
	} `json:"associations"`
}

// Seed loads property definitions, records and associations (see the
// package documentation for the format). Records are validated like API
// writes, except that read-only properties may be set.
func (s *Server) Seed(r io.Reader) error {
	var f seedFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("hubspottest: seed: decode: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, typ := range slices.Sorted(maps.Keys(f.Properties)) {
		t := lookupType(typ)
		if t == nil {
			return fmt.Errorf("hubspottest: seed: properties: unknown object type %q", typ)
		}
		for i := range f.Properties[typ] {
			p := f.Properties[typ][i]
			if p.GroupName != "" && !slices.ContainsFunc(s.groups[t.name], func(g propertyGroup) bool { return g.Name == p.GroupName }) {
				s.groups[t.name] = append(s.groups[t.name], propertyGroup{Name: p.GroupName, Label: p.GroupName})
			}
			if err := s.addProperty(t, &p, now); err != nil {
				return fmt.Errorf("hubspottest: seed: properties.%s[%d]: %v", typ, i, err.Message)
			}
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(f.Objects)) {
		t := lookupType(typ)
		if t == nil {
			return fmt.Errorf("hubspottest: seed: objects: unknown object type %q", typ)
		}
		for i, o := range f.Objects[typ] {
			where := fmt.Sprintf("objects.%s[%d]", typ, i)
			if _, dup := s.objects[t.name][o.ID]; dup {
				return fmt.Errorf("hubspottest: seed: %s: id %s is used twice", where, o.ID)
			}
			props, errs := s.checkProps(t, o.Properties, true)
			errs = append(errs, s.checkStage(t, nil, props)...)
			if len(errs) > 0 {
				return fmt.Errorf("hubspottest: seed: %s: property %s: %s", where, errs[0].Name, errs[0].Message)
			}
			if prop, other, taken := s.conflict(t, props, o.ID, nil); taken {
				return fmt.Errorf("hubspottest: seed: %s: %s %q is already used by record %s", where, prop, props[prop], other)
			}
			if n, err := strconv.ParseInt(o.ID, 10, 64); err == nil && n >= s.nextID {
				s.nextID = n + 1
			}
			created, updated := now, now
			if !o.CreatedAt.IsZero() {
				created, updated = o.CreatedAt.UTC(), o.CreatedAt.UTC()
			}
			if !o.UpdatedAt.IsZero() {
				updated = o.UpdatedAt.UTC()
			}
			if updated.Before(created) {
				return fmt.Errorf("hubspottest: seed: %s: updatedAt is before createdAt", where)
			}
			rec := s.insert(t, o.ID, props, created)
			if !updated.Equal(created) {
				s.change(t, rec, nil, updated)
			}
			// Seeded values were written before the fake started.
			for _, h := range rec.history {
				for i := range h {
					if h[i].SourceType == sourceAPI {
						h[i].SourceType = sourceImport
					}
				}
			}
			if o.Archived {
				s.archive(rec, updated)
			}
		}
	}
	for i, a := range f.Associations {
		where := fmt.Sprintf("associations[%d]", i)
		ft, fid, ok1 := splitRef(a.From)
		tt, tid, ok2 := splitRef(a.To)
		if !ok1 || !ok2 {
			return fmt.Errorf("hubspottest: seed: %s: from and to must look like \"orders/1\"", where)
		}
		at, ok := findAssocType(ft.name, tt.name, a.TypeID)
		if !ok {
			return fmt.Errorf("hubspottest: seed: %s: %d is not an association type from %s to %s", where, a.TypeID, ft.name, tt.name)
		}
		if s.objects[ft.name][fid] == nil || s.objects[tt.name][tid] == nil {
			return fmt.Errorf("hubspottest: seed: %s: %s or %s does not exist", where, a.From, a.To)
		}
		s.associate(at, fid, tid)
	}
	return nil
}

func splitRef(ref string) (*objectType, string, bool) {
	typ, id, ok := strings.Cut(ref, "/")
	t := lookupType(typ)
	return t, id, ok && t != nil && id != ""
}

// associate links two records with a type, in both directions; a primary
// type brings its unlabelled type along.
func (s *Server) associate(a assocType, fromID, toID string) {
	add := func(k assocKey, id int) {
		if s.assocs[k] == nil {
			s.assocs[k] = map[int]bool{}
		}
		s.assocs[k][id] = true
		s.link(k)
	}
	fwd := assocKey{a.from, fromID, a.to, toID}
	rev := assocKey{a.to, toID, a.from, fromID}
	add(fwd, a.id)
	add(rev, a.reverse)
	if a.label != "" {
		plain, _ := findAssocType(a.from, a.to, a.unlabelled)
		add(fwd, plain.id)
		add(rev, plain.reverse)
	}
}
