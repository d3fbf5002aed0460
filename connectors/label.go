package connectors

import (
	"strconv"
	"strings"
)

// FormatLabel fills a Schema.Label template with a record's fields.
// {name} is the field's value; {name:email} shortens an e-mail address
// to its local part (anna@…), as a label needs no more to be told apart.
// Brackets and quotes around a missing value are dropped with it, so that
// a contact without an e-mail is "Anna Svensson". It returns "" when no
// placeholder has a value, and used, the fields whose values it shows.
func FormatLabel(template string, fields map[string]any) (label string, used []string) {
	var b strings.Builder
	rest := template
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:open])
		name, format, _ := strings.Cut(rest[open+1:open+end], ":")
		if v := labelValue(fields[name]); v != "" {
			if format == "email" {
				if local, _, ok := strings.Cut(v, "@"); ok {
					v = local + "@…"
				}
			}
			b.WriteString(v)
			used = append(used, name)
		}
		rest = rest[open+end+1:]
	}
	if len(used) == 0 {
		return "", nil
	}
	s := b.String()
	for _, empty := range []string{"<>", `""`, "()", "[]"} {
		s = strings.ReplaceAll(s, empty, "")
	}
	return strings.Join(strings.Fields(s), " "), used
}

// labelValue is a field value as a label shows it: text and numbers only.
func labelValue(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	}
	return ""
}
