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

// bodySchema is what a block body may contain. dsl checks bodies itself
// rather than with hcl.Body.Content so that every message follows kopla's
// wording and suggestions (connectors.Suggest).
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
	Attributes map[string]*hclsyntax.Attribute
	Blocks     []*hclsyntax.Block
}

func (s *bodySchema) block(typ string) (blockSchema, bool) {
	for _, b := range s.Blocks {
		if b.Type == typ {
			return b, true
		}
	}
	return blockSchema{}, false
}

// content splits body into the known attributes and blocks, reporting
// unknown ones and wrong label counts. Blocks with a problem are left out.
func content(body *hclsyntax.Body, s *bodySchema) (bodyContent, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	c := bodyContent{Attributes: map[string]*hclsyntax.Attribute{}}
	for _, attr := range sortedAttributes(body) {
		if slices.Contains(s.Attributes, attr.Name) {
			c.Attributes[attr.Name] = attr
			continue
		}
		if _, isBlock := s.block(attr.Name); isBlock {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Block written as an argument",
				Detail:   fmt.Sprintf("%s is a block inside %s: write it without the equals sign, as %s { ... }.", attr.Name, s.What, attr.Name),
				Subject:  attr.SrcRange.Ptr(),
			})
			continue
		}
		detail := fmt.Sprintf("An argument named %q is not expected in %s.%s", attr.Name, s.What, didYouMean(attr.Name, s.names(), s.Attributes))
		if parent, ok := s.Elsewhere[attr.Name]; ok {
			detail = fmt.Sprintf("The argument %s belongs inside %s, not in %s: move it there.", attr.Name, parent, s.What)
		} else if len(s.Attributes) == 0 {
			detail = fmt.Sprintf("An argument named %q is not expected in %s, which holds only blocks (%s): move it into the block it belongs to.", attr.Name, s.What, strings.Join(s.blockTypes(), ", "))
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown argument",
			Detail:   detail,
			Subject:  attr.NameRange.Ptr(),
		})
	}
	for _, blk := range body.Blocks {
		bs, ok := s.block(blk.Type)
		if !ok {
			if slices.Contains(s.Attributes, blk.Type) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Argument written as a block",
					Detail:   fmt.Sprintf("%s is an argument of %s: write it with an equals sign, as %s = ....", blk.Type, s.What, blk.Type),
					Subject:  blk.TypeRange.Ptr(),
				})
				continue
			}
			detail := fmt.Sprintf("Blocks of type %q are not expected in %s.%s", blk.Type, s.What, didYouMean(blk.Type, s.names(), s.blockTypes()))
			if parent, ok := s.Elsewhere[blk.Type]; ok {
				detail = fmt.Sprintf("Blocks of type %q belong inside %s, not in %s: move this one there.", blk.Type, parent, s.What)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown block type",
				Detail:   detail,
				Subject:  blk.TypeRange.Ptr(),
			})
			continue
		}
		if d := checkLabels(blk, bs); d != nil {
			diags = append(diags, d)
			continue
		}
		c.Blocks = append(c.Blocks, blk)
	}
	return c, diags
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

func checkLabels(blk *hclsyntax.Block, bs blockSchema) *hcl.Diagnostic {
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

// sortedAttributes returns the attributes of body in file order.
func sortedAttributes(body *hclsyntax.Body) []*hclsyntax.Attribute {
	attrs := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
	return attrs
}

// missingArgument reports a required argument absent from a block.
func missingArgument(blk *hclsyntax.Block, name, what, example string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Missing required argument",
		Detail:   fmt.Sprintf("%s has no %s: add %s.", what, name, example),
		Subject:  blk.DefRange().Ptr(),
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
