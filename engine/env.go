package engine

import (
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/kopla-dev/kopla/connectors"
)

// Names of the expression environment.
const (
	envSource  = "source"
	envTarget  = "target"
	envVar     = "var"
	envEnsured = "ensured"
)

// flowEnv is the typed environment a flow's expressions are checked against,
// so that a misspelt field is a validate error, not a runtime surprise.
func (p *Project) flowEnv(f *flow) types.Map {
	src := objectType(f.source.schema)
	for _, name := range f.decl.Include {
		inc, ok := f.source.schema.Include(name)
		if !ok {
			continue
		}
		if s, ok := f.source.conn.schemas[inc.Object]; ok {
			src[name] = types.Array(recordType(s))
		} else {
			src[name] = types.Array(types.Any)
		}
	}
	env := p.baseEnv()
	env[envSource] = src
	env[envTarget] = recordType(f.target.schema)
	ensured := types.Map{}
	for _, e := range f.decl.Ensures {
		var t types.Type = types.Any
		if dep := p.flows[e.Flow]; dep != nil {
			t = recordType(dep.target.schema)
		}
		if e.ForEach != nil || e.IDs != nil {
			t = types.Array(t)
		}
		ensured[e.Name] = t
	}
	env[envEnsured] = ensured
	return env
}

// baseEnv holds what every expression may use: variables and references to
// connection objects (the first argument of find).
func (p *Project) baseEnv() types.Map {
	vars := types.Map{}
	for name := range p.cfg.Vars {
		vars[name] = types.Any
	}
	for name := range p.cfg.Variables { // declared, even when its value is missing (reported by dsl)
		vars[name] = types.Any
	}
	env := types.Map{envVar: vars}
	for kind, conns := range p.objectRefs() {
		if _, taken := env[kind]; taken || kind == envSource || kind == envTarget || kind == envEnsured {
			continue
		}
		byConn := types.Map{}
		for name, objs := range conns {
			byObj := types.Map{}
			for obj := range objs {
				byObj[obj] = types.String
			}
			byConn[name] = byObj
		}
		env[kind] = byConn
	}
	// A connection that could not be set up was reported already: its
	// objects read as any name, so that expressions naming them do not
	// repeat the error.
	for _, c := range p.cfg.Connections {
		if _, ok := p.conns[c.Kind+"."+c.Name]; ok || c.Kind == envSource || c.Kind == envTarget || c.Kind == envEnsured || c.Kind == envVar {
			continue
		}
		byConn, _ := env[c.Kind].(types.Map)
		if byConn == nil {
			byConn = types.Map{}
			env[c.Kind] = byConn
		}
		byConn[c.Name] = types.Map{types.Extra: types.String}
	}
	for alias, key := range p.cfg.ConnectionAliases {
		kind, name, _ := strings.Cut(alias, ".")
		if _, ok := p.conns[key]; ok {
			continue
		}
		if byConn, _ := env[kind].(types.Map); byConn != nil {
			byConn[name] = types.Map{types.Extra: types.String}
		}
	}
	return env
}

// baseValues are the runtime values matching baseEnv.
func (p *Project) baseValues() map[string]any {
	vals := map[string]any{envVar: p.cfg.Vars}
	for kind, conns := range p.objectRefs() {
		if _, taken := vals[kind]; taken || kind == envSource || kind == envTarget || kind == envEnsured {
			continue
		}
		byConn := map[string]any{}
		for name, objs := range conns {
			byObj := map[string]any{}
			for obj, ref := range objs {
				byObj[obj] = ref
			}
			byConn[name] = byObj
		}
		vals[kind] = byConn
	}
	return vals
}

// objectRefs maps kind -> connection -> object -> "kind.connection.object":
// the runtime value of an object reference in an expression.
func (p *Project) objectRefs() map[string]map[string]map[string]string {
	refs := map[string]map[string]map[string]string{}
	for _, c := range p.conns {
		kind, name := c.decl.Kind, c.decl.Name
		if refs[kind] == nil {
			refs[kind] = map[string]map[string]string{}
		}
		objs := map[string]string{}
		for _, obj := range objectNames(c.schemas) {
			objs[obj] = kind + "." + name + "." + obj
		}
		refs[kind][name] = objs
	}
	// A library's name for a connection reads as the project connection
	// it is given: find(eaccounting.books.articles, ...) in the library
	// looks in eaccounting.acme when the project passes books = eaccounting.acme.
	for alias, key := range p.cfg.ConnectionAliases {
		akind, aname, _ := strings.Cut(alias, ".")
		kind, name, _ := strings.Cut(key, ".")
		objs, ok := refs[kind][name]
		if !ok || akind != kind {
			continue
		}
		if _, taken := refs[kind][aname]; !taken {
			refs[kind][aname] = objs
		}
	}
	return refs
}

// objectType is the expr type of a record of the schema: a strict map, so
// unknown fields are errors, unless the schema is open.
func objectType(s connectors.Schema) types.Map {
	m := types.Map{}
	for _, f := range s.Fields {
		m[f.Name] = fieldType(f)
	}
	if s.Open {
		m[types.Extra] = types.Any
	}
	return m
}

// recordType is objectType with the record's id under "id", as target and
// ensured records carry it.
func recordType(s connectors.Schema) types.Map {
	m := objectType(s)
	if _, ok := m["id"]; !ok {
		m["id"] = types.String
	}
	return m
}

func fieldType(f connectors.Field) types.Type {
	switch f.Type {
	case connectors.TypeString, connectors.TypeDate, connectors.TypeDateTime:
		// Text is often missing (nil) in real records; typed as string,
		// expr compiles source.x == 'a' to a string comparison that fails
		// on nil instead of being false. The field names stay checked.
		return types.Any
	case connectors.TypeNumber:
		return types.Float64
	case connectors.TypeInteger:
		return types.Int64
	case connectors.TypeBool:
		return types.Bool
	case connectors.TypeObject:
		if len(f.Fields) == 0 {
			return types.Map{types.Extra: types.Any}
		}
		return objectType(connectors.Schema{Fields: f.Fields})
	case connectors.TypeList:
		if f.Elem == nil {
			return types.Array(types.Any)
		}
		return types.Array(fieldType(*f.Elem))
	}
	return types.Any
}
