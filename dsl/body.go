package dsl

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/kopla-dev/kopla/connectors"
)

// bodySchema is what a block body may contain. Bodies are decoded with
// hcl.Body.PartialContent on the hcl.BodySchema generated from it, as
// Terraform's configs package decodes; what is left over is reported in
// kopla's wording, with its suggestions (connectors.Suggest).
type bodySchema struct {
	// What names the body in messages: `a flow block`, `the kopla block`.
	What       string
	Attributes []string
	Blocks     []blockSchema
	// Elsewhere names, for arguments and blocks that belong in another
	// block, the block they belong in (for targeted advice).
	Elsewhere map[string]string
}

type blockSchema struct {
	Type string
	// Labels name the block's labels, for messages ("kind", "name").
	Labels []string
	// FreeLabels accepts any label text (test names are sentences, never
	// referenced from expressions).
	FreeLabels bool
}

type bodyContent struct {
	Attributes hcl.Attributes
	Blocks     hcl.Blocks
}

func (s *bodySchema) block(typ string) (blockSchema, bool) {
	for _, b := range s.Blocks {
		if b.Type == typ {
			return b, true
		}
	}
	return blockSchema{}, false
}

// hclSchema is s as HCL states a schema. No argument is required: the
// decoders report a missing one with an example of what to write.
func (s *bodySchema) hclSchema() *hcl.BodySchema {
	hs := &hcl.BodySchema{}
	for _, a := range s.Attributes {
		hs.Attributes = append(hs.Attributes, hcl.AttributeSchema{Name: a})
	}
	for _, b := range s.Blocks {
		hs.Blocks = append(hs.Blocks, hcl.BlockHeaderSchema{Type: b.Type, LabelNames: b.Labels})
	}
	return hs
}

// content decodes body against s: the known attributes and blocks, and a
// diagnostic for each unknown argument or block and each block with wrong
// labels. Blocks with a problem are left out.
//
// A native body's blocks are checked on its syntax: only there is a block
// known from an argument, and the brace a missing label belongs before
// known; HCL's own messages about label counts are replaced by kopla's. A
// JSON body's problems with JSON types and labels are HCL's.
func content(body hcl.Body, s *bodySchema) (bodyContent, hcl.Diagnostics) {
	hc, remain, hdiags := body.PartialContent(s.hclSchema())
	native, isNative := body.(*hclsyntax.Body)
	var diags hcl.Diagnostics
	if !isNative {
		diags = append(diags, hdiags...)
	}
	c := bodyContent{Attributes: hc.Attributes}
	// What PartialContent leaves are the unknown arguments (a native body
	// reports its leftover blocks as errors here, checked below).
	leftover, _ := remain.JustAttributes()
	for _, attr := range sortedAttributes(leftover) {
		if isNative {
			diags = append(diags, s.unknownArgument(attr))
		} else {
			diags = append(diags, s.unknownProperty(attr))
		}
	}
	accept := func(blk *hcl.Block) {
		bs, _ := s.block(blk.Type)
		if d := checkLabelNames(blk, bs); d != nil {
			diags = append(diags, d)
			return
		}
		c.Blocks = append(c.Blocks, blk)
	}
	if !isNative {
		for _, blk := range hc.Blocks {
			accept(blk)
		}
		return c, diags
	}
	decoded := map[hcl.Range]*hcl.Block{}
	for _, blk := range hc.Blocks {
		decoded[blk.TypeRange] = blk
	}
	for _, nb := range native.Blocks {
		if blk, ok := decoded[nb.TypeRange]; ok {
			accept(blk)
			continue
		}
		if d := s.nativeBlockProblem(nb); d != nil {
			diags = append(diags, d)
		}
	}
	return c, diags
}

// unknownArgument reports an argument the schema does not have.
func (s *bodySchema) unknownArgument(attr *hcl.Attribute) *hcl.Diagnostic {
	if _, isBlock := s.block(attr.Name); isBlock {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Block written as an argument",
			Detail:   fmt.Sprintf("%s is a block inside %s: write it without the equals sign, as %s { ... }.", attr.Name, s.What, attr.Name),
			Subject:  attr.Range.Ptr(),
		}
	}
	detail := fmt.Sprintf("An argument named %q is not expected in %s.%s", attr.Name, s.What, didYouMean(attr.Name, s.names(), s.Attributes))
	if parent, ok := s.Elsewhere[attr.Name]; ok {
		detail = fmt.Sprintf("The argument %s belongs inside %s, not in %s: move it there.", attr.Name, parent, s.What)
	} else if len(s.Attributes) == 0 {
		detail = fmt.Sprintf("An argument named %q is not expected in %s, which holds only blocks (%s): move it into the block it belongs to.", attr.Name, s.What, strings.Join(s.blockTypes(), ", "))
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown argument",
		Detail:   detail,
		Subject:  attr.NameRange.Ptr(),
	}
}

// unknownProperty reports a property of a JSON body the schema does not
// have: in JSON, arguments and blocks are both properties.
func (s *bodySchema) unknownProperty(attr *hcl.Attribute) *hcl.Diagnostic {
	detail := fmt.Sprintf("No argument or block of %s is named %q.%s", s.What, attr.Name, didYouMean(attr.Name, s.names(), s.names()))
	if parent, ok := s.Elsewhere[attr.Name]; ok {
		detail = fmt.Sprintf("%s belongs inside %s, not in %s: move it there.", attr.Name, parent, s.What)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown argument or block",
		Detail:   detail,
		Subject:  attr.NameRange.Ptr(),
	}
}

// nativeBlockProblem reports why PartialContent left a native block out:
// its type is unknown (or an argument's), or its labels are too few or
// too many.
func (s *bodySchema) nativeBlockProblem(blk *hclsyntax.Block) *hcl.Diagnostic {
	bs, ok := s.block(blk.Type)
	if ok {
		return checkLabelCount(blk, bs)
	}
	if slices.Contains(s.Attributes, blk.Type) {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Argument written as a block",
			Detail:   fmt.Sprintf("%s is an argument of %s: write it with an equals sign, as %s = ....", blk.Type, s.What, blk.Type),
			Subject:  blk.TypeRange.Ptr(),
		}
	}
	detail := fmt.Sprintf("Blocks of type %q are not expected in %s.%s", blk.Type, s.What, didYouMean(blk.Type, s.names(), s.blockTypes()))
	if parent, ok := s.Elsewhere[blk.Type]; ok {
		detail = fmt.Sprintf("Blocks of type %q belong inside %s, not in %s: move this one there.", blk.Type, parent, s.What)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown block type",
		Detail:   detail,
		Subject:  blk.TypeRange.Ptr(),
	}
}

func (s *bodySchema) names() []string {
	names := slices.Clone(s.Attributes)
	return append(names, s.blockTypes()...)
}

func (s *bodySchema) blockTypes() []string {
	var types []string
	for _, b := range s.Blocks {
		types = append(types, b.Type)
	}
	return types
}

// checkLabelCount reports a native block with too few or too many labels.
func checkLabelCount(blk *hclsyntax.Block, bs blockSchema) *hcl.Diagnostic {
	header := blockHeader(bs)
	switch {
	case len(blk.Labels) < len(bs.Labels):
		rng := blk.OpenBraceRange
		if len(blk.LabelRanges) > 0 {
			rng = blk.LabelRanges[len(blk.LabelRanges)-1]
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing block label",
			Detail:   fmt.Sprintf("A %s block needs %s: write it as %s { ... }.", bs.Type, labelCount(bs.Labels), header),
			Subject:  hcl.RangeBetween(blk.TypeRange, rng).Ptr(),
		}
	case len(blk.Labels) > len(bs.Labels):
		extra := blk.LabelRanges[len(bs.Labels)]
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Extraneous block label",
			Detail:   fmt.Sprintf("A %s block takes %s: write it as %s { ... }.", bs.Type, labelCount(bs.Labels), header),
			Subject:  &extra,
		}
	}
	return nil
}

// checkLabelNames reports a label that cannot be a kopla name.
func checkLabelNames(blk *hcl.Block, bs blockSchema) *hcl.Diagnostic {
	for i, l := range blk.Labels {
		if bs.FreeLabels && strings.TrimSpace(l) != "" {
			continue
		}
		if !validName(l) {
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid name",
				Detail:   fmt.Sprintf("%q is not a valid %s %s: names are used in expressions, so use letters, digits and underscores, starting with a letter, such as %q.", l, bs.Type, bs.Labels[i], identifierHint(l)),
				Subject:  blk.LabelRanges[i].Ptr(),
			}
		}
	}
	return nil
}

func blockHeader(bs blockSchema) string {
	var b strings.Builder
	b.WriteString(bs.Type)
	for _, l := range bs.Labels {
		fmt.Fprintf(&b, " %q", l)
	}
	return b.String()
}

func labelCount(labels []string) string {
	switch len(labels) {
	case 0:
		return "no labels"
	case 1:
		return "one label, its " + labels[0]
	}
	return fmt.Sprintf("%d labels, its %s", len(labels), strings.Join(labels, " and "))
}

// validName reports whether s can be a kopla name: an identifier of both
// HCL and expr-lang (no dashes, which expr would read as minus).
func validName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// identifierHint turns s into a valid identifier, for messages.
func identifierHint(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0, r == '_':
			b.WriteRune(r)
		case b.Len() > 0:
			b.WriteRune('_')
		}
	}
	if b.Len() == 0 {
		return "name"
	}
	return b.String()
}

// didYouMean returns " Did you mean "x"?" when a known name is close to
// name, else a sentence listing the choices (when there are few).
func didYouMean(name string, known, listed []string) string {
	if s := suggest(name, known); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	if len(listed) == 0 {
		return ""
	}
	return " Expected one of " + quoteList(listed) + "."
}

// suggest is connectors.Suggest, except for names of one or two
// characters, to which every short name is close.
func suggest(name string, known []string) string {
	if len([]rune(name)) <= 2 {
		return ""
	}
	return connectors.Suggest(name, known)
}

// quoteList quotes names for a message: "a", "b" or "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	sort.Strings(q)
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// sortedAttributes returns attributes in file order.
func sortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	sorted := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		sorted = append(sorted, a)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Range.Start.Byte < sorted[j].Range.Start.Byte })
	return sorted
}

// attributesOnly reads a body that holds only name = value lines (a fields
// block, a variables file), in file order. Each block of a native body is
// reported by unexpected; a JSON body has no blocks, only values.
func attributesOnly(body hcl.Body, unexpected func(*hclsyntax.Block) *hcl.Diagnostic) ([]*hcl.Attribute, hcl.Diagnostics) {
	attrs, diags := body.JustAttributes()
	if native, ok := body.(*hclsyntax.Body); ok {
		// JustAttributes reports the first block in HCL's words.
		diags = nil
		for _, blk := range native.Blocks {
			diags = append(diags, unexpected(blk))
		}
	}
	return sortedAttributes(attrs), diags
}

// blockRange is the range of a whole block, header and body.
func blockRange(blk *hcl.Block) hcl.Range {
	if native, ok := blk.Body.(*hclsyntax.Body); ok {
		return hcl.RangeBetween(blk.TypeRange, native.SrcRange)
	}
	// A JSON body's missing items go before its closing brace.
	return hcl.RangeBetween(blk.TypeRange, blk.Body.MissingItemRange())
}

// missingArgument reports a required argument absent from a block.
func missingArgument(blk *hcl.Block, name, what, example string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Missing required argument",
		Detail:   fmt.Sprintf("%s has no %s: add %s.", what, name, example),
		Subject:  blk.DefRange.Ptr(),
	}
}

// duplicate reports a second declaration of a name.
func duplicate(summary, what string, first, second hcl.Range) *hcl.Diagnostic {
	return duplicateFix(summary, what, first, second, "Names must be unique: rename or remove one of them.")
}

// duplicateFix reports a second declaration with the given advice.
func duplicateFix(summary, what string, first, second hcl.Range, fix string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf("%s was already declared at %s. %s", what, shortRange(first), fix),
		Subject:  second.Ptr(),
	}
}

// shortRange renders a range as file:line,column for messages.
func shortRange(r hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d", r.Filename, r.Start.Line, r.Start.Column)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}
