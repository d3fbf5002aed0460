package hubspottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Input limits of object batch endpoints; batch reads asking for property
// histories take fewer (pitfall P14). The histories themselves are not kept.
const (
	maxBatch        = 100
	maxHistoryBatch = 50
)

// propValues are property values on input: HubSpot takes strings, and
// numbers, booleans and null too.
type propValues map[string]string

func (p *propValues) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(propValues, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		switch {
		case bytes.Equal(v, []byte("null")):
			out[k] = ""
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			out[k] = s
		case len(v) > 0 && (v[0] == '{' || v[0] == '['):
			return fmt.Errorf("property %s: value must be a string, a number or a boolean", k)
		default:
			out[k] = string(v)
		}
	}
	*p = out
	return nil
}

type assocInput struct {
	To struct {
		ID string `json:"id"`
	} `json:"to"`
	Types []assocSpec `json:"types"`
}

type assocSpec struct {
	AssociationCategory string `json:"associationCategory"`
	AssociationTypeID   int    `json:"associationTypeId"`
}

// objectInput is one input of create, update, upsert and their batch forms.
type objectInput struct {
	ID                 string       `json:"id"`
	IDProperty         string       `json:"idProperty"`
	Properties         propValues   `json:"properties"`
	Associations       []assocInput `json:"associations"`
	ObjectWriteTraceID string       `json:"objectWriteTraceId"`
}

// wireObject is SimplePublicObject (and its variants) on output.
type wireObject struct {
	ID                 string                       `json:"id"`
	Properties         map[string]*string           `json:"properties"`
	CreatedAt          string                       `json:"createdAt"`
	UpdatedAt          string                       `json:"updatedAt"`
	Archived           bool                         `json:"archived"`
	ArchivedAt         string                       `json:"archivedAt,omitempty"`
	New                *bool                        `json:"new,omitempty"`
	ObjectWriteTraceID string                       `json:"objectWriteTraceId,omitempty"`
	Associations       map[string]*associatedIDList `json:"associations,omitempty"`
	// PropertiesWithHistory answers propertiesWithHistory on reads.
	PropertiesWithHistory map[string][]valueWithTimestamp `json:"propertiesWithHistory,omitempty"`
}

type associatedIDList struct {
	Results []associatedID `json:"results"`
	Paging  *assocPaging   `json:"paging,omitempty"`
}

type assocPaging struct {
	Next assocNext `json:"next"`
}

type assocNext struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}

type associatedID struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// batchResponse is the envelope of object batch answers.
type batchResponse struct {
	Status      string          `json:"status"`
	Results     []any           `json:"results"`
	NumErrors   int             `json:"numErrors,omitempty"`
	Errors      []standardError `json:"errors,omitempty"`
	RequestedAt string          `json:"requestedAt,omitempty"`
	StartedAt   string          `json:"startedAt"`
	CompletedAt string          `json:"completedAt"`
}

func (s *Server) newBatch(now time.Time) *batchResponse {
	ts := formatTime(now)
	return &batchResponse{Status: "COMPLETE", Results: []any{}, StartedAt: ts, CompletedAt: ts}
}

// answer writes a batch answer: okStatus, or 207 when some inputs failed.
func (b *batchResponse) answer(w http.ResponseWriter, okStatus int) {
	b.NumErrors = len(b.Errors)
	if b.NumErrors > 0 {
		okStatus = http.StatusMultiStatus
	}
	writeJSON(w, okStatus, b)
}

// view renders a record with the requested properties: names == nil means
// the type's defaults, all means every set property. Requested properties
// without a value are null, as in HubSpot (unless OmitNullProperties).
func (s *Server) view(t *objectType, rec *record, props map[string]string, names []string, all bool) *wireObject {
	o := &wireObject{ID: rec.id, Properties: map[string]*string{}, CreatedAt: formatTime(rec.createdAt),
		UpdatedAt: formatTime(rec.updatedAt), Archived: rec.archived}
	if rec.archived {
		o.ArchivedAt = formatTime(rec.archivedAt)
	}
	if props == nil {
		props = rec.props
	}
	if all {
		for k, v := range props {
			o.Properties[k] = &v
		}
		return o
	}
	if names == nil {
		names = t.defaults
	}
	for _, n := range names {
		if v, ok := props[n]; ok {
			o.Properties[n] = &v
		} else if s.def(t, n) != nil && !s.opts.OmitNullProperties {
			o.Properties[n] = nil
		}
	}
	return o
}

// listParam reads a multi-valued query parameter (repeated or comma-separated).
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func boolParam(q url.Values, name string) (bool, *apiError) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, validationError("Invalid value for query parameter %s: %q is not a boolean", name, v)
	}
	return b, nil
}

// decode reads a JSON body.
func decode(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return validationError("Invalid input JSON: %v", err)
	}
	return nil
}

// maxInlineAssoc is how many associations of one type a read returns
// inline per record; past it the list carries paging.next, and the rest
// comes from the associations API (HubSpot's changelog "Announcing a change
// to how v3 CRM APIs return association data": more than 100 are paged).
const maxInlineAssoc = 100

// withAssociations adds the associations=... of a read to an object: at
// most maxInlineAssoc per type, with paging past them. Types that do not
// exist are ignored, as the spec says.
func (s *Server) withAssociations(r *http.Request, o *wireObject, t *objectType, id string, toTypes []string) {
	for _, name := range toTypes {
		to := lookupType(name)
		if to == nil {
			continue
		}
		list := &associatedIDList{}
		targets := s.sortedTargets(t, id, to)
		for i, target := range targets {
			typeIDs := slices.Sorted(maps.Keys(s.assocs[assocKey{t.name, id, to.name, target}]))
			if len(list.Results)+len(typeIDs) > maxInlineAssoc {
				// The rest is paged; after counts records, as the
				// associations API it links to pages them.
				after := strconv.Itoa(i)
				link := (&url.URL{Scheme: schemeOf(r), Host: r.Host, Path: "/crm/v4/objects/" + t.name + "/" + id + "/associations/" + to.name,
					RawQuery: url.Values{"after": {after}}.Encode()}).String()
				list.Paging = &assocPaging{Next: assocNext{After: after, Link: link}}
				break
			}
			for _, typeID := range typeIDs {
				a, _ := findAssocType(t.name, to.name, typeID)
				list.Results = append(list.Results, associatedID{ID: target, Type: a.v3Name()})
			}
		}
		if len(list.Results) == 0 && list.Paging == nil {
			continue
		}
		if o.Associations == nil {
			o.Associations = map[string]*associatedIDList{}
		}
		o.Associations[to.name] = list
	}
}

func schemeOf(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func (s *Server) listObjects(w http.ResponseWriter, r *http.Request, p params) *apiError {
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return validationError("limit must be a number between 1 and 100, got %q", v)
		}
		limit = n
	}
	archived, err := boolParam(q, "archived")
	if err != nil {
		return err
	}
	var names []string
	if q.Has("properties") {
		names = listParam(q, "properties")
	}
	history := listParam(q, "propertiesWithHistory")
	if len(history) > 0 {
		limit = min(limit, maxHistoryPage)
	}
	after := q.Get("after")
	var page []*record
	var next string
	all := s.sorted(p.typ)
	start := 0
	if after != "" {
		start, _ = slices.BinarySearchFunc(all, after, func(r *record, id string) int { return compareIDs(r.id, id) })
	}
	for _, rec := range all[start:] {
		if rec.archived != archived {
			continue
		}
		if len(page) == limit {
			next = rec.id
			break
		}
		page = append(page, rec)
	}
	results := []*wireObject{}
	for _, rec := range page {
		o := s.view(p.typ, rec, nil, names, false)
		s.withAssociations(r, o, p.typ, rec.id, listParam(q, "associations"))
		s.withHistory(o, rec, history)
		results = append(results, o)
	}
	body := map[string]any{"results": results}
	if next != "" {
		q.Set("after", next)
		// HubSpot links to api.hubapi.com; the fake links to itself so that
		// following the link stays inside the test.
		link := (&url.URL{Scheme: schemeOf(r), Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}).String()
		body["paging"] = map[string]any{"next": map[string]string{"after": next, "link": link}}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// lookup finds a record by id or by a unique idProperty.
func (s *Server) lookup(t *objectType, id, idProperty string) (*record, *apiError) {
	if idProperty == "" || idProperty == "hs_object_id" {
		return s.objects[t.name][id], nil
	}
	if err := s.checkIDProperty(t, idProperty, true); err != nil {
		return nil, err
	}
	if idProperty == "email" {
		id = strings.ToLower(id)
	}
	return s.findBy(t, idProperty, id), nil
}

// checkIDProperty checks that a property may serve as idProperty.
func (s *Server) checkIDProperty(t *objectType, name string, emailOK bool) *apiError {
	p := s.def(t, name)
	if p == nil {
		return propertyErrors(s.opts.PortalID, []propertyError{{Name: name, Code: "PROPERTY_DOESNT_EXIST", Message: fmt.Sprintf("Property \"%s\" does not exist", name)}})
	}
	if p.HasUniqueValue || (emailOK && t.name == "contacts" && name == "email") {
		return nil
	}
	return validationError("Unable to perform update/upsert by non-unique %s property: %s", t.id, name)
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request, p params) *apiError {
	q := r.URL.Query()
	archived, err := boolParam(q, "archived")
	if err != nil {
		return err
	}
	rec, err := s.lookup(p.typ, p.id, q.Get("idProperty"))
	if err != nil {
		return err
	}
	if rec == nil || rec.archived != archived {
		return notFound()
	}
	var names []string
	if q.Has("properties") {
		names = listParam(q, "properties")
	}
	o := s.view(p.typ, rec, nil, names, false)
	s.withAssociations(r, o, p.typ, rec.id, listParam(q, "associations"))
	s.withHistory(o, rec, listParam(q, "propertiesWithHistory"))
	writeJSON(w, http.StatusOK, o)
	return nil
}

// checkAssociations validates inline associations of a create.
func (s *Server) checkAssociations(t *objectType, in []assocInput) ([]assocType, []string, *apiError) {
	var types []assocType
	var ids []string
	for _, a := range in {
		if len(a.Types) == 0 {
			return nil, nil, validationError("Association to %s has no types", a.To.ID)
		}
		for _, spec := range a.Types {
			at, err := s.assocTypeFor(t.name, "", spec)
			if err != nil {
				return nil, nil, err
			}
			if s.objects[at.to][a.To.ID] == nil || s.objects[at.to][a.To.ID].archived {
				return nil, nil, validationError("%s=%s is not valid", lookupType(at.to).upper, a.To.ID)
			}
			types = append(types, at)
			ids = append(ids, a.To.ID)
		}
	}
	return types, ids, nil
}

// assocTypeFor finds a HubSpot-defined type from one type (to any type when
// to is "").
func (s *Server) assocTypeFor(from, to string, spec assocSpec) (assocType, *apiError) {
	if spec.AssociationCategory != "HUBSPOT_DEFINED" {
		return assocType{}, validationError("associationCategory %q with associationTypeId %d is not defined in this account; only HUBSPOT_DEFINED types exist", spec.AssociationCategory, spec.AssociationTypeID)
	}
	for _, a := range assocTypes {
		if a.from == from && (to == "" || a.to == to) && a.id == spec.AssociationTypeID {
			return a, nil
		}
	}
	if to == "" {
		return assocType{}, validationError("%d is not a valid association type id from %s", spec.AssociationTypeID, from)
	}
	return assocType{}, validationError("%d is not a valid association type id from %s to %s", spec.AssociationTypeID, from, to)
}

// prepared is a checked create input.
type prepared struct {
	props  map[string]string
	types  []assocType
	to     []string
	trace  string
	failed *apiError
}

// prepareCreate validates one create input.
func (s *Server) prepareCreate(t *objectType, in objectInput, u *uniqueness) prepared {
	props, errs := s.checkProps(t, in.Properties, false)
	errs = append(errs, s.checkStage(t, nil, props)...)
	pr := prepared{props: props, trace: in.ObjectWriteTraceID}
	if len(errs) > 0 {
		pr.failed = propertyErrors(s.opts.PortalID, errs)
		return pr
	}
	if pr.failed = s.inheritProduct(t, props); pr.failed != nil {
		return pr
	}
	if prop, other, taken := s.conflict(t, props, "", u); taken {
		pr.failed = s.conflictError(t, prop, other, props[prop])
		return pr
	}
	pr.types, pr.to, pr.failed = s.checkAssociations(t, in.Associations)
	return pr
}

func (s *Server) commitCreate(t *objectType, pr prepared, now time.Time) *record {
	rec := s.insert(t, "", pr.props, now)
	for i, at := range pr.types {
		s.associate(at, rec.id, pr.to[i])
	}
	return rec
}

func (s *Server) createObject(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in objectInput
	if err := decode(r, &in); err != nil {
		return err
	}
	pr := s.prepareCreate(p.typ, in, nil)
	if pr.failed != nil {
		return pr.failed
	}
	rec := s.commitCreate(p.typ, pr, s.now())
	writeJSON(w, http.StatusCreated, s.view(p.typ, rec, nil, nil, true))
	return nil
}

func (s *Server) updateObject(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in objectInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rec, err := s.lookup(p.typ, p.id, r.URL.Query().Get("idProperty"))
	if err != nil {
		return err
	}
	if rec == nil || rec.archived {
		return notFound()
	}
	props, errs := s.checkProps(p.typ, in.Properties, false)
	errs = append(errs, s.checkStage(p.typ, rec.props, props)...)
	if len(errs) > 0 {
		return propertyErrors(s.opts.PortalID, errs)
	}
	if prop, other, taken := s.conflict(p.typ, props, rec.id, nil); taken {
		return s.conflictError(p.typ, prop, other, props[prop])
	}
	s.change(p.typ, rec, props, s.now())
	writeJSON(w, http.StatusOK, s.view(p.typ, rec, nil, nil, true))
	return nil
}

func (s *Server) archiveObject(w http.ResponseWriter, r *http.Request, p params) *apiError {
	if rec := s.objects[p.typ.name][p.id]; rec != nil {
		s.archive(rec, s.now())
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// batchInput is the body of object batch endpoints.
type batchInput struct {
	Inputs                []objectInput `json:"inputs"`
	Properties            []string      `json:"properties"`
	PropertiesWithHistory []string      `json:"propertiesWithHistory"`
	IDProperty            string        `json:"idProperty"`
}

func decodeBatch(r *http.Request, in *batchInput) *apiError {
	if err := decode(r, in); err != nil {
		return err
	}
	if len(in.Inputs) > maxBatch {
		return validationError("Batch input limit exceeded: %d inputs were sent; the limit is %d", len(in.Inputs), maxBatch)
	}
	return nil
}

// duplicates returns the ids that occur twice, or nil.
func duplicates(ids []string) []string {
	seen := map[string]int{}
	var dup []string
	for _, id := range ids {
		seen[id]++
		if seen[id] == 2 {
			dup = append(dup, id)
		}
	}
	return dup
}

func duplicateError(dup []string) *apiError {
	return validationError("Duplicate IDs found in batch input: [%s]. IDs must be unique", strings.Join(dup, ", "))
}

func (s *Server) notFoundError(t *objectType, ids []string) standardError {
	return standardError{Status: "error", Category: "OBJECT_NOT_FOUND",
		Message: fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", t.upper),
		Context: map[string][]string{"ids": ids}, Errors: []errorDetail{}, Links: map[string]string{}}
}

func (s *Server) batchRead(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in batchInput
	if err := decodeBatch(r, &in); err != nil {
		return err
	}
	if len(in.PropertiesWithHistory) > 0 && len(in.Inputs) > maxHistoryBatch {
		return validationError("The maximum number of inputs supported in a batch request for property histories is %d", maxHistoryBatch)
	}
	archived, err := boolParam(r.URL.Query(), "archived")
	if err != nil {
		return err
	}
	names := in.Properties
	if len(names) == 0 {
		names = nil
	}
	b := s.newBatch(s.now())
	var missing []string
	seen := map[string]bool{}
	for _, input := range in.Inputs {
		if seen[input.ID] {
			continue
		}
		seen[input.ID] = true
		rec, err := s.lookup(p.typ, input.ID, in.IDProperty)
		if err != nil {
			return err
		}
		if rec == nil || rec.archived != archived {
			missing = append(missing, input.ID)
			continue
		}
		o := s.view(p.typ, rec, nil, names, false)
		s.withHistory(o, rec, in.PropertiesWithHistory)
		b.Results = append(b.Results, o)
	}
	if len(missing) > 0 {
		b.Errors = append(b.Errors, s.notFoundError(p.typ, missing))
	}
	b.answer(w, http.StatusOK)
	return nil
}

func (s *Server) batchCreate(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in batchInput
	if err := decodeBatch(r, &in); err != nil {
		return err
	}
	// With an objectWriteTraceId on every input HubSpot reports failures per
	// input (207); otherwise the first failure rejects the whole batch.
	traced := len(in.Inputs) > 0
	for _, input := range in.Inputs {
		traced = traced && input.ObjectWriteTraceID != ""
	}
	u := &uniqueness{claimed: map[string]string{}}
	var ok []prepared
	b := s.newBatch(s.now())
	for _, input := range in.Inputs {
		pr := s.prepareCreate(p.typ, input, u)
		if pr.failed == nil {
			ok = append(ok, pr)
			continue
		}
		if !traced {
			return pr.failed
		}
		b.Errors = append(b.Errors, standardError{Status: "error", Category: pr.failed.Category, Message: pr.failed.Message,
			Context: map[string][]string{"objectWriteTraceId": {pr.trace}}, Errors: detailsOrEmpty(pr.failed.Errors), Links: map[string]string{}})
	}
	now := s.now()
	for _, pr := range ok {
		o := s.view(p.typ, s.commitCreate(p.typ, pr, now), nil, nil, true)
		o.ObjectWriteTraceID = pr.trace
		b.Results = append(b.Results, o)
	}
	b.answer(w, http.StatusCreated)
	return nil
}

func detailsOrEmpty(d []errorDetail) []errorDetail {
	if d == nil {
		return []errorDetail{}
	}
	return d
}

func (s *Server) batchUpdate(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in batchInput
	if err := decodeBatch(r, &in); err != nil {
		return err
	}
	ids := make([]string, 0, len(in.Inputs))
	for _, input := range in.Inputs {
		if input.IDProperty != "" {
			if err := s.checkIDProperty(p.typ, input.IDProperty, false); err != nil {
				return err
			}
		}
		ids = append(ids, input.IDProperty+"\x00"+input.ID)
	}
	if dup := duplicates(ids); dup != nil {
		for i := range dup {
			_, dup[i], _ = strings.Cut(dup[i], "\x00")
		}
		return duplicateError(dup)
	}
	type change struct {
		rec   *record
		props map[string]string
		trace string
	}
	var changes []change
	var missing []string
	u := &uniqueness{claimed: map[string]string{}}
	for _, input := range in.Inputs {
		rec, err := s.lookup(p.typ, input.ID, input.IDProperty)
		if err != nil {
			return err
		}
		props, errs := s.checkProps(p.typ, input.Properties, false)
		if rec != nil && !rec.archived {
			errs = append(errs, s.checkStage(p.typ, rec.props, props)...)
		}
		if len(errs) > 0 {
			return propertyErrors(s.opts.PortalID, errs)
		}
		if rec == nil || rec.archived {
			missing = append(missing, input.ID)
			continue
		}
		if prop, other, taken := s.conflict(p.typ, props, rec.id, u); taken {
			return s.conflictError(p.typ, prop, other, props[prop])
		}
		changes = append(changes, change{rec, props, input.ObjectWriteTraceID})
	}
	now := s.now()
	b := s.newBatch(now)
	for _, c := range changes {
		s.change(p.typ, c.rec, c.props, now)
		o := s.view(p.typ, c.rec, nil, nil, true)
		o.ObjectWriteTraceID = c.trace
		b.Results = append(b.Results, o)
	}
	if len(missing) > 0 {
		b.Errors = append(b.Errors, s.notFoundError(p.typ, missing))
	}
	b.answer(w, http.StatusOK)
	return nil
}

func (s *Server) batchUpsert(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in batchInput
	if err := decodeBatch(r, &in); err != nil {
		return err
	}
	ids := make([]string, 0, len(in.Inputs))
	for i, input := range in.Inputs {
		if input.IDProperty == "" {
			return validationError("inputs[%d]: idProperty is required for upsert: name email (contacts) or a property with hasUniqueValue", i)
		}
		if err := s.checkIDProperty(p.typ, input.IDProperty, true); err != nil {
			return err
		}
		id := input.ID
		if input.IDProperty == "email" {
			id = strings.ToLower(id)
		}
		ids = append(ids, id)
	}
	if dup := duplicates(ids); dup != nil {
		return duplicateError(dup)
	}
	type change struct {
		rec   *record // nil = create
		props map[string]string
		trace string
	}
	var changes []change
	u := &uniqueness{claimed: map[string]string{}}
	for _, input := range in.Inputs {
		values := maps.Clone(input.Properties)
		if values == nil {
			values = propValues{}
		}
		if v, ok := values[input.IDProperty]; !ok || v == "" {
			values[input.IDProperty] = input.ID
		}
		props, errs := s.checkProps(p.typ, values, false)
		if len(errs) > 0 {
			return propertyErrors(s.opts.PortalID, errs)
		}
		rec, err := s.lookup(p.typ, input.ID, input.IDProperty)
		if err != nil {
			return err
		}
		self := ""
		var current map[string]string
		if rec != nil {
			self, current = rec.id, rec.props
		}
		if errs := s.checkStage(p.typ, current, props); len(errs) > 0 {
			return propertyErrors(s.opts.PortalID, errs)
		}
		if rec == nil {
			if err := s.inheritProduct(p.typ, props); err != nil {
				return err
			}
		}
		if prop, other, taken := s.conflict(p.typ, props, self, u); taken {
			return s.conflictError(p.typ, prop, other, props[prop])
		}
		changes = append(changes, change{rec, props, input.ObjectWriteTraceID})
	}
	now := s.now()
	b := s.newBatch(now)
	for _, c := range changes {
		created := c.rec == nil
		rec := c.rec
		if created {
			rec = s.insert(p.typ, "", c.props, now)
		} else {
			s.change(p.typ, rec, c.props, now)
		}
		o := s.view(p.typ, rec, nil, nil, true)
		o.New = &created
		o.ObjectWriteTraceID = c.trace
		b.Results = append(b.Results, o)
	}
	b.answer(w, http.StatusOK)
	return nil
}

func (s *Server) batchArchive(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in batchInput
	if err := decodeBatch(r, &in); err != nil {
		return err
	}
	now := s.now()
	for _, input := range in.Inputs {
		if rec := s.objects[p.typ.name][input.ID]; rec != nil {
			s.archive(rec, now)
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
