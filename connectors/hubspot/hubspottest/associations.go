package hubspottest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
)

// Association limits (DOC-assoc; SPEC).
const (
	maxAssocRead   = 1000
	maxAssocCreate = 2000
	maxAssocPage   = 500
)

type objectID struct {
	ID string `json:"id"`
}

type assocSpecWithLabel struct {
	Category string `json:"category"`
	TypeID   int    `json:"typeId"`
	Label    string `json:"label,omitempty"`
}

type associatedObject struct {
	ToObjectID       string               `json:"toObjectId"`
	AssociationTypes []assocSpecWithLabel `json:"associationTypes"`
}

type defaultAssociation struct {
	From            objectID  `json:"from"`
	To              objectID  `json:"to"`
	AssociationSpec assocSpec `json:"associationSpec"`
}

type labelsBetween struct {
	FromObjectTypeID string   `json:"fromObjectTypeId"`
	FromObjectID     string   `json:"fromObjectId"`
	ToObjectTypeID   string   `json:"toObjectTypeId"`
	ToObjectID       string   `json:"toObjectId"`
	Labels           []string `json:"labels"`
}

// sortedTargets are the live records of type to linked from one record.
func (s *Server) sortedTargets(t *objectType, id string, to *objectType) []string {
	var out []string
	for _, rec := range s.records(to, s.links[linkKey{t.name, id, to.name}]) {
		if !rec.archived {
			out = append(out, rec.id)
		}
	}
	return out
}

// linked renders the associations from one record to one type.
func (s *Server) linked(t *objectType, id string, to *objectType) []associatedObject {
	var out []associatedObject
	for _, target := range s.sortedTargets(t, id, to) {
		o := associatedObject{ToObjectID: target}
		for _, typeID := range slices.Sorted(maps.Keys(s.assocs[assocKey{t.name, id, to.name, target}])) {
			a, _ := findAssocType(t.name, to.name, typeID)
			o.AssociationTypes = append(o.AssociationTypes, assocSpecWithLabel{Category: "HUBSPOT_DEFINED", TypeID: typeID, Label: a.label})
		}
		out = append(out, o)
	}
	return out
}

// live returns a live record or nil.
func (s *Server) live(t *objectType, id string) *record {
	rec := s.objects[t.name][id]
	if rec == nil || rec.archived {
		return nil
	}
	return rec
}

func (s *Server) bothExist(p params, fromID, toID string) *apiError {
	if s.live(p.typ, fromID) == nil {
		return newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "No %s with id %s exists", p.typ.singular, fromID)
	}
	if s.live(p.to, toID) == nil {
		return newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "No %s with id %s exists", p.to.singular, toID)
	}
	return nil
}

func (s *Server) defaultPair(p params, fromID, toID string) ([]any, *apiError) {
	at, ok := defaultAssocType(p.typ.name, p.to.name)
	if !ok {
		return nil, validationError("%s can not be associated with %s", p.typ.name, p.to.name)
	}
	s.associate(at, fromID, toID)
	return []any{
		defaultAssociation{From: objectID{fromID}, To: objectID{toID}, AssociationSpec: assocSpec{"HUBSPOT_DEFINED", at.id}},
		defaultAssociation{From: objectID{toID}, To: objectID{fromID}, AssociationSpec: assocSpec{"HUBSPOT_DEFINED", at.reverse}},
	}, nil
}

func (s *Server) assocPutDefault(w http.ResponseWriter, r *http.Request, p params) *apiError {
	if err := s.bothExist(p, p.id, p.toID); err != nil {
		return err
	}
	results, err := s.defaultPair(p, p.id, p.toID)
	if err != nil {
		return err
	}
	b := s.newBatch(s.now())
	b.Results = results
	b.answer(w, http.StatusOK)
	return nil
}

func (s *Server) labelsOf(p params, fromID, toID string) labelsBetween {
	out := labelsBetween{FromObjectTypeID: p.typ.id, FromObjectID: fromID, ToObjectTypeID: p.to.id, ToObjectID: toID, Labels: []string{}}
	for _, typeID := range slices.Sorted(maps.Keys(s.assocs[assocKey{p.typ.name, fromID, p.to.name, toID}])) {
		if a, _ := findAssocType(p.typ.name, p.to.name, typeID); a.label != "" {
			out.Labels = append(out.Labels, a.label)
		}
	}
	return out
}

func (s *Server) assocPutLabelled(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var specs []assocSpec
	if err := decode(r, &specs); err != nil {
		return err
	}
	if len(specs) == 0 {
		return validationError("Give at least one association type")
	}
	var types []assocType
	for _, spec := range specs {
		at, err := s.assocTypeFor(p.typ.name, p.to.name, spec)
		if err != nil {
			return err
		}
		types = append(types, at)
	}
	if err := s.bothExist(p, p.id, p.toID); err != nil {
		return err
	}
	for _, at := range types {
		s.associate(at, p.id, p.toID)
	}
	writeJSON(w, http.StatusCreated, s.labelsOf(p, p.id, p.toID))
	return nil
}

func (s *Server) unlink(t, to *objectType, fromID, toID string) {
	for _, k := range []assocKey{{t.name, fromID, to.name, toID}, {to.name, toID, t.name, fromID}} {
		delete(s.assocs, k)
		s.unlinkKey(k)
	}
}

func (s *Server) assocDelete(w http.ResponseWriter, r *http.Request, p params) *apiError {
	s.unlink(p.typ, p.to, p.id, p.toID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pageOf cuts one page out of a list of associations.
func pageOf(all []associatedObject, after string, limit int) ([]associatedObject, string, *apiError) {
	start := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err != nil || n < 0 {
			return nil, "", validationError("after must be a non-negative integer, got %q", after)
		}
		start = min(n, len(all))
	}
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}

func (s *Server) assocList(w http.ResponseWriter, r *http.Request, p params) *apiError {
	q := r.URL.Query()
	limit := maxAssocPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAssocPage {
			return validationError("limit must be between 1 and %d, got %q", maxAssocPage, v)
		}
		limit = n
	}
	if s.live(p.typ, p.id) == nil {
		return newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "No %s with id %s exists", p.typ.singular, p.id)
	}
	page, next, err := pageOf(s.linked(p.typ, p.id, p.to), q.Get("after"), limit)
	if err != nil {
		return err
	}
	body := map[string]any{"results": nonNil(page)}
	if next != "" {
		body["paging"] = map[string]any{"next": map[string]string{"after": next}}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func nonNil(a []associatedObject) []associatedObject {
	if a == nil {
		return []associatedObject{}
	}
	return a
}

func (s *Server) assocBatchRead(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in struct {
		Inputs []struct {
			ID    string `json:"id"`
			After string `json:"after"`
		} `json:"inputs"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.Inputs) > maxAssocRead {
		return validationError("Batch input limit exceeded: %d inputs were sent; the limit is %d", len(in.Inputs), maxAssocRead)
	}
	b := s.newBatch(s.now())
	for _, input := range in.Inputs {
		all := s.linked(p.typ, input.ID, p.to)
		if len(all) == 0 {
			b.Errors = append(b.Errors, standardError{Status: "error", Category: "OBJECT_NOT_FOUND",
				Message: fmt.Sprintf("No %s is associated with %s %s.", p.to.name, p.typ.singular, input.ID),
				Context: map[string][]string{"fromObjectId": {input.ID}}, Errors: []errorDetail{}, Links: map[string]string{}})
			continue
		}
		page, next, err := pageOf(all, input.After, maxAssocPage)
		if err != nil {
			return err
		}
		res := map[string]any{"from": objectID{input.ID}, "to": page}
		if next != "" {
			res["paging"] = map[string]any{"next": map[string]string{"after": next}}
		}
		b.Results = append(b.Results, res)
	}
	b.answer(w, http.StatusOK)
	return nil
}

func (s *Server) assocBatchCreate(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in struct {
		Inputs []struct {
			From  objectID    `json:"from"`
			To    objectID    `json:"to"`
			Types []assocSpec `json:"types"`
		} `json:"inputs"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.Inputs) > maxAssocCreate {
		return validationError("Batch input limit exceeded: %d inputs were sent; the limit is %d", len(in.Inputs), maxAssocCreate)
	}
	types := make([][]assocType, len(in.Inputs))
	for i, input := range in.Inputs {
		if len(input.Types) == 0 {
			return validationError("inputs[%d]: give at least one association type", i)
		}
		for _, spec := range input.Types {
			at, err := s.assocTypeFor(p.typ.name, p.to.name, spec)
			if err != nil {
				return err
			}
			types[i] = append(types[i], at)
		}
	}
	b := s.newBatch(s.now())
	for i, input := range in.Inputs {
		if err := s.bothExist(p, input.From.ID, input.To.ID); err != nil {
			b.Errors = append(b.Errors, standardError{Status: "error", Category: err.Category, Message: err.Message,
				Context: map[string][]string{"fromObjectId": {input.From.ID}, "toObjectId": {input.To.ID}}, Errors: []errorDetail{}, Links: map[string]string{}})
			continue
		}
		for _, at := range types[i] {
			s.associate(at, input.From.ID, input.To.ID)
		}
		b.Results = append(b.Results, s.labelsOf(p, input.From.ID, input.To.ID))
	}
	b.answer(w, http.StatusCreated)
	return nil
}

func (s *Server) assocBatchDefault(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in struct {
		Inputs []struct {
			From objectID `json:"from"`
			To   objectID `json:"to"`
		} `json:"inputs"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.Inputs) > maxAssocCreate {
		return validationError("Batch input limit exceeded: %d inputs were sent; the limit is %d", len(in.Inputs), maxAssocCreate)
	}
	b := s.newBatch(s.now())
	for _, input := range in.Inputs {
		if err := s.bothExist(p, input.From.ID, input.To.ID); err != nil {
			b.Errors = append(b.Errors, standardError{Status: "error", Category: err.Category, Message: err.Message,
				Context: map[string][]string{"fromObjectId": {input.From.ID}, "toObjectId": {input.To.ID}}, Errors: []errorDetail{}, Links: map[string]string{}})
			continue
		}
		results, err := s.defaultPair(p, input.From.ID, input.To.ID)
		if err != nil {
			return err
		}
		b.Results = append(b.Results, results...)
	}
	// The spec declares only 200 here; failures are listed in errors.
	b.NumErrors = len(b.Errors)
	writeJSON(w, http.StatusOK, b)
	return nil
}

func (s *Server) assocBatchArchive(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in struct {
		Inputs []struct {
			From objectID   `json:"from"`
			To   []objectID `json:"to"`
		} `json:"inputs"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	for _, input := range in.Inputs {
		for _, to := range input.To {
			s.unlink(p.typ, p.to, input.From.ID, to.ID)
		}
	}
	// v4 answers 204; the 2026-03 version answers 200 with an empty batch.
	if p.prefix == "/crm/associations/2026-03" {
		s.newBatch(s.now()).answer(w, http.StatusOK)
		return nil
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// assocLabels lists the association types from one object type to another:
// HubSpot's own, unlabelled and "Primary" (reference 8.2); an account of
// the fake has no user-defined labels. A pair that cannot be associated
// has none.
func (s *Server) assocLabels(w http.ResponseWriter, r *http.Request, p params) *apiError {
	results := []assocSpecWithLabel{}
	for _, a := range assocTypes {
		if a.from == p.typ.name && a.to == p.to.name {
			results = append(results, assocSpecWithLabel{Category: "HUBSPOT_DEFINED", TypeID: a.id, Label: a.label})
		}
	}
	slices.SortFunc(results, func(a, b assocSpecWithLabel) int { return a.TypeID - b.TypeID })
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
	return nil
}
