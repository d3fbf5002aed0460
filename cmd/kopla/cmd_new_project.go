package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/flows"
)

// libraryName is the name of the library block kopla new writes; the
// library calls its connections shop and books, and so does the project.
const libraryName = "webshop"

// hubspotScopes are the scopes of the HubSpot app the flow library needs
// (README, "use it on your own accounts"), asked for by an OAuth login.
var hubspotScopes = []string{
	"crm.objects.contacts.read", "crm.objects.contacts.write",
	"crm.objects.companies.read", "crm.objects.companies.write",
	"crm.objects.deals.read", "crm.objects.line_items.read",
	"crm.objects.products.read", "crm.objects.products.write",
	"crm.objects.orders.read", "crm.objects.orders.write",
	"crm.objects.invoices.read", "crm.objects.invoices.write",
	"crm.schemas.contacts.read", "crm.schemas.companies.read",
	"crm.schemas.orders.read", "crm.schemas.products.read",
	"crm.schemas.invoices.read", "oauth",
}

// newProject is what kopla new writes.
type newProject struct {
	dir     string // absolute
	library string // the library block's source, relative to dir
	// hubspotOAuth: the HubSpot connection signs in with an OAuth app
	// (client id and secret) instead of a private app token.
	hubspotOAuth bool
	// flows lists the library flows to run; nil writes no flows argument
	// (every flow runs as its enabled says).
	flows []string
	// settings are the library variables set in the library block, in the
	// order asked.
	settings []setting
	// secrets are the project variables .kopla.vars sets: credentials.
	secrets []secret
}

type setting struct {
	name, description string
	value             cty.Value
}

type secret struct {
	name, description string
	value             string
	sensitive         bool
}

// secretVars are the project's credential variables, by connection.
func (p *newProject) secretVars() []secret {
	var out []secret
	if p.hubspotOAuth {
		out = append(out,
			secret{name: "hubspot_client_id", description: "Client id of the HubSpot OAuth app."},
			secret{name: "hubspot_client_secret", description: "Client secret of the HubSpot OAuth app.", sensitive: true})
	} else {
		out = append(out, secret{name: "hubspot_token", description: "Access token of the HubSpot private app (or service key).", sensitive: true})
	}
	return append(out,
		secret{name: "eaccounting_client_id", description: "Client id of the Visma eAccounting API application."},
		secret{name: "eaccounting_client_secret", description: "Client secret of the Visma eAccounting API application.", sensitive: true})
}

// mainHCL renders main.hcl: the library block with the flows and settings
// chosen, the credential variables and the two connections. Secrets are
// variables, whose values are in .kopla.vars.
func (p *newProject) mainHCL() []byte {
	var b bytes.Buffer
	b.WriteString(`# Created by kopla new: kopla's HubSpot <-> eAccounting flow library with the
# flows and settings chosen (docs/flows describes each). The credentials are
# variables whose values are in .kopla.vars, which stays out of version
# control; kopla login keeps the OAuth tokens in .kopla/. In CI, set them
# with KOPLA_VAR_<name> environment variables instead.

`)
	fmt.Fprintf(&b, "library %q {\n", libraryName)
	fmt.Fprintf(&b, "  source      = %s\n", quote(p.library))
	b.WriteString("  connections = { shop = hubspot.shop, books = eaccounting.books }\n")
	if p.flows != nil {
		b.WriteString("  # The library's flows this project runs; the others are disabled.\n  flows = [\n")
		for _, f := range p.flows {
			fmt.Fprintf(&b, "    %s,\n", quote(f))
		}
		b.WriteString("  ]\n")
	}
	if len(p.settings) > 0 {
		b.WriteString("  vars = {\n")
		for i, s := range p.settings {
			if i > 0 {
				b.WriteString("\n")
			}
			comment(&b, "    ", s.description)
			fmt.Fprintf(&b, "    %s = %s\n", s.name, hclwrite.TokensForValue(s.value).Bytes())
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	for _, s := range p.secretVars() {
		fmt.Fprintf(&b, "\nvariable %q {\n  description = %s\n", s.name, quote(s.description))
		if s.sensitive {
			b.WriteString("  sensitive   = true\n")
		}
		b.WriteString("}\n")
	}
	b.WriteString("\nconnection \"hubspot\" \"shop\" {\n")
	if p.hubspotOAuth {
		b.WriteString("  oauth {\n    client_id     = var.hubspot_client_id\n    client_secret = var.hubspot_client_secret\n    scopes = [\n")
		for _, s := range hubspotScopes {
			fmt.Fprintf(&b, "      %s,\n", quote(s))
		}
		b.WriteString("    ]\n  }\n")
	} else {
		b.WriteString("  token    = var.hubspot_token\n")
	}
	b.WriteString(`  # The real API unless the environment says otherwise (kopla sandbox
  # prints the exports that point this project at its fakes).
  base_url = env("HUBSPOT_BASE_URL", "https://api.hubapi.com")
}

connection "eaccounting" "books" {
  client_id     = var.eaccounting_client_id
  client_secret = var.eaccounting_client_secret
  base_url      = env("EACCOUNTING_BASE_URL", "https://eaccountingapi.vismaonline.com/v2")
  identity_url  = env("EACCOUNTING_IDENTITY_URL", "https://identity.vismaonline.com")
  # Empty: the token kopla login stored. Set for a headless first run.
  refresh_token = env("EACCOUNTING_REFRESH_TOKEN", "")
}
`)
	return hclwrite.Format(b.Bytes())
}

// varsFile renders .kopla.vars: the credentials.
func (p *newProject) varsFile() []byte {
	var b bytes.Buffer
	b.WriteString("# Credentials of this project, written by kopla new. Keep this file out of\n# version control (.gitignore lists it).\n")
	for _, s := range p.secrets {
		fmt.Fprintf(&b, "\n# %s\n%s = %s\n", s.description, s.name, quote(s.value))
	}
	return hclwrite.Format(b.Bytes())
}

const gitignore = "# Written by kopla new: state, tokens and credentials stay on this machine.\n.kopla/\n.kopla.vars\n"

// write writes the project's files: main.hcl, .kopla.vars (readable by
// its owner only) and, when there is none, .gitignore.
func (p *newProject) write() error {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return fmt.Errorf("create the project directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "main.hcl"), p.mainHCL(), 0o644); err != nil {
		return fmt.Errorf("write main.hcl: %w", err)
	}
	vars := filepath.Join(p.dir, dsl.VarsFile)
	if err := os.WriteFile(vars, p.varsFile(), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", dsl.VarsFile, err)
	}
	// WriteFile keeps the mode of a file that exists.
	if err := os.Chmod(vars, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", dsl.VarsFile, err)
	}
	ignore := filepath.Join(p.dir, ".gitignore")
	if _, err := os.Stat(ignore); os.IsNotExist(err) {
		if err := os.WriteFile(ignore, []byte(gitignore), 0o644); err != nil {
			return fmt.Errorf("write .gitignore: %w", err)
		}
	}
	return nil
}

// copyLibrary writes the built-in flow library into dir.
func copyLibrary(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("copy the flow library: %w", err)
	}
	return fs.WalkDir(flows.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := flows.FS.ReadFile(path)
		if err != nil {
			return fmt.Errorf("copy the flow library: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, path), b, 0o644); err != nil {
			return fmt.Errorf("copy the flow library: %w", err)
		}
		return nil
	})
}

// existingProject names the file that makes dir a kopla project already,
// or "" when there is none.
func existingProject(dir string) string {
	for _, name := range []string{"main.hcl", dsl.VarsFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return name
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.hcl")); len(m) > 0 {
		return filepath.Base(m[0])
	}
	return ""
}

func quote(s string) string { return string(hclwrite.TokensForValue(cty.StringVal(s)).Bytes()) }

// comment writes text as # lines of at most 78 columns.
func comment(b *bytes.Buffer, indent, text string) {
	line := indent + "#"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 78 && line != indent+"#" {
			b.WriteString(line + "\n")
			line = indent + "#"
		}
		line += " " + w
	}
	if line != indent+"#" {
		b.WriteString(line + "\n")
	}
}

// libraryFlow is a flow of the library as kopla new offers it.
type libraryFlow struct {
	name, source, target, file string
	enabled                    bool // under the library's defaults
	ensures                    []string
	// switchVar, when set, is the variable the flow's own enabled
	// expression reads (enabled = var.x, or var.x == "value"), and
	// switchValue the value that enables it: choosing the flow sets it.
	switchVar   string
	switchValue cty.Value
}

// libraryVar is a variable of the library as kopla new asks it.
type libraryVar struct {
	name, description, file string
	def                     cty.Value
	// kind is "string", "number", "bool" or "list" (of strings): what an
	// answer on one line can give; "" for a map or object, which is not
	// asked (set it in the library block's vars).
	kind string
}

// libraryOf lists the flows and variables the library at dir declares, in
// the order of its files (settings.hcl first: it is shared by every flow).
func libraryOf(cfg *dsl.Config, dir string) ([]*libraryFlow, []*libraryVar) {
	in := func(r hcl.Range) bool { return strings.HasPrefix(r.Filename, dir+string(filepath.Separator)) }
	order := func(a, b hcl.Range) int {
		fa, fb := filepath.Base(a.Filename), filepath.Base(b.Filename)
		if (fa == "settings.hcl") != (fb == "settings.hcl") {
			if fa == "settings.hcl" {
				return -1
			}
			return 1
		}
		if c := strings.Compare(fa, fb); c != 0 {
			return c
		}
		return a.Start.Byte - b.Start.Byte
	}
	var fl []*libraryFlow
	ranges := map[string]hcl.Range{}
	for name, f := range cfg.Flows {
		if !in(f.DeclRange) {
			continue
		}
		lf := &libraryFlow{name: name, source: f.Source.String(), target: f.Target.String(), file: filepath.Base(f.DeclRange.Filename), enabled: f.Enabled}
		for _, e := range f.Ensures {
			lf.ensures = append(lf.ensures, e.Flow)
		}
		if f.EnabledRange.Filename != "" {
			lf.switchVar, lf.switchValue = switchOf(f.EnabledRange)
		}
		fl = append(fl, lf)
		ranges[name] = f.DeclRange
	}
	slices.SortFunc(fl, func(a, b *libraryFlow) int { return order(ranges[a.name], ranges[b.name]) })
	var vs []*libraryVar
	vranges := map[string]hcl.Range{}
	for name, v := range cfg.Variables {
		if !in(v.DeclRange) || v.Default == cty.NilVal || !v.Default.IsWhollyKnown() {
			continue
		}
		vs = append(vs, &libraryVar{name: name, description: v.Description, file: filepath.Base(v.DeclRange.Filename), def: v.Default, kind: varKind(v.Default)})
		vranges[name] = v.DeclRange
	}
	slices.SortFunc(vs, func(a, b *libraryVar) int { return order(vranges[a.name], vranges[b.name]) })
	return fl, vs
}

func varKind(v cty.Value) string {
	t := v.Type()
	switch {
	case t == cty.String:
		return "string"
	case t == cty.Number:
		return "number"
	case t == cty.Bool:
		return "bool"
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); e.Type() != cty.String {
				return ""
			}
		}
		return "list"
	}
	return ""
}

// switchOf reads a flow's enabled expression at rng: var.x (x = true
// enables it) or var.x == "value" (x = "value" does).
func switchOf(rng hcl.Range) (string, cty.Value) {
	src, err := os.ReadFile(rng.Filename)
	if err != nil || rng.End.Byte > len(src) {
		return "", cty.NilVal
	}
	expr, diags := hclsyntax.ParseExpression(src[rng.Start.Byte:rng.End.Byte], rng.Filename, rng.Start)
	if diags.HasErrors() {
		return "", cty.NilVal
	}
	varOf := func(e hclsyntax.Expression) string {
		st, ok := e.(*hclsyntax.ScopeTraversalExpr)
		if !ok || len(st.Traversal) != 2 || st.Traversal.RootName() != "var" {
			return ""
		}
		a, ok := st.Traversal[1].(hcl.TraverseAttr)
		if !ok {
			return ""
		}
		return a.Name
	}
	switch e := expr.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		if name := varOf(e); name != "" {
			return name, cty.True
		}
	case *hclsyntax.BinaryOpExpr:
		if e.Op != hclsyntax.OpEqual {
			break
		}
		name, lit := varOf(e.LHS), e.RHS
		if name == "" {
			name, lit = varOf(e.RHS), e.LHS
		}
		if name == "" || len(lit.Variables()) > 0 {
			break
		}
		if v, diags := lit.Value(nil); !diags.HasErrors() && v.IsWhollyKnown() {
			return name, v
		}
	}
	return "", cty.NilVal
}

// parseSetting turns an answer into a value of the variable's kind.
func parseSetting(v *libraryVar, answer string) (cty.Value, error) {
	switch v.kind {
	case "string":
		return cty.StringVal(answer), nil
	case "number":
		n, err := strconv.ParseFloat(strings.TrimSpace(answer), 64)
		if err != nil {
			return cty.NilVal, fmt.Errorf("%s is a number, such as %s", v.name, valueText(v.def))
		}
		return cty.NumberFloatVal(n), nil
	case "bool":
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "true", "yes", "y":
			return cty.True, nil
		case "false", "no", "n":
			return cty.False, nil
		}
		return cty.NilVal, fmt.Errorf("%s is true or false (yes or no)", v.name)
	case "list":
		var out []cty.Value
		for _, s := range strings.Split(answer, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, cty.StringVal(s))
			}
		}
		if len(out) == 0 {
			return cty.ListValEmpty(cty.String), nil
		}
		return cty.ListVal(out), nil
	}
	// A map or object: an HCL expression, as written in the library block.
	expr, diags := hclsyntax.ParseExpression([]byte(answer), "-var "+v.name, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("%s is a map written in HCL, such as %s", v.name, valueText(v.def))
	}
	val, diags := expr.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("%s is a constant written in HCL, such as %s", v.name, valueText(v.def))
	}
	return val, nil
}

// valueText is a value as an answer gives it: a string bare, a list of
// strings comma-separated, anything else in HCL.
func valueText(v cty.Value) string {
	switch {
	case v.Type() == cty.String:
		return v.AsString()
	case varKind(v) == "list":
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			parts = append(parts, e.AsString())
		}
		return strings.Join(parts, ", ")
	}
	return strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes()))
}

// snapshot keeps what the files kopla new writes held before, so that a
// run that fails before the project is complete leaves the directory as it
// found it (tokens a login stored in .kopla/ stay).
type snapshot struct {
	dir     string
	files   map[string][]byte // nil: the file did not exist
	created []string          // directories kopla new created, deepest last
}

func takeSnapshot(dir string) *snapshot {
	s := &snapshot{dir: dir, files: map[string][]byte{}}
	for _, name := range []string{"main.hcl", dsl.VarsFile, ".gitignore"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b = nil
		}
		s.files[name] = b
	}
	for _, d := range []string{dir, filepath.Join(dir, "flows")} {
		if _, err := os.Stat(d); os.IsNotExist(err) {
			s.created = append(s.created, d)
		}
	}
	return s
}

// restore puts the files back. It is best effort: what it cannot undo is
// left, and the next run says so (an existing project needs -force).
func (s *snapshot) restore() {
	for name, b := range s.files {
		path := filepath.Join(s.dir, name)
		if b == nil {
			os.Remove(path)
			continue
		}
		mode := os.FileMode(0o644)
		if name == dsl.VarsFile {
			mode = 0o600
		}
		os.WriteFile(path, b, mode)
	}
	for i := len(s.created) - 1; i >= 0; i-- {
		d := s.created[i]
		if d != s.dir {
			os.RemoveAll(d)
		} else {
			os.Remove(d) // only when empty
		}
	}
}
