package hubspottest

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxUniqueProperties is HubSpot's limit of unique-value properties per object.
const maxUniqueProperties = 10

type propertyGroup struct {
	Name         string `json:"name"`
	Label        string `json:"label"`
	DisplayOrder int    `json:"displayOrder"`
	Archived     bool   `json:"archived"`
}

// defaultGroups are the property groups an account starts with for t:
// the information group holding the object's own properties first, then
// the other groups HubSpot creates for contacts, companies and deals.
func defaultGroups(t *objectType, information string) []propertyGroup {
	label := strings.ToUpper(t.singular[:1]) + strings.ReplaceAll(t.singular[1:], "_", " ") + " information"
	out := []propertyGroup{{Name: information, Label: label, DisplayOrder: -1}}
	others := map[string][][2]string{
		"contacts": {{"emailinformation", "Email information"}, {"conversioninformation", "Conversion information"},
			{"socialmediainformation", "Social media information"}, {"analyticsinformation", "Web analytics history"},
			{"contact_activity", "Contact activity"}, {"salesforceinformation", "Salesforce information"}},
		"companies": {{"socialmediainformation", "Social media information"}, {"analyticsinformation", "Web analytics history"},
			{"company_activity", "Company activity"}, {"salesforceinformation", "Salesforce information"}},
		"deals": {{"deal_activity", "Deal activity"}, {"deal_revenue", "Deal revenue"},
			{"analyticsinformation", "Web analytics history"}, {"salesforceinformation", "Salesforce information"}},
	}
	for i, g := range others[t.name] {
		out = append(out, propertyGroup{Name: g[0], Label: g[1], DisplayOrder: i})
	}
	return out
}

// addProperty creates a custom property.
func (s *Server) addProperty(t *objectType, p *Property, now time.Time) *apiError {
	if err := checkDefinition(p); err != nil {
		return validationError("%v", err)
	}
	if old := s.props[t.name][p.Name]; old != nil && !old.Archived {
		e := newError(http.StatusConflict, "OBJECT_ALREADY_EXISTS", "Property named '%s' already exists.", p.Name)
		return e
	}
	if !slices.ContainsFunc(s.groups[t.name], func(g propertyGroup) bool { return g.Name == p.GroupName }) {
		return validationError("Property group %s does not exist; create it first with POST /crm/v3/properties/%s/groups", p.GroupName, t.name)
	}
	if p.HasUniqueValue && len(s.uniqueProps(t)) >= maxUniqueProperties+boolInt(t.name == "contacts") {
		return validationError("%s already has %d unique value properties; the limit is %d", t.name, maxUniqueProperties, maxUniqueProperties)
	}
	if p.Options == nil {
		p.Options = []Option{}
	}
	p.HubspotDefined = false
	p.Archived = false
	p.ModificationMetadata = &ModificationMetadata{Archivable: true}
	p.CreatedAt, p.UpdatedAt = formatTime(now), formatTime(now)
	p.DisplayOrder = cmp.Or(p.DisplayOrder, -1)
	s.props[t.name][p.Name] = p
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Server) listProperties(w http.ResponseWriter, r *http.Request, p params) *apiError {
	q := r.URL.Query()
	archived, err := boolParam(q, "archived")
	if err != nil {
		return err
	}
	only := listParam(q, "properties")
	results := []*Property{}
	for _, name := range slices.Sorted(maps.Keys(s.props[p.typ.name])) {
		prop := s.props[p.typ.name][name]
		if prop.Archived != archived || (len(only) > 0 && !slices.Contains(only, name)) {
			continue
		}
		results = append(results, prop)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
	return nil
}

func (s *Server) createProperty(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var prop Property
	if err := decode(r, &prop); err != nil {
		return err
	}
	if err := s.addProperty(p.typ, &prop, s.now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &prop)
	return nil
}

func (s *Server) findProperty(p params, archived bool) (*Property, *apiError) {
	prop := s.props[p.typ.name][p.name]
	if prop == nil || prop.Archived != archived {
		return nil, newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to find property with name %s for object type %s", p.name, p.typ.id)
	}
	return prop, nil
}

func (s *Server) getProperty(w http.ResponseWriter, r *http.Request, p params) *apiError {
	archived, err := boolParam(r.URL.Query(), "archived")
	if err != nil {
		return err
	}
	prop, err := s.findProperty(p, archived)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, prop)
	return nil
}

func (s *Server) updateProperty(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in struct {
		Label        *string   `json:"label"`
		Description  *string   `json:"description"`
		GroupName    *string   `json:"groupName"`
		Type         *string   `json:"type"`
		FieldType    *string   `json:"fieldType"`
		Options      *[]Option `json:"options"`
		DisplayOrder *int      `json:"displayOrder"`
		Hidden       *bool     `json:"hidden"`
		FormField    *bool     `json:"formField"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	prop, err := s.findProperty(p, false)
	if err != nil {
		return err
	}
	next := *prop
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&next.Label, in.Label)
	set(&next.Description, in.Description)
	set(&next.GroupName, in.GroupName)
	set(&next.Type, in.Type)
	set(&next.FieldType, in.FieldType)
	if in.Options != nil {
		next.Options = *in.Options
	}
	if in.DisplayOrder != nil {
		next.DisplayOrder = *in.DisplayOrder
	}
	if in.Hidden != nil {
		next.Hidden = *in.Hidden
	}
	if in.FormField != nil {
		next.FormField = *in.FormField
	}
	if prop.HubspotDefined && (next.Type != prop.Type || next.FieldType != prop.FieldType) {
		return validationError("%s is a HubSpot defined property; its type can not be changed", prop.Name)
	}
	if err := checkDefinition(&next); err != nil {
		return validationError("%v", err)
	}
	next.UpdatedAt = formatTime(s.now())
	*prop = next
	writeJSON(w, http.StatusOK, prop)
	return nil
}

func (s *Server) archiveProperty(w http.ResponseWriter, r *http.Request, p params) *apiError {
	prop, err := s.findProperty(p, false)
	if err != nil {
		return err
	}
	if prop.HubspotDefined {
		return validationError("%s is a HubSpot defined property and can not be archived", prop.Name)
	}
	prop.Archived = true
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) batchReadProperties(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in struct {
		Inputs []struct {
			Name string `json:"name"`
		} `json:"inputs"`
		Archived bool `json:"archived"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	b := s.newBatch(s.now())
	for _, input := range in.Inputs {
		prop := s.props[p.typ.name][input.Name]
		if prop == nil || prop.Archived != in.Archived {
			b.Errors = append(b.Errors, standardError{Status: "error", Category: "OBJECT_NOT_FOUND",
				Message: fmt.Sprintf("Unable to find property with name %s for object type %s", input.Name, p.typ.id),
				Context: map[string][]string{"name": {input.Name}}, Errors: []errorDetail{}, Links: map[string]string{}})
			continue
		}
		b.Results = append(b.Results, prop)
	}
	b.answer(w, http.StatusOK)
	return nil
}

func (s *Server) batchCreateProperties(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var in struct {
		Inputs []Property `json:"inputs"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	b := s.newBatch(s.now())
	for i := range in.Inputs {
		prop := in.Inputs[i]
		if err := s.addProperty(p.typ, &prop, s.now()); err != nil {
			b.Errors = append(b.Errors, standardError{Status: "error", Category: err.Category, Message: err.Message,
				Context: map[string][]string{"name": {prop.Name}}, Errors: []errorDetail{}, Links: map[string]string{}})
			continue
		}
		b.Results = append(b.Results, &prop)
	}
	b.answer(w, http.StatusCreated)
	return nil
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, p params) *apiError {
	writeJSON(w, http.StatusOK, map[string]any{"results": s.groups[p.typ.name]})
	return nil
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, p params) *apiError {
	var g propertyGroup
	if err := decode(r, &g); err != nil {
		return err
	}
	if g.Name == "" || g.Label == "" {
		return validationError("name and label are required")
	}
	if slices.ContainsFunc(s.groups[p.typ.name], func(x propertyGroup) bool { return x.Name == g.Name }) {
		return newError(http.StatusConflict, "OBJECT_ALREADY_EXISTS", "A property group named '%s' already exists.", g.Name)
	}
	g.Archived = false
	s.groups[p.typ.name] = append(s.groups[p.typ.name], g)
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, p params) *apiError {
	for _, g := range s.groups[p.typ.name] {
		if g.Name == p.name {
			writeJSON(w, http.StatusOK, g)
			return nil
		}
	}
	return newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to find property group %s for object type %s", p.name, p.typ.id)
}
