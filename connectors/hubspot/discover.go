package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

const propertiesFile = "properties.json"

// property is a property definition as the properties API returns it, and as
// the cache keeps it (only what the schema needs).
type property struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Type        string `json:"type"`
	FieldType   string `json:"fieldType"`
	Description string `json:"description,omitempty"`
	Options     []struct {
		Value  string `json:"value"`
		Label  string `json:"label,omitempty"`
		Hidden bool   `json:"hidden,omitempty"`
	} `json:"options"`
	Calculated           bool   `json:"calculated,omitempty"`
	ExternalOptions      bool   `json:"externalOptions,omitempty"`
	HasUniqueValue       bool   `json:"hasUniqueValue,omitempty"`
	Hidden               bool   `json:"hidden,omitempty"`
	Archived             bool   `json:"archived,omitempty"`
	DataSensitivity      string `json:"dataSensitivity,omitempty"`
	TextDisplayHint      string `json:"textDisplayHint,omitempty"`
	ModificationMetadata *struct {
		ReadOnlyValue bool `json:"readOnlyValue"`
	} `json:"modificationMetadata,omitempty"`
}

// propertyCache is the file Discover writes.
type propertyCache struct {
	Version int                   `json:"version"`
	Objects map[string][]property `json:"objects"`
}

// objectSchemas is Factory.Objects: the built-in schemas merged with what
// Discover cached. It never touches the network.
func objectSchemas(cfg connectors.Config, deps connectors.Deps) (map[string]connectors.Schema, error) {
	cache, err := readCache(filepath.Join(deps.StateDir, "hubspot", safeName(deps.Name), propertiesFile))
	if err != nil {
		return nil, err
	}
	declared := declaredProperties(cfg)
	// What the project's libraries declare comes first: a property block
	// of the connection or the account says more.
	for object, props := range propertyDefs(deps.Properties) {
		declared[object] = append(props, declared[object]...)
	}
	out := map[string]connectors.Schema{}
	for _, def := range builtinObjects() {
		s := builtinSchema(def)
		builtin := s.Names()
		s = mergeProperties(s, declared[def.name])
		if props, ok := cache.Objects[def.name]; ok {
			s = mergeProperties(s, props)
			s = markUndiscovered(s, builtin, declared[def.name], props)
		}
		out[def.name] = s
		delete(declared, def.name)
	}
	for object := range declared {
		return nil, fmt.Errorf("hubspot: connection %q: a property block names object %q, which is not one of %s", deps.Name, object, strings.Join(objectNames(out), ", "))
	}
	return out, nil
}

// markUndiscovered marks the declared properties that the account, as
// Discover found it, does not have (or has archived): a flow reading one
// reads nothing, which plan reports. Built-in fields are always there.
func markUndiscovered(s connectors.Schema, builtin []string, declared, discovered []property) connectors.Schema {
	found := map[string]bool{}
	for _, name := range builtin {
		found[name] = true
	}
	for _, p := range discovered {
		if !p.Archived {
			found[p.Name] = true
		}
	}
	for _, p := range declared {
		if found[p.Name] {
			continue
		}
		for i := range s.Fields {
			if s.Fields[i].Name == p.Name {
				s.Fields[i].Undiscovered = true
			}
		}
	}
	return s
}

// declaredProperties reads the property blocks of a connection, in the
// form of discovered properties. The loader checked them (configSchema,
// validateConfig).
func declaredProperties(cfg connectors.Config) map[string][]property {
	out := map[string][]property{}
	for _, pc := range cfg.Blocks("property") {
		p := property{Name: pc.String("name"), Type: pc.String("type")}
		if p.Type == "" {
			p.Type = "string"
		}
		for _, o := range pc.Strings("options", nil) {
			p.Options = append(p.Options, struct {
				Value  string `json:"value"`
				Label  string `json:"label,omitempty"`
				Hidden bool   `json:"hidden,omitempty"`
			}{Value: o})
		}
		if p.Type == "bool" {
			p.FieldType = "booleancheckbox"
		}
		p.HasUniqueValue = pc.Bool("unique")
		if pc.Bool("sensitive") {
			p.DataSensitivity = "sensitive"
		}
		out[pc.String("object")] = append(out[pc.String("object")], p)
	}
	return out
}

func objectNames(schemas map[string]connectors.Schema) []string {
	names := make([]string, 0, len(schemas))
	for n := range schemas {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func readCache(path string) (propertyCache, error) {
	var pc propertyCache
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return pc, nil
	}
	if err != nil {
		return pc, fmt.Errorf("hubspot: read discovered properties: %w", err)
	}
	if err := json.Unmarshal(b, &pc); err != nil {
		return pc, fmt.Errorf("hubspot: %s is damaged (run kopla init again): %w", path, err)
	}
	return pc, nil
}

// mergeProperties adds the discovered properties to a built-in schema:
// custom properties become fields; built-in fields take the account's type,
// options and uniqueness, and keep their own flags.
func mergeProperties(s connectors.Schema, props []property) connectors.Schema {
	byName := map[string]int{}
	for i, f := range s.Fields {
		byName[f.Name] = i
	}
	for _, p := range props {
		if p.Archived {
			continue
		}
		i, known := byName[p.Name]
		if isPseudoField(p.Name) {
			continue // the association pseudo-fields keep their names
		}
		if !known && p.Hidden {
			continue // HubSpot's internal bookkeeping properties
		}
		var f connectors.Field
		if known {
			f = s.Fields[i]
		} else {
			f = connectors.Field{Name: p.Name, Description: p.Label}
		}
		if !known || f.Name != "hs_object_id" {
			// The record ID stays a string, as in every answer and URL,
			// whatever type the account gives its property.
			f.Type = propertyType(p.Type)
		}
		f.Options = nil
		if p.Type == "enumeration" && !p.ExternalOptions && p.FieldType != "booleancheckbox" {
			for _, o := range p.Options {
				if !o.Hidden {
					f.Options = append(f.Options, o.Value)
				}
			}
		}
		if p.FieldType == "booleancheckbox" && p.Type == "bool" {
			f.Type = connectors.TypeBool
		}
		if p.Calculated || (p.ModificationMetadata != nil && p.ModificationMetadata.ReadOnlyValue) {
			f.ReadOnly = true
		}
		if p.HasUniqueValue {
			f.Unique, f.Key = true, true
		}
		if (p.DataSensitivity != "" && p.DataSensitivity != "non_sensitive") ||
			slices.Contains([]string{"email", "phone_number", "physical_address"}, p.TextDisplayHint) {
			f.Sensitive = true
		}
		if known {
			s.Fields[i] = f
		} else {
			byName[f.Name] = len(s.Fields)
			s.Fields = append(s.Fields, f)
		}
	}
	return s
}

func propertyType(t string) connectors.Type {
	switch t {
	case "number":
		return connectors.TypeNumber
	case "bool":
		return connectors.TypeBool
	case "date":
		return connectors.TypeDate
	case "datetime":
		return connectors.TypeDateTime
	}
	return connectors.TypeString // string, enumeration, phone_number, and unknown ones
}

// Discover reads every property of every object type from the account and
// caches them under the state directory, where Factory.Objects finds them.
// Objects the token has no scope for keep their built-in fields. It updates
// the open connection's schemas too, so it must not run concurrently with
// other calls on the connection.
func (c *Connector) Discover(ctx context.Context) error {
	pc := propertyCache{Version: 1, Objects: map[string][]property{}}
	for _, def := range builtinObjects() {
		req, err := c.client.NewRequest(ctx, http.MethodGet, c.propertiesPath(def.name), nil, nil)
		if err != nil {
			return err
		}
		var res struct {
			Results []property `json:"results"`
		}
		if _, err := c.client.Do(req, &res); err != nil {
			var ae *connectors.APIError
			if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
				// A token without this object's scopes: the object keeps
				// its built-in fields, the others are still discovered.
				c.logger.WarnContext(ctx, "no access to properties; built-in fields only", "object", def.name, "code", ae.Code)
				continue
			}
			return fmt.Errorf("hubspot: discover %s properties: %w", def.name, err)
		}
		slices.SortFunc(res.Results, func(a, b property) int {
			switch {
			case a.Name < b.Name:
				return -1
			case a.Name > b.Name:
				return 1
			}
			return 0
		})
		pc.Objects[def.name] = res.Results
	}
	b, err := json.MarshalIndent(pc, "", "  ")
	if err != nil {
		return fmt.Errorf("hubspot: encode discovered properties: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(c.stateDir, propertiesFile), b, 0o644); err != nil {
		return fmt.Errorf("hubspot: save discovered properties: %w", err)
	}
	// The open connection uses what it just learnt.
	defs := objectDefs()
	for name, o := range c.objects {
		s := builtinSchema(defs[name])
		if props, ok := pc.Objects[name]; ok {
			s = mergeProperties(s, props)
		}
		c.objects[name] = newObject(c, o.def, s)
	}
	return nil
}

// writeFileAtomic writes through a temporary file and a rename, so a reader
// never sees half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
