package dsl

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var (
	libraryBlockSchema = &bodySchema{
		What:       "a library block",
		Attributes: []string{"source", "connections", "vars", "flows"},
	}
	requiresSchema = &bodySchema{
		What:   "the requires block",
		Blocks: []blockSchema{{Type: "connection", Labels: []string{"kind", "name"}}},
	}
	requirementSchema = &bodySchema{
		What: "a connection block of requires",
		Blocks: []blockSchema{
			{Type: "property", Labels: []string{"object", "name"}},
			{Type: "record", Labels: []string{"object", "name"}},
		},
	}
	requiredPropertySchema = &bodySchema{
		What:       "a property block",
		Attributes: []string{"type", "unique", "label", "description", "options"},
	}
	requiredRecordSchema = &bodySchema{
		What:       "a record block",
		Attributes: []string{"field", "value", "description"},
	}
)

// propertyTypes are the types a required property may have.
var propertyTypes = []string{"string", "number", "bool", "date", "datetime", "enumeration"}

// libraries is what the loader keeps about library directories while it
// loads: which library each file belongs to, and the requires blocks to
// decode once variables are known.
type libraries struct {
	byFile   map[string]*Library
	requires map[*Library][]*hcl.Block
}

func (ls *libraries) add(lib *Library, blocks []*hcl.Block) {
	if ls.byFile == nil {
		ls.byFile = map[string]*Library{}
		ls.requires = map[*Library][]*hcl.Block{}
	}
	for _, b := range blocks {
		ls.byFile[b.DefRange.Filename] = lib
	}
}

// of returns the library a range lies in, or nil for the project's files.
func (ls *libraries) of(r hcl.Range) *Library { return ls.byFile[r.Filename] }

// parseLibraries decodes the library blocks of the project's files and
// parses their directories, returning the libraries' top-level blocks. As
// with include, the directories are read before anything is evaluated, so
// source must be a literal path relative to the project directory.
func (l *loader) parseLibraries(dir string, blocks []*hcl.Block) []*hcl.Block {
	var out []*hcl.Block
	for _, blk := range blocks {
		if blk.Type != "library" || l.libs.of(blk.DefRange) != nil {
			continue
		}
		lib := l.decodeLibraryBlock(dir, blk)
		if lib == nil {
			continue
		}
		out = append(out, l.readLibraryDir(lib)...)
	}
	return out
}

// decodeLibraryBlock reads a library block; it returns nil when the
// library cannot be read at all (no source, or a source that is not a
// directory of flows).
func (l *loader) decodeLibraryBlock(dir string, blk *hcl.Block) *Library {
	name := blk.Labels[0]
	what := fmt.Sprintf("The library %q", name)
	if prev, dup := l.cfg.Libraries[name]; dup {
		l.diags = append(l.diags, duplicate("Duplicate library", fmt.Sprintf("A library %q", name), prev.DeclRange, blk.LabelRanges[0]))
		return nil
	}
	lib := &Library{Name: name, Connections: map[string]string{}, Vars: map[string]*LibraryVar{}, DeclRange: blk.DefRange}
	c, diags := content(blk.Body, libraryBlockSchema)
	l.diags = append(l.diags, diags...)
	attr, ok := c.Attributes["source"]
	if !ok {
		l.diags = append(l.diags, missingArgument(blk, "source", what, `source = "<directory>", the library's directory relative to the project, such as source = "../../flows"`))
		return nil
	}
	lib.SourceRange = attr.Expr.Range()
	v, ok := l.literal(attr, cty.String)
	if !ok {
		return nil
	}
	lib.Source = v.AsString()
	lib.Dir = filepath.Clean(filepath.Join(dir, lib.Source))
	if !l.checkLibraryDir(lib, dir, attr.Expr.Range()) {
		return nil
	}
	if attr, ok := c.Attributes["connections"]; ok {
		l.decodeLibraryConnections(lib, attr)
	}
	if attr, ok := c.Attributes["vars"]; ok {
		for _, item := range l.objectItems(attr, `vars = { order_target = "draft" }`) {
			lib.Vars[item.name] = &LibraryVar{Name: item.name, NameRange: item.keyRange, Expr: item.value}
		}
	}
	if attr, ok := c.Attributes["flows"]; ok {
		if v, ok := l.literal(attr, cty.List(cty.String)); ok && !v.IsNull() {
			lib.Flows = []string{}
			for _, e := range v.AsValueSlice() {
				lib.Flows = append(lib.Flows, e.AsString())
			}
			lib.FlowsRange = attr.Expr.Range()
		}
	}
	l.cfg.Libraries[name] = lib
	return lib
}

// disableUnlisted disables a flow of a library whose block lists the flows
// the project runs (flows = [...]) and does not list this one.
func (l *loader) disableUnlisted(f *Flow, blk *hcl.Block) {
	lib := l.libs.of(blk.DefRange)
	if lib == nil || lib.Flows == nil || slices.Contains(lib.Flows, f.Name) || !f.Enabled {
		return
	}
	f.Enabled = false
	f.DisabledReason = fmt.Sprintf("it is not in the flows of the library %q", lib.Name)
	f.EnabledRange = lib.FlowsRange
}

// checkLibraryFlows reports a name in a library block's flows that is not a
// flow of that library.
func (l *loader) checkLibraryFlows() {
	for _, lib := range l.cfg.libraryList() {
		if lib.Flows == nil {
			continue
		}
		var own []string
		for name, f := range l.cfg.Flows {
			if l.libs.of(f.DeclRange) == lib {
				own = append(own, name)
			}
		}
		slices.Sort(own)
		seen := map[string]bool{}
		for _, name := range lib.Flows {
			switch {
			case seen[name]:
				l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate flow",
					Detail: fmt.Sprintf("The flow %q is listed twice in the flows of the library %q: list it once.", name, lib.Name), Subject: lib.FlowsRange.Ptr()})
			case !slices.Contains(own, name):
				detail := fmt.Sprintf("The library %q has no flow %q.", lib.Name, name)
				if s := suggest(name, own); s != "" {
					detail += fmt.Sprintf(" Did you mean %q?", s)
				}
				detail += " Its flows: " + strings.Join(own, ", ") + "."
				l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown flow", Detail: detail, Subject: lib.FlowsRange.Ptr()})
			}
			seen[name] = true
		}
	}
}

// checkLibraryDir reports a library source that is not a directory of
// *.hcl files, or one that is read already.
func (l *loader) checkLibraryDir(lib *Library, projectDir string, rng hcl.Range) bool {
	bad := func(detail string) bool {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid library source", Detail: detail, Subject: rng.Ptr()})
		return false
	}
	if lib.Dir == filepath.Clean(projectDir) {
		return bad("A library is another directory than the project: name the directory of its flows, such as source = \"../../flows\".")
	}
	fi, err := os.Stat(lib.Dir)
	if err != nil || !fi.IsDir() {
		return bad(fmt.Sprintf("%q is not a directory (looked for %s). source is relative to the project directory.", lib.Source, lib.Dir))
	}
	if names, _ := projectFiles(lib.Dir); len(names) == 0 {
		return bad(fmt.Sprintf("The directory %s holds no *.hcl files, so it is not a flow library.", lib.Dir))
	}
	for _, other := range l.cfg.Libraries {
		if other.Dir == lib.Dir {
			return bad(fmt.Sprintf("The directory %s is read already by %s at %s: a project uses a library once.", lib.Dir, libraryTitle(other), shortRange(other.DeclRange)))
		}
	}
	return true
}

func libraryTitle(lib *Library) string {
	if lib.Implicit {
		return fmt.Sprintf("the include %q", lib.Source)
	}
	return fmt.Sprintf("the library %q", lib.Name)
}

// readLibraryDir parses a library's directory and returns the blocks that
// join the project. A library holds flows, variables, lookups, functions
// and its requires block; connections and settings are the project's.
func (l *loader) readLibraryDir(lib *Library) []*hcl.Block {
	blocks := l.parseDir(lib.Dir)
	l.libs.add(lib, blocks)
	var out []*hcl.Block
	for _, blk := range blocks {
		switch blk.Type {
		case "requires":
			l.libs.requires[lib] = append(l.libs.requires[lib], blk)
		case "kopla", "connection", "library":
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unexpected " + blk.Type + " block in a library",
				Detail:   libraryBlockAdvice(blk.Type),
				Subject:  blk.DefRange.Ptr(),
			})
		default:
			out = append(out, blk)
		}
	}
	return out
}

func libraryBlockAdvice(typ string) string {
	switch typ {
	case "kopla":
		return "The kopla block belongs to the project that uses the library. Remove this one."
	case "connection":
		return "A library uses the connections of the project that uses it: declare what it needs in a requires block, requires { connection \"kind\" \"name\" { ... } }, and let the project pass its connection in the library block's connections."
	}
	return "Libraries do not use other libraries: declare the library block in the project."
}

// decodeLibraryConnections reads connections = { shop = hubspot.myshop }:
// the library's connection names to the project's connections.
func (l *loader) decodeLibraryConnections(lib *Library, attr *hcl.Attribute) {
	for _, item := range l.objectItems(attr, `connections = { shop = hubspot.myshop }`) {
		tr, diags := traversalOf(item.value)
		ok := !diags.HasErrors() && len(tr) == 2
		var name string
		if ok {
			step, isAttr := tr[1].(hcl.TraverseAttr)
			ok, name = isAttr, step.Name
		}
		if !ok {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid connection reference",
				Detail:   fmt.Sprintf("The value of %s must name a connection of the project as kind.name, such as %s = hubspot.shop.", item.name, item.name),
				Subject:  item.value.Range().Ptr(),
			})
			continue
		}
		// The kind is the project connection's; the requires block checks it.
		lib.Connections[tr.RootName()+"."+item.name] = tr.RootName() + "." + name
		l.connRanges[lib.Name+"\x00"+item.name] = connMapping{key: item.keyRange, value: tr.SourceRange()}
	}
}

type connMapping struct{ key, value hcl.Range }

type objectItem struct {
	name     string
	keyRange hcl.Range
	value    hcl.Expression
}

// objectItems reads the items of a { name = value } argument whose keys are
// names.
func (l *loader) objectItems(attr *hcl.Attribute, example string) []objectItem {
	pairs, diags := hcl.ExprMap(attr.Expr)
	if diags.HasErrors() {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid " + attr.Name,
			Detail:   fmt.Sprintf("%s must be a map written out, such as %s.", attr.Name, example),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return nil
	}
	var items []objectItem
	seen := map[string]hcl.Range{}
	for _, it := range pairs {
		name := hcl.ExprAsKeyword(it.Key)
		if name == "" {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid name",
				Detail:   fmt.Sprintf("The keys of %s are names, written without quotes, such as %s.", attr.Name, example),
				Subject:  it.Key.Range().Ptr(),
			})
			continue
		}
		if prev, dup := seen[name]; dup {
			l.diags = append(l.diags, duplicate("Duplicate "+attr.Name+" entry", fmt.Sprintf("%s in %s", name, attr.Name), prev, it.Key.Range()))
			continue
		}
		seen[name] = it.Key.Range()
		items = append(items, objectItem{name: name, keyRange: it.Key.Range(), value: it.Value})
	}
	return items
}

// decodeRequirements decodes the requires blocks of the libraries (their
// record values may read variables) and fills the identity mapping of the
// connections of includes.
func (l *loader) decodeRequirements() {
	for _, lib := range l.cfg.libraryList() {
		blocks := l.libs.requires[lib]
		for _, extra := range blocks[min(1, len(blocks)):] {
			l.diags = append(l.diags, duplicateFix("Duplicate requires block", "A requires block of this library", blocks[0].DefRange, extra.DefRange, "A library has one requires block: merge the two."))
		}
		if len(blocks) > 0 {
			l.decodeRequires(lib, blocks[0])
		}
		if lib.Implicit {
			for _, req := range lib.Requires {
				lib.Connections[req.Key()] = req.Key()
			}
		}
	}
}

func (l *loader) decodeRequires(lib *Library, blk *hcl.Block) {
	c, diags := content(blk.Body, requiresSchema)
	l.diags = append(l.diags, diags...)
	seen := map[string]*Requirement{}
	for _, cb := range c.Blocks {
		req := &Requirement{Kind: cb.Labels[0], Name: cb.Labels[1], DeclRange: cb.DefRange}
		if prev, dup := seen[req.Key()]; dup {
			l.diags = append(l.diags, duplicateFix("Duplicate connection", fmt.Sprintf("A connection %q %q", req.Kind, req.Name), prev.DeclRange, cb.DefRange, "Merge the two blocks."))
			continue
		}
		seen[req.Key()] = req
		lib.Requires = append(lib.Requires, req)
		rc, diags := content(cb.Body, requirementSchema)
		l.diags = append(l.diags, diags...)
		props := map[string]hcl.Range{}
		for _, b := range rc.Blocks {
			key := b.Labels[0] + "." + b.Labels[1]
			switch b.Type {
			case "property":
				if prev, dup := props[key]; dup {
					l.diags = append(l.diags, duplicate("Duplicate property", fmt.Sprintf("A property %q %q", b.Labels[0], b.Labels[1]), prev, b.DefRange))
					continue
				}
				props[key] = b.DefRange
				if p := l.decodeRequiredProperty(b); p != nil {
					req.Properties = append(req.Properties, p)
				}
			case "record":
				if r := l.decodeRequiredRecord(b); r != nil {
					req.Records = append(req.Records, r)
				}
			}
		}
	}
}

func (l *loader) decodeRequiredProperty(b *hcl.Block) *RequiredProperty {
	p := &RequiredProperty{Object: b.Labels[0], Name: b.Labels[1], Type: "string", DeclRange: b.DefRange}
	c, diags := content(b.Body, requiredPropertySchema)
	l.diags = append(l.diags, diags...)
	var typeRange hcl.Range
	if attr, ok := c.Attributes["type"]; ok {
		typeRange = attr.Expr.Range()
		if v, ok := l.literal(attr, cty.String); ok {
			p.Type = v.AsString()
			if !slices.Contains(propertyTypes, p.Type) {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid property type",
					Detail:   fmt.Sprintf("type must be %s, not %q.%s", quoteList(propertyTypes), p.Type, didYouMean(p.Type, propertyTypes, nil)),
					Subject:  attr.Expr.Range().Ptr(),
				})
				return nil
			}
		}
	}
	if attr, ok := c.Attributes["unique"]; ok {
		if v, ok := l.literal(attr, cty.Bool); ok {
			p.Unique = v.True()
		}
	}
	for name, dst := range map[string]*string{"label": &p.Label, "description": &p.Description} {
		if attr, ok := c.Attributes[name]; ok {
			if v, ok := l.literal(attr, cty.String); ok {
				*dst = v.AsString()
			}
		}
	}
	if p.Label == "" {
		p.Label = p.Name
	}
	attr, hasOptions := c.Attributes["options"]
	switch {
	case hasOptions && p.Type != "enumeration":
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Options of a property that is no enumeration",
			Detail:   fmt.Sprintf("Only a property of type \"enumeration\" has options; this one is a %s. Set type = \"enumeration\" or remove options.", p.Type),
			Subject:  attr.NameRange.Ptr(),
		})
	case hasOptions:
		if v, ok := l.literal(attr, cty.List(cty.String)); ok {
			for it := v.ElementIterator(); it.Next(); {
				_, o := it.Element()
				p.Options = append(p.Options, o.AsString())
			}
		}
	case p.Type == "enumeration":
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Enumeration without options",
			Detail:   `A property of type "enumeration" lists its values: add options = ["a", "b"].`,
			Subject:  typeRange.Ptr(),
		})
	}
	return p
}

func (l *loader) decodeRequiredRecord(b *hcl.Block) *RequiredRecord {
	r := &RequiredRecord{Object: b.Labels[0], Name: b.Labels[1], DeclRange: b.DefRange}
	what := fmt.Sprintf("The record %q %q", r.Object, r.Name)
	c, diags := content(b.Body, requiredRecordSchema)
	l.diags = append(l.diags, diags...)
	attr, ok := c.Attributes["field"]
	if !ok {
		l.diags = append(l.diags, missingArgument(b, "field", what, `field = "<field>", the field the flows find the record by, such as field = "Number"`))
		return nil
	}
	v, ok := l.literal(attr, cty.String)
	if !ok {
		return nil
	}
	r.Field = v.AsString()
	attr, ok = c.Attributes["value"]
	if !ok {
		l.diags = append(l.diags, missingArgument(b, "value", what, `value = <the value>, such as value = var.freight_article_number`))
		return nil
	}
	val, ok := l.eval(attr, cty.DynamicPseudoType, "the record "+r.Name)
	if !ok {
		return nil
	}
	r.Value = ctyToGo(val)
	if attr, ok := c.Attributes["description"]; ok {
		if v, ok := l.literal(attr, cty.String); ok {
			r.Description = v.AsString()
		}
	}
	return r
}

// bindLibraries checks the connections each library is given against its
// requires block and points the library's flows at the project's
// connections. It runs before the flow references are checked.
func (l *loader) bindLibraries() {
	l.cfg.ConnectionAliases = map[string]string{}
	aliasOwner := map[string]*Library{}
	for _, lib := range l.cfg.libraryList() {
		required := map[string]*Requirement{}
		for _, req := range lib.Requires {
			required[req.Key()] = req
		}
		if !lib.Implicit {
			l.checkLibraryConnections(lib, required)
		}
		for alias, key := range lib.Connections {
			if alias == key {
				continue
			}
			if _, taken := l.cfg.Connections[alias]; taken {
				m := l.connRanges[lib.Name+"\x00"+strings.SplitN(alias, ".", 2)[1]]
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Connection name taken",
					Detail:   fmt.Sprintf("The library calls a connection %s, and the project has a connection %s of its own, so expressions naming %s would be ambiguous. Pass that connection to the library, or rename one of the two.", alias, alias, alias),
					Subject:  m.value.Ptr(),
				})
				continue
			}
			if prev, ok := aliasOwner[alias]; ok && l.cfg.ConnectionAliases[alias] != key {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Conflicting connection names",
					Detail:   fmt.Sprintf("The libraries %q and %q both call a connection %s, but are given different ones (%s and %s). Give both the same connection.", prev.Name, lib.Name, alias, l.cfg.ConnectionAliases[alias], key),
					Subject:  lib.DeclRange.Ptr(),
				})
				continue
			}
			aliasOwner[alias] = lib
			l.cfg.ConnectionAliases[alias] = key
		}
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Flows)) {
		f := l.cfg.Flows[name]
		lib := l.libs.of(f.DeclRange)
		if lib == nil {
			continue
		}
		for _, ref := range []*ObjectRef{&f.Source, &f.Target} {
			l.bindLibraryRef(lib, ref)
		}
	}
}

// bindLibraryRef points an object reference of a library's flow at the
// project connection the library is given.
func (l *loader) bindLibraryRef(lib *Library, ref *ObjectRef) {
	if ref.Kind == "" {
		return
	}
	key, ok := lib.Connections[ref.ConnectionKey()]
	if !ok {
		if lib.Implicit {
			return // an include uses the project's connections by name
		}
		for _, req := range lib.Requires {
			if req.Key() == ref.ConnectionKey() {
				// Required but not passed as it should be: reported at the
				// library block, so the reference is left unresolved.
				ref.Kind = ""
				return
			}
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Connection not required by the library",
			Detail:   fmt.Sprintf("The library's flows use a connection %s, which its requires block does not declare, so no project can pass it. Add connection %q %q { } to the requires block.", ref.ConnectionKey(), ref.Kind, ref.Connection),
			Subject:  ref.Range.Ptr(),
		})
		return
	}
	_, ref.Connection, _ = strings.Cut(key, ".")
}

// checkLibraryConnections reports required connections the library block
// does not pass, passed ones the library does not require, and ones of the
// wrong kind or unknown to the project.
func (l *loader) checkLibraryConnections(lib *Library, required map[string]*Requirement) {
	names := map[string]*Requirement{}
	var reqNames []string
	for _, req := range lib.Requires {
		names[req.Name] = req
		reqNames = append(reqNames, req.Name)
	}
	passed := map[string]string{}
	for alias, key := range lib.Connections {
		_, name, _ := strings.Cut(alias, ".")
		passed[name] = key
	}
	projectConns := slices.Sorted(maps.Keys(l.cfg.Connections))
	for _, name := range slices.Sorted(maps.Keys(passed)) {
		key := passed[name]
		m := l.connRanges[lib.Name+"\x00"+name]
		delete(lib.Connections, strings.SplitN(key, ".", 2)[0]+"."+name)
		req, ok := names[name]
		if !ok {
			detail := fmt.Sprintf("The library %q requires no connection named %q.", lib.Name, name)
			if s := suggest(name, reqNames); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			} else if len(reqNames) > 0 {
				detail += " It requires " + quoteList(reqNames) + "."
			}
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown library connection", Detail: detail + " Remove this entry.", Subject: m.key.Ptr()})
			continue
		}
		kind, _, _ := strings.Cut(key, ".")
		if kind != req.Kind {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Wrong kind of connection",
				Detail:   fmt.Sprintf("The library %q needs a %s connection as %s (requires at %s), not a %s one: pass a connection %s.<name>.", lib.Name, req.Kind, name, shortRange(req.DeclRange), kind, req.Kind),
				Subject:  m.value.Ptr(),
			})
			continue
		}
		if _, ok := l.cfg.Connections[key]; !ok {
			hint := "Declare it"
			if s := suggestConnection(key, projectConns); s != "" {
				hint = fmt.Sprintf("Did you mean %s? Otherwise declare it", s)
			}
			kindName := strings.SplitN(key, ".", 2)
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown connection",
				Detail:   fmt.Sprintf("There is no connection %q %q. %s with a connection %q %q { ... } block.", kindName[0], kindName[1], hint, kindName[0], kindName[1]),
				Subject:  m.value.Ptr(),
			})
			continue
		}
		lib.Connections[req.Key()] = key
	}
	for _, req := range lib.Requires {
		if _, ok := passed[req.Name]; ok {
			continue
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing library connection",
			Detail:   fmt.Sprintf("The library %q requires a %s connection it calls %s (at %s). Pass one of the project's: connections = { %s = %s.<name> }.", lib.Name, req.Kind, req.Name, shortRange(req.DeclRange), req.Name, req.Kind),
			Subject:  lib.DeclRange.Ptr(),
		})
	}
}

// isLibraryVariable reports whether a variable is declared in a library.
func (l *loader) isLibraryVariable(v *Variable) bool { return l.libs.of(v.DeclRange) != nil }

// libraryVarSetter returns the library block that sets a variable in its
// vars, or nil.
func (l *loader) libraryVarSetter(name string) (*Library, *LibraryVar) {
	for _, lib := range l.cfg.libraryList() {
		if lv, ok := lib.Vars[name]; ok {
			if v := l.cfg.Variables[name]; v != nil && l.libs.of(v.DeclRange) == lib {
				return lib, lv
			}
		}
	}
	return nil, nil
}

// setByLibrary reports a value given by from (a -var, KOPLA_VAR_ or a
// variables file) for a variable that a library block sets: a library's
// inputs come from its block, as a Terraform module's do.
func (l *loader) setByLibrary(name, from string, subject *hcl.Range) bool {
	lib, lv := l.libraryVarSetter(name)
	if lib == nil {
		return false
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Variable set by a library block",
		Detail:   fmt.Sprintf("%s sets %q, which the library %q sets in its vars (%s). A library's inputs come from its block: to set it from outside, declare a variable in the project and pass it, vars = { %s = var.<project variable> }.", capitalize(from), name, lib.Name, shortRange(lv.NameRange), name),
		Subject:  subject,
	})
	return true
}

// assignLibraryVars evaluates the vars of the library blocks over the
// project's variables (vals holds them resolved) and sets the library
// variables they name.
func (l *loader) assignLibraryVars(vals map[string]cty.Value) {
	project := map[string]*Variable{}
	projectVals := map[string]cty.Value{}
	for name, v := range l.cfg.Variables {
		if l.isLibraryVariable(v) {
			continue
		}
		project[name] = v
		if val, ok := vals[name]; ok {
			projectVals[name] = val
		} else {
			projectVals[name] = cty.DynamicVal
		}
	}
	ctx := evalContext(projectVals, l.lookupEnv, l.cfg.Dir)
	for _, lib := range l.cfg.libraryList() {
		var own []string
		for name, v := range l.cfg.Variables {
			if l.libs.of(v.DeclRange) == lib {
				own = append(own, name)
			}
		}
		slices.Sort(own)
		for _, name := range slices.Sorted(maps.Keys(lib.Vars)) {
			lv := lib.Vars[name]
			v := l.cfg.Variables[name]
			if v == nil || l.libs.of(v.DeclRange) != lib {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unknown library variable",
					Detail:   fmt.Sprintf("The library %q has no variable %q.%s", lib.Name, name, didYouMean(name, own, nil)),
					Subject:  lv.NameRange.Ptr(),
				})
				continue
			}
			if l.readsLibraryVariable(lv) {
				continue
			}
			diags := checkExpression(lv.Expr, fmt.Sprintf("vars of the library %q", lib.Name), project, ctx, l.lookupEnv)
			l.diags = append(l.diags, diags...)
			if diags.HasErrors() {
				continue
			}
			val, diags := lv.Expr.Value(ctx)
			l.diags = append(l.diags, diags...)
			if diags.HasErrors() || !val.IsWhollyKnown() {
				continue // an unset project variable is reported at its declaration
			}
			conv, err := convertVar(v, val)
			if err != nil {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid value for variable",
					Detail:   fmt.Sprintf("The value of %q is not valid: %s.", name, err),
					Subject:  lv.Expr.Range().Ptr(),
				})
				continue
			}
			vals[name] = conv
		}
	}
}

// readsLibraryVariable reports a vars value that reads a library's
// variable: vars give a library its inputs from the project's variables.
func (l *loader) readsLibraryVariable(lv *LibraryVar) bool {
	found := false
	for _, tr := range lv.Expr.Variables() {
		if tr.RootName() != "var" || len(tr) < 2 {
			continue
		}
		step, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if v := l.cfg.Variables[step.Name]; v != nil && l.isLibraryVariable(v) {
			found = true
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Library variable in vars",
				Detail:   fmt.Sprintf("var.%s is a variable of a library; vars are computed from the project's variables and literals. Declare a variable in the project and use it here.", step.Name),
				Subject:  tr.SourceRange().Ptr(),
			})
		}
	}
	return found
}
