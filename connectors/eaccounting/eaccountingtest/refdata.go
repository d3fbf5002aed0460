package eaccountingtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

func (s *Server) createLabel(coll string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.writeLabel(w, r, coll, "", "") }
}

func (s *Server) replaceLabel(coll, param, what string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.writeLabel(w, r, coll, r.PathValue(param), what) }
}

// writeLabel creates or replaces a customer or article label; names are unique.
func (s *Server) writeLabel(w http.ResponseWriter, r *http.Request, coll, id, what string) {
	_, rec, ok := decodeRequest(w, r, s.data.c(coll).model)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.data.c(coll)
	status := http.StatusCreated
	if id != "" {
		id = strings.ToLower(id)
		if _, ok := c.get(id); !ok {
			notFound(w, what, id)
			return
		}
		status = http.StatusOK
	}
	if other, taken := s.findFold(c, "Name", rec["Name"].(string)); taken && other["Id"] != id {
		writeError(w, http.StatusConflict, codeConflict, fmt.Sprintf("Conflict - A label named '%s' already exists.", rec["Name"]),
			fieldError{Field: "Name", ErrorCode: strconv.Itoa(codeConflict), Message: "The label name is already in use."})
		return
	}
	if id == "" {
		id = newUUID()
	}
	rec["Id"] = id
	c.put(id, rec)
	// Customers and articles carry copies of their labels.
	for _, owner := range []struct{ coll, prop string }{{"customers", "CustomerLabels"}, {"articles", "ArticleLabels"}} {
		for _, o := range s.data.c(owner.coll).recs {
			for i, l := range asList(o[owner.prop]) {
				if asObject(l)["Id"] == id {
					o[owner.prop].([]any)[i] = cloneRec(rec)
				}
			}
		}
	}
	writeJSON(w, status, cloneRec(rec))
}

func (s *Server) deleteLabel(coll, param, what string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := strings.ToLower(r.PathValue(param))
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.data.c(coll)
		rec, ok := c.get(id)
		if !ok {
			notFound(w, what, id)
			return
		}
		c.remove(id)
		for _, owner := range []struct{ coll, prop string }{{"customers", "CustomerLabels"}, {"articles", "ArticleLabels"}} {
			for _, o := range s.data.c(owner.coll).recs {
				var kept []any
				for _, l := range asList(o[owner.prop]) {
					if asObject(l)["Id"] != id {
						kept = append(kept, l)
					}
				}
				if o[owner.prop] != nil {
					o[owner.prop] = append([]any{}, kept...)
				}
			}
		}
		writeJSON(w, http.StatusOK, cloneRec(rec))
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// asObject reads a stored value as an object; anything else (a malformed
// seed) reads as an empty one.
func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func (s *Server) replaceCostCenter(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := decodeRequest(w, r, s.data.m.costCenter)
	if !ok {
		return
	}
	id := strings.ToLower(r.PathValue("id"))
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.data.c("costcenters").get(id)
	if !ok {
		notFound(w, "CostCenter", id)
		return
	}
	rec["Id"], rec["Number"], rec["Items"] = id, old["Number"], old["Items"]
	s.data.c("costcenters").put(id, rec)
	writeJSON(w, http.StatusOK, cloneRec(rec))
}

func (s *Server) createCostCenterItem(w http.ResponseWriter, r *http.Request) {
	s.writeCostCenterItem(w, r, "")
}

func (s *Server) replaceCostCenterItem(w http.ResponseWriter, r *http.Request) {
	s.writeCostCenterItem(w, r, r.PathValue("costCenterItemId"))
}

// writeCostCenterItem keeps the item both in its own collection (GET by id)
// and in its cost center's Items, which is where lists read it.
func (s *Server) writeCostCenterItem(w http.ResponseWriter, r *http.Request, id string) {
	_, rec, ok := decodeRequest(w, r, s.data.m.costCenterItem)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	items := s.data.c("costcenteritems")
	status := http.StatusCreated
	var old map[string]any
	if id != "" {
		id = strings.ToLower(id)
		if old, ok = items.get(id); !ok {
			notFound(w, "CostCenterItem", id)
			return
		}
		status = http.StatusOK
	}
	if !s.refExists(w, rec, "CostCenterId", "costcenters", "CostCenter") {
		return
	}
	if id == "" {
		id = newUUID()
		rec["CreatedUtc"] = formatTime(s.now())
	} else {
		rec["CreatedUtc"] = old["CreatedUtc"]
	}
	rec["Id"] = id
	items.put(id, rec)
	for _, cc := range s.data.c("costcenters").recs {
		var kept []any
		for _, it := range asList(cc["Items"]) {
			if asObject(it)["Id"] != id {
				kept = append(kept, it)
			}
		}
		if cc["Id"] == rec["CostCenterId"] {
			kept = append(kept, cloneRec(rec))
		}
		cc["Items"] = append([]any{}, kept...)
	}
	writeJSON(w, status, cloneRec(rec))
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request) { s.writeProject(w, r, "") }

func (s *Server) replaceProject(w http.ResponseWriter, r *http.Request) {
	s.writeProject(w, r, r.PathValue("id"))
}

func (s *Server) writeProject(w http.ResponseWriter, r *http.Request, id string) {
	_, rec, ok := decodeRequest(w, r, s.data.m.project)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	projects := s.data.c("projects")
	status := http.StatusCreated
	if id != "" {
		id = strings.ToLower(id)
		if _, ok := projects.get(id); !ok {
			notFound(w, "Project", id)
			return
		}
		status = http.StatusOK
	}
	if !s.refExists(w, rec, "CustomerId", "customers", "Customer") {
		return
	}
	if other, taken := s.findFold(projects, "Number", rec["Number"].(string)); taken && other["Id"] != id {
		writeError(w, http.StatusConflict, codeConflict, fmt.Sprintf("Conflict - A project with Number '%s' already exists.", rec["Number"]))
		return
	}
	if cid, ok := rec["CustomerId"].(string); ok {
		c, _ := s.data.c("customers").get(cid)
		rec["CustomerName"] = c["Name"]
	}
	if rec["Status"] == nil {
		rec["Status"] = float64(1)
	}
	if id == "" {
		id = newUUID()
	}
	rec["Id"] = id
	rec["ModifiedUtc"] = formatTime(s.now())
	projects.put(id, rec)
	writeJSON(w, status, cloneRec(rec))
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	fy := strings.ToLower(r.PathValue("fiscalyearId"))
	s.mu.Lock()
	_, ok := s.data.c("fiscalyears").get(fy)
	var recs []map[string]any
	for _, a := range s.data.c("accounts").all() {
		if a["FiscalYearId"] == fy {
			recs = append(recs, a)
		}
	}
	now := s.now()
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, codeFiscalYear, fmt.Sprintf("FiscalYearDoesNotExist - No fiscal year with id %s.", r.PathValue("fiscalyearId")))
		return
	}
	s.writePage(w, r, s.data.m.account, recs, now)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	fy, number := strings.ToLower(r.PathValue("fiscalyearId")), r.PathValue("accountNumber")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data.c("fiscalyears").get(fy); !ok {
		writeError(w, http.StatusNotFound, codeFiscalYear, fmt.Sprintf("FiscalYearDoesNotExist - No fiscal year with id %s.", r.PathValue("fiscalyearId")))
		return
	}
	a, ok := s.data.c("accounts").get(fy + "/" + number)
	if !ok {
		writeError(w, http.StatusNotFound, codeAccountNotFound, fmt.Sprintf("AccountNotFound - No account %s in fiscal year %s.", number, fy))
		return
	}
	writeJSON(w, http.StatusOK, cloneRec(a))
}

func (s *Server) getCompany(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, cloneRec(s.data.company))
}

// replaceCompany replaces the writable settings; read-only ones (currency,
// number series, variant, ...) stay as they are.
func (s *Server) replaceCompany(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := decodeRequest(w, r, s.data.m.company)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.data.m.company.fields {
		if f.readOnly {
			continue
		}
		if v, ok := rec[f.name]; ok {
			s.data.company[f.name] = v
		} else {
			delete(s.data.company, f.name)
		}
	}
	writeJSON(w, http.StatusOK, cloneRec(s.data.company))
}
