package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

var _ connectors.PropertyManager = (*Connector)(nil)

// defaultGroups are the property groups HubSpot files an object's own
// properties in (crm-properties-v3: groupName "contactinformation"). The
// group kopla creates a property in is read from the account: this name
// when the object has that group, else the object's first group whose name
// ends in "information", else its first group.
var defaultGroups = map[string]string{
	"contacts":   "contactinformation",
	"companies":  "companyinformation",
	"deals":      "dealinformation",
	"products":   "productinformation",
	"line_items": "lineiteminformation",
	"tickets":    "ticketinformation",
	"quotes":     "quoteinformation",
	"orders":     "orderinformation",
	"invoices":   "invoiceinformation",
}

// propertyGroup is a property group as the groups endpoint returns it.
type propertyGroup struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Archived bool   `json:"archived"`
}

// propertyDefs turns the declarations a host hands over (Deps.Properties)
// into the form of discovered properties.
func propertyDefs(defs []connectors.PropertyDef) map[string][]property {
	out := map[string][]property{}
	for _, d := range defs {
		p := property{Name: d.Name, Label: d.Label, Type: d.Type, FieldType: fieldTypeOf(d.Type), Description: d.Description, HasUniqueValue: d.Unique}
		for _, o := range d.Options {
			p.Options = append(p.Options, struct {
				Value  string `json:"value"`
				Label  string `json:"label,omitempty"`
				Hidden bool   `json:"hidden,omitempty"`
			}{Value: o})
		}
		out[d.Object] = append(out[d.Object], p)
	}
	return out
}

// fieldTypeOf is the field type kopla creates a property of a type with
// (the hubspot-api reference, §7: bool takes booleancheckbox, datetime takes date).
func fieldTypeOf(typ string) string {
	switch typ {
	case "number":
		return "number"
	case "bool":
		return "booleancheckbox"
	case "date", "datetime":
		return "date"
	case "enumeration":
		return "select"
	}
	return "text"
}

// CheckProperties reads the properties of the objects the definitions
// name and compares them.
func (c *Connector) CheckProperties(ctx context.Context, defs []connectors.PropertyDef) ([]connectors.PropertyStatus, error) {
	live := map[string]map[string]liveProperty{}
	groups := map[string]string{}
	out := make([]connectors.PropertyStatus, 0, len(defs))
	for _, d := range defs {
		props, ok := live[d.Object]
		if !ok {
			var err error
			if props, err = c.liveProperties(ctx, d.Object); err != nil {
				return nil, err
			}
			live[d.Object] = props
		}
		st := connectors.PropertyStatus{Def: d}
		if p, ok := props[d.Name]; ok && !p.Archived {
			st.Exists = true
			st.Problems = propertyProblems(d, p)
			st.Group = p.groupName
		} else {
			g, ok := groups[d.Object]
			if !ok {
				var err error
				if g, err = c.propertyGroup(ctx, d.Object); err != nil {
					return nil, err
				}
				groups[d.Object] = g
			}
			st.Group = g
		}
		out = append(out, st)
	}
	return out, nil
}

// propertyProblems says how a live property differs from its definition.
func propertyProblems(d connectors.PropertyDef, p liveProperty) []string {
	var problems []string
	if p.Type != d.Type {
		problems = append(problems, fmt.Sprintf("its type is %s, not %s", p.Type, d.Type))
	}
	if d.Unique && !p.HasUniqueValue {
		problems = append(problems, "its values are not required to be unique (hasUniqueValue), so records cannot be found by it")
	}
	if d.Type == "enumeration" && p.Type == d.Type {
		var have []string
		for _, o := range p.Options {
			have = append(have, o.Value)
		}
		var lacking []string
		for _, o := range d.Options {
			if !slices.Contains(have, o) {
				lacking = append(lacking, o)
			}
		}
		if len(lacking) > 0 {
			problems = append(problems, "it lacks the options "+strings.Join(lacking, ", "))
		}
	}
	return problems
}

// liveProperty is a property with the group it is in.
type liveProperty struct {
	property
	groupName string
}

func (c *Connector) liveProperties(ctx context.Context, object string) (map[string]liveProperty, error) {
	req, err := c.client.NewRequest(ctx, http.MethodGet, c.propertiesPath(object), nil, nil)
	if err != nil {
		return nil, err
	}
	var res struct {
		Results []struct {
			property
			GroupName string `json:"groupName"`
		} `json:"results"`
	}
	if _, err := c.client.Do(req, &res); err != nil {
		return nil, fmt.Errorf("hubspot: read %s properties: %w", object, err)
	}
	out := make(map[string]liveProperty, len(res.Results))
	for _, p := range res.Results {
		out[p.Name] = liveProperty{property: p.property, groupName: p.GroupName}
	}
	return out, nil
}

// propertyGroup chooses the group a new property of object goes in (see
// defaultGroups).
func (c *Connector) propertyGroup(ctx context.Context, object string) (string, error) {
	req, err := c.client.NewRequest(ctx, http.MethodGet, c.propertiesPath(object)+"/groups", nil, nil)
	if err != nil {
		return "", err
	}
	var res struct {
		Results []propertyGroup `json:"results"`
	}
	if _, err := c.client.Do(req, &res); err != nil {
		return "", fmt.Errorf("hubspot: read %s property groups: %w", object, err)
	}
	var names []string
	for _, g := range res.Results {
		if !g.Archived {
			names = append(names, g.Name)
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("hubspot: %s has no property group to create properties in; create one in HubSpot (Settings > Properties > Groups)", object)
	}
	if want := defaultGroups[object]; slices.Contains(names, want) {
		return want, nil
	}
	for _, n := range names {
		if strings.HasSuffix(n, "information") {
			return n, nil
		}
	}
	return names[0], nil
}

// CreateProperties creates each missing property in its object's group;
// one that exists (409 OBJECT_ALREADY_EXISTS, another kopla init got there
// first) is taken as created.
func (c *Connector) CreateProperties(ctx context.Context, defs []connectors.PropertyDef) ([]connectors.PropertyStatus, error) {
	before, err := c.CheckProperties(ctx, defs)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.PropertyStatus, 0, len(before))
	for _, st := range before {
		if st.Exists {
			out = append(out, st)
			continue
		}
		d := st.Def
		body := map[string]any{
			"name": d.Name, "label": d.Label, "type": d.Type, "fieldType": fieldTypeOf(d.Type),
			"groupName": st.Group, "hasUniqueValue": d.Unique,
		}
		if d.Description != "" {
			body["description"] = d.Description
		}
		if d.Type == "enumeration" {
			opts := make([]map[string]any, len(d.Options))
			for i, o := range d.Options {
				opts[i] = map[string]any{"label": o, "value": o, "displayOrder": i, "hidden": false}
			}
			body["options"] = opts
		}
		req, err := c.client.NewRequest(ctx, http.MethodPost, c.propertiesPath(d.Object), nil, body)
		if err != nil {
			return out, err
		}
		if _, err := c.client.Do(req, nil); err != nil {
			var ae *connectors.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusConflict {
				return out, fmt.Errorf("hubspot: create property %s.%s: %w", d.Object, d.Name, err)
			}
		}
		st.Exists = true
		out = append(out, st)
	}
	return out, nil
}
