package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kopla-dev/kopla/engine/plan"
)

// The rows of a document (a list of objects with articles, quantities or
// prices, such as an eAccounting order's Rows) show as a table, one row a
// line: article, text, quantity, unit price, discount, VAT rate and row
// total, then the row's other fields. Ids show as the records they refer
// to; a value known only after apply says what supplies it.

// unknownText is how a value known only after apply shows, with what
// supplies it when the plan knows.
func unknownText(p *plan.Part, reveal bool) string {
	if p == nil {
		return plan.Unknown
	}
	if l := partLabel(p, reveal); l != "" {
		return strings.TrimSuffix(plan.Unknown, ")") + ": " + l + ")"
	}
	return plan.Unknown
}

// partLabel is the label of a part as it may be shown.
func partLabel(p *plan.Part, reveal bool) string {
	if reveal && p.SensitiveLabel != "" {
		return p.SensitiveLabel
	}
	return p.Label
}

// knownValue is a value known in part, as formatValue shows it, with its
// unknown values saying what supplies them.
func knownValue(fc plan.FieldChange, v any, reveal bool) string {
	if len(fc.Parts) == 0 {
		return formatValue(v)
	}
	return formatValue(markUnknown(fc, fc.Name, v, reveal))
}

func markUnknown(fc plan.FieldChange, path string, v any, reveal bool) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, el := range v {
			out[i] = markUnknown(fc, path+"["+strconv.Itoa(i)+"]", el, reveal)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, el := range v {
			out[k] = markUnknown(fc, path+"."+k, el, reveal)
		}
		return out
	case string:
		if p := fc.Part(path); p != nil && p.Unknown {
			return unknownText(p, reveal)
		}
	}
	return v
}

// rowFields are the fields of a document row the table has columns for,
// and rowHidden those it shows nowhere (the row's place and kind show in
// the table).
var (
	rowColumns = []string{"ArticleId", "Text", "Quantity", "UnitPrice", "DiscountPercentage"}
	rowHidden  = []string{"LineNumber", "IsTextRow"}
)

// documentRows returns a value's rows when it is a list of document rows.
func documentRows(v any) []map[string]any {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil
	}
	rows := make([]map[string]any, len(list))
	priced := false
	for i, el := range list {
		row, ok := el.(map[string]any)
		if !ok {
			return nil
		}
		rows[i] = row
		for _, k := range []string{"ArticleId", "Quantity", "UnitPrice"} {
			if _, ok := row[k]; ok {
				priced = true
			}
		}
	}
	if !priced {
		return nil
	}
	return rows
}

// writeRows prints the rows of field fc as a table under its line, indented
// by indent; totals, when the target priced them, give each row's VAT rate
// and total. For an update (update set), a row that differs from the row
// before at its place is marked ~, a new one +, and the rows removed are
// counted.
func writeRows(w io.Writer, st style, indent string, fc plan.FieldChange, rows []map[string]any, totals *plan.Totals, reveal, update bool) {
	before, _ := fc.Before.([]any)
	if update {
		indent = indent[:len(indent)-2]
	}
	header := []string{"#", "article", "text", "qty", "unit price", "discount", "VAT", "total"}
	if update {
		header[0] = "  #"
	}
	right := []bool{true, false, false, true, true, true, true, true}
	table := [][]string{header}
	var extras []string
	for i, row := range rows {
		path := fc.Name + "[" + strconv.Itoa(i) + "]"
		cell := func(k string) string { return rowCell(fc, path+"."+k, row[k], reveal) }
		article := cell("ArticleId")
		if article == "" {
			article = st.dim("text row")
		}
		vat, total := "", ""
		if rt := totals.Row(i); rt != nil {
			vat = percent(rt.VATRate)
			total = money(rt.Amount)
		} else if q, ok := row["Quantity"].(float64); ok {
			if p, ok := row["UnitPrice"].(float64); ok {
				d, _ := row["DiscountPercentage"].(float64)
				total = money(q * p * (1 - d))
			}
		}
		discount := ""
		if d, ok := row["DiscountPercentage"].(float64); ok && d != 0 {
			discount = percent(d)
		}
		price := ""
		if p, ok := row["UnitPrice"].(float64); ok {
			price = money(p)
		} else if row["UnitPrice"] != nil {
			price = cell("UnitPrice")
		}
		n := strconv.Itoa(i + 1)
		if update {
			switch {
			case i >= len(before):
				n = st.green("+") + " " + n
			case !sameRow(before[i], row):
				n = st.yellow("~") + " " + n
			default:
				n = "  " + n
			}
		}
		table = append(table, []string{n, article, textCell(row["Text"]), cell("Quantity"), price, discount, vat, total})
		extras = append(extras, rowExtras(fc, path, row, reveal))
	}
	widths := make([]int, len(header))
	for _, r := range table {
		for c, s := range r {
			widths[c] = max(widths[c], visibleLen(s))
		}
	}
	for n, r := range table {
		var b strings.Builder
		b.WriteString(indent)
		for c, s := range r {
			if c > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[c]-visibleLen(s))
			if right[c] {
				b.WriteString(pad + s)
			} else if c < len(r)-1 {
				b.WriteString(s + pad)
			} else {
				b.WriteString(s)
			}
		}
		line := strings.TrimRight(b.String(), " ")
		if n == 0 {
			line = st.dim(line)
		}
		fmt.Fprintln(w, line)
		if n > 0 && extras[n-1] != "" {
			fmt.Fprintln(w, indent+strings.Repeat(" ", widths[0]+2)+st.dim(extras[n-1]))
		}
	}
	if update && len(before) > len(rows) {
		fmt.Fprintln(w, indent+st.red("-")+" "+plural(len(before)-len(rows), "row removed", "rows removed"))
	}
}

// sameRow reports whether the row before holds the row's values: the target
// adds fields of its own (row ids, amounts), which the flow does not set.
func sameRow(before any, row map[string]any) bool {
	old, ok := before.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range row {
		if formatValue(old[k]) != formatValue(v) {
			return false
		}
	}
	return true
}

// rowCell is one value of a row as the table shows it: an id as the record
// it refers to, a value known only after apply with what supplies it.
func rowCell(fc plan.FieldChange, path string, v any, reveal bool) string {
	p := fc.Part(path)
	switch {
	case v == nil:
		return ""
	case p != nil && p.Unknown:
		return unknownText(p, reveal)
	case p != nil && partLabel(p, reveal) != "":
		return partLabel(p, reveal)
	}
	if s, ok := v.(string); ok {
		return s
	}
	return formatValue(v)
}

// textCell is a row's text, on one line and at most 40 characters.
func textCell(v any) string {
	s, ok := v.(string)
	if !ok {
		return ""
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:39]) + "…"
	}
	return `"` + s + `"`
}

// rowExtras are a row's other fields, on one line: "CostCenterItemId1 =
// cost centre item 100 \"Webb\"". Fields that took their default are left
// out (the field's line names them).
func rowExtras(fc plan.FieldChange, path string, row map[string]any, reveal bool) string {
	var keys []string
	for k, v := range row {
		if v == nil || slices.Contains(rowColumns, k) || slices.Contains(rowHidden, k) || slices.Contains(fc.Defaults, k) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := row[k]
		p := fc.Part(path + "." + k)
		switch {
		case p != nil && p.Unknown:
			parts[i] = k + " = " + unknownText(p, reveal)
		case p != nil && partLabel(p, reveal) != "":
			parts[i] = k + " = " + partLabel(p, reveal)
		default:
			parts[i] = k + " = " + formatValue(v)
		}
	}
	return strings.Join(parts, ", ")
}

func money(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// percent shows a fraction (0.25) as a percentage ("25 %").
func percent(x float64) string {
	return strconv.FormatFloat(math.Round(x*10000)/100, 'f', -1, 64) + " %"
}

// visibleLen is the width of s on a terminal: its runes without colour
// codes.
func visibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == '\x1b' {
			if end := strings.IndexByte(s[i:], 'm'); end >= 0 {
				i += end + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}
