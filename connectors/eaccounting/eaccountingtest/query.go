package eaccountingtest

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The OData query options of list endpoints: $filter, $orderby, $select,
// $page and $pagesize (Visma's paging, not OData's $top/$skip).

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// queryError is a refused query option (error 6000 QueryParameterError).
type queryError struct{ msg string }

func (e *queryError) Error() string { return e.msg }

func qerr(format string, a ...any) error { return &queryError{fmt.Sprintf(format, a...)} }

// valType is the static type of a filter expression.
type valType int

const (
	tNull valType = iota
	tString
	tNumber
	tBool
	tTime
	tGUID
)

func (t valType) String() string {
	return [...]string{"null", "Edm.String", "Edm.Double", "Edm.Boolean", "Edm.DateTimeOffset", "Edm.Guid"}[t]
}

// node is a parsed filter expression, evaluated against one record.
type node struct {
	typ  valType
	eval func(rec map[string]any) any
}

// page is one answer of a list endpoint.
type page struct {
	Meta meta
	Data []map[string]any
}

type meta struct {
	CurrentPage          int
	PageSize             int
	TotalNumberOfPages   int
	TotalNumberOfResults int
	ServerTimeUtc        string
}

// listQuery applies $filter, $orderby, $select and paging to recs (already
// in the endpoint's default order) and returns the page envelope.
func listQuery(m *model, recs []map[string]any, q url.Values, now time.Time) (*page, error) {
	if f := q.Get("$filter"); f != "" {
		n, err := parseFilter(m, f)
		if err != nil {
			return nil, err
		}
		var kept []map[string]any
		for _, r := range recs {
			if v, _ := n.eval(r).(bool); v {
				kept = append(kept, r)
			}
		}
		recs = kept
	}
	if o := q.Get("$orderby"); o != "" {
		if err := orderBy(m, recs, o); err != nil {
			return nil, err
		}
	}
	pageNo, size := 1, defaultPageSize
	if v := q.Get("$page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, qerr("The value '%s' is not valid for $page. It must be a whole number of 1 or more.", v)
		}
		pageNo = n
	}
	if v := q.Get("$pagesize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, qerr("The value '%s' is not valid for $pagesize. It must be a whole number between 1 and %d.", v, maxPageSize)
		}
		size = n
	}
	var sel []string
	if v := q.Get("$select"); v != "" {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if _, ok := m.by[name]; !ok {
				return nil, unknownProperty(m, name)
			}
			sel = append(sel, name)
		}
	}
	total := len(recs)
	p := &page{Meta: meta{
		CurrentPage:          pageNo,
		PageSize:             size,
		TotalNumberOfPages:   (total + size - 1) / size,
		TotalNumberOfResults: total,
		ServerTimeUtc:        formatTime(now),
	}, Data: []map[string]any{}}
	from := (pageNo - 1) * size
	for i := from; i < total && i < from+size; i++ {
		r := recs[i]
		if sel != nil {
			picked := map[string]any{}
			for _, name := range sel {
				if v, ok := r[name]; ok {
					picked[name] = v
				}
			}
			r = picked
		}
		p.Data = append(p.Data, r)
	}
	return p, nil
}

func unknownProperty(m *model, name string) error {
	return qerr("Could not find a property named '%s' on type '%s'.", name, m.name)
}

func orderBy(m *model, recs []map[string]any, spec string) error {
	type key struct {
		f    *field
		desc bool
	}
	var keys []key
	for part := range strings.SplitSeq(spec, ",") {
		words := strings.Fields(part)
		if len(words) == 0 || len(words) > 2 {
			return qerr("Syntax error in $orderby '%s'.", spec)
		}
		f, ok := m.by[words[0]]
		if !ok || f.kind == kArray || f.kind == kObject || f.kind == kStrings {
			return unknownProperty(m, words[0])
		}
		k := key{f: f}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return qerr("Syntax error in $orderby '%s': expected asc or desc after %s.", spec, words[0])
			}
		}
		keys = append(keys, k)
	}
	slices.SortStableFunc(recs, func(a, b map[string]any) int {
		for _, k := range keys {
			c := compareValues(fieldValue(k.f, a), fieldValue(k.f, b))
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return nil
}

// fieldValue reads a record's property as a filter value.
func fieldValue(f *field, rec map[string]any) any {
	v, ok := rec[f.name]
	if !ok || v == nil {
		return nil
	}
	if f.kind == kDateTime {
		if s, ok := v.(string); ok {
			if t, err := parseDateTime(s); err == nil {
				return t
			}
		}
	}
	return v
}

// compareValues orders nulls first; strings compare case-insensitively, as
// the API's database collation does.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(strings.ToLower(x), strings.ToLower(y))
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	}
	return 0
}

// ---- $filter parser ----

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokTime
	tokGUID
	tokLParen
	tokRParen
	tokComma
	tokColon
)

type tok struct {
	kind tokKind
	text string // identifier, string value, number text
	num  float64
	tm   time.Time
	pos  int
}

func lex(src string) ([]tok, error) {
	var toks []tok
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(':
			toks = append(toks, tok{kind: tokLParen, pos: i})
			i++
		case c == ')':
			toks = append(toks, tok{kind: tokRParen, pos: i})
			i++
		case c == ',':
			toks = append(toks, tok{kind: tokComma, pos: i})
			i++
		case c == ':':
			toks = append(toks, tok{kind: tokColon, pos: i})
			i++
		case c == '\'':
			s, n, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok{kind: tokString, text: s, pos: i})
			i = n
		case i+36 <= len(src) && isUUID(src[i:i+36]) && (i+36 == len(src) || !isWordChar(src[i+36])):
			toks = append(toks, tok{kind: tokGUID, text: strings.ToLower(src[i : i+36]), pos: i})
			i += 36
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && strings.IndexByte("0123456789.:-+TZtzeE", src[j]) >= 0 {
				j++
			}
			text := src[i:j]
			if n, err := strconv.ParseFloat(text, 64); err == nil {
				toks = append(toks, tok{kind: tokNumber, num: n, text: text, pos: i})
			} else if t, err := parseDateTime(text); err == nil {
				toks = append(toks, tok{kind: tokTime, tm: t, text: text, pos: i})
			} else {
				return nil, qerr("Syntax error at position %d in '%s': '%s' is neither a number nor a date-time.", i, src, text)
			}
			i = j
		case isWordChar(c):
			j := i
			for j < len(src) && (isWordChar(src[j]) || src[j] == '/') {
				j++
			}
			word := src[i:j]
			// OData v3 typed literals: datetime'...', guid'...'.
			if j < len(src) && src[j] == '\'' && (strings.EqualFold(word, "datetime") || strings.EqualFold(word, "datetimeoffset") || strings.EqualFold(word, "guid")) {
				s, n, err := lexString(src, j)
				if err != nil {
					return nil, err
				}
				if strings.EqualFold(word, "guid") {
					if !isUUID(s) {
						return nil, qerr("Unrecognized 'Edm.Guid' literal 'guid'%s'' at position %d in '%s'.", s, i, src)
					}
					toks = append(toks, tok{kind: tokGUID, text: strings.ToLower(s), pos: i})
				} else {
					t, err := parseDateTime(s)
					if err != nil {
						return nil, qerr("Unrecognized 'Edm.DateTime' literal '%s'%s'' at position %d in '%s'.", word, s, i, src)
					}
					toks = append(toks, tok{kind: tokTime, tm: t, text: s, pos: i})
				}
				i = n
				continue
			}
			toks = append(toks, tok{kind: tokIdent, text: word, pos: i})
			i = j
		default:
			return nil, qerr("Syntax error: character '%c' is not valid at position %d in '%s'.", c, i, src)
		}
	}
	return append(toks, tok{kind: tokEOF, pos: len(src)}), nil
}

func isWordChar(c byte) bool {
	return c == '_' || c < 128 && (unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)))
}

// lexString reads a quoted literal starting at src[i] == '\”; a doubled
// quote is an escaped quote.
func lexString(src string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		if src[j] == '\'' {
			if j+1 < len(src) && src[j+1] == '\'' {
				b.WriteByte('\'')
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(src[j])
		j++
	}
	return "", 0, qerr("There is an unterminated string literal at position %d in '%s'.", i, src)
}

type parser struct {
	m    *model
	src  string
	toks []tok
	i    int
	// lambda is the range variable of the any/all being parsed ("c" in
	// Rows/any(c: c/Text eq 'x')), whose properties come from lambdaModel.
	lambda      string
	lambdaModel *model
}

func parseFilter(m *model, src string) (*node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{m: m, src: src, toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, qerr("Syntax error at position %d in '%s'.", t.pos, src)
	}
	if n.typ != tBool {
		return nil, qerr("The $filter expression must evaluate to a single boolean value.")
	}
	return n, nil
}

func (p *parser) peek() tok { return p.toks[p.i] }
func (p *parser) next() tok { t := p.toks[p.i]; p.i++; return t }

func (p *parser) keyword(w string) bool {
	t := p.peek()
	if t.kind == tokIdent && t.text == w {
		p.i++
		return true
	}
	return false
}

func (p *parser) or() (*node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		if err := p.wantBool("or", l, r); err != nil {
			return nil, err
		}
		a, b := l, r
		l = &node{typ: tBool, eval: func(rec map[string]any) any { return a.eval(rec) == true || b.eval(rec) == true }}
	}
	return l, nil
}

func (p *parser) and() (*node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		if err := p.wantBool("and", l, r); err != nil {
			return nil, err
		}
		a, b := l, r
		l = &node{typ: tBool, eval: func(rec map[string]any) any { return a.eval(rec) == true && b.eval(rec) == true }}
	}
	return l, nil
}

func (p *parser) wantBool(op string, ns ...*node) error {
	for _, n := range ns {
		if n.typ != tBool {
			return qerr("The operand of '%s' must be Edm.Boolean, not %s, in '%s'.", op, n.typ, p.src)
		}
	}
	return nil
}

func (p *parser) not() (*node, error) {
	if p.keyword("not") {
		n, err := p.not()
		if err != nil {
			return nil, err
		}
		if err := p.wantBool("not", n); err != nil {
			return nil, err
		}
		return &node{typ: tBool, eval: func(rec map[string]any) any { return n.eval(rec) != true }}, nil
	}
	return p.comparison()
}

var comparators = map[string]func(c int) bool{
	"eq": func(c int) bool { return c == 0 },
	"ne": func(c int) bool { return c != 0 },
	"gt": func(c int) bool { return c > 0 },
	"ge": func(c int) bool { return c >= 0 },
	"lt": func(c int) bool { return c < 0 },
	"le": func(c int) bool { return c <= 0 },
}

func (p *parser) comparison() (*node, error) {
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tokIdent {
		return l, nil
	}
	test, ok := comparators[t.text]
	if !ok {
		return l, nil
	}
	p.i++
	r, err := p.operand()
	if err != nil {
		return nil, err
	}
	if !comparable(l.typ, r.typ) {
		return nil, qerr("A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.", l.typ, r.typ, t.text)
	}
	if (l.typ == tNull || r.typ == tNull) && t.text != "eq" && t.text != "ne" {
		return nil, qerr("The operator '%s' cannot be applied to null in '%s'.", t.text, p.src)
	}
	op := t.text
	return &node{typ: tBool, eval: func(rec map[string]any) any {
		a, b := l.eval(rec), r.eval(rec)
		if (a == nil || b == nil) && op != "eq" && op != "ne" {
			return false // SQL semantics: ordering against NULL is never true
		}
		return test(compareValues(a, b))
	}}, nil
}

func comparable(a, b valType) bool {
	if a == tNull || b == tNull || a == b {
		return true
	}
	// GUID properties also match quoted GUIDs, as the API's filter binder accepts them.
	return a == tGUID && b == tString || a == tString && b == tGUID
}

func (p *parser) operand() (*node, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next().kind != tokRParen {
			return nil, qerr("')' expected at position %d in '%s'.", p.toks[p.i-1].pos, p.src)
		}
		return n, nil
	case tokString:
		v := t.text
		return &node{typ: tString, eval: func(map[string]any) any { return v }}, nil
	case tokNumber:
		v := t.num
		return &node{typ: tNumber, eval: func(map[string]any) any { return v }}, nil
	case tokTime:
		v := t.tm
		return &node{typ: tTime, eval: func(map[string]any) any { return v }}, nil
	case tokGUID:
		v := t.text
		return &node{typ: tGUID, eval: func(map[string]any) any { return v }}, nil
	case tokIdent:
		switch t.text {
		case "true", "false":
			v := t.text == "true"
			return &node{typ: tBool, eval: func(map[string]any) any { return v }}, nil
		case "null":
			return &node{typ: tNull, eval: func(map[string]any) any { return nil }}, nil
		}
		if p.peek().kind == tokLParen {
			if coll, op, ok := strings.Cut(t.text, "/"); ok && (op == "any" || op == "all") {
				return p.lambdaCall(t, coll, op)
			}
			return p.call(t)
		}
		m, name := p.m, t.text
		if p.lambda != "" {
			v, prop, ok := strings.Cut(t.text, "/")
			if !ok || v != p.lambda {
				return nil, qerr("Inside %s/any or /all only properties of the range variable (%s/...) can be used, not '%s'.", p.lambda, p.lambda, t.text)
			}
			m, name = p.lambdaModel, prop
		}
		f, ok := m.by[name]
		if !ok {
			return nil, unknownProperty(m, name)
		}
		typ, ok := map[kind]valType{kString: tString, kUUID: tGUID, kBool: tBool, kOptBool: tBool, kNumber: tNumber, kInt: tNumber,
			kOptInt: tNumber, kOptNum: tNumber, kDateTime: tTime}[f.kind]
		if !ok {
			return nil, qerr("The property '%s' of type '%s' cannot be used in $filter.", name, m.name)
		}
		return &node{typ: typ, eval: func(rec map[string]any) any { return fieldValue(f, rec) }}, nil
	}
	return nil, qerr("Syntax error at position %d in '%s': an operand was expected.", t.pos, p.src)
}

// lambdaCall parses Coll/any(v: expr), Coll/any() and Coll/all(v: expr)
// over an array property of objects, such as the rows of an invoice.
func (p *parser) lambdaCall(t tok, coll, op string) (*node, error) {
	if p.lambda != "" {
		return nil, qerr("Nested any/all is not supported in '%s'.", p.src)
	}
	f, ok := p.m.by[coll]
	if !ok {
		return nil, unknownProperty(p.m, coll)
	}
	if f.kind != kArray {
		return nil, qerr("The property '%s' is not a collection; any/all need one.", coll)
	}
	p.i++ // (
	if op == "any" && p.peek().kind == tokRParen {
		p.i++
		return &node{typ: tBool, eval: func(rec map[string]any) any { return len(asList(rec[coll])) > 0 }}, nil
	}
	v := p.next()
	if v.kind != tokIdent || p.next().kind != tokColon {
		return nil, qerr("Expected 'variable:' after %s( at position %d in '%s'.", t.text, v.pos, p.src)
	}
	p.lambda, p.lambdaModel = v.text, f.sub
	body, err := p.or()
	p.lambda, p.lambdaModel = "", nil
	if err != nil {
		return nil, err
	}
	if body.typ != tBool {
		return nil, qerr("The body of %s must be a boolean expression.", t.text)
	}
	if p.next().kind != tokRParen {
		return nil, qerr("')' expected after the body of %s in '%s'.", t.text, p.src)
	}
	return &node{typ: tBool, eval: func(rec map[string]any) any {
		rows := asList(rec[coll])
		for _, r := range rows {
			row, _ := r.(map[string]any)
			hit := body.eval(row) == true
			if op == "any" && hit {
				return true
			}
			if op == "all" && !hit {
				return false
			}
		}
		return op == "all"
	}}, nil
}

// call parses the supported OData functions.
func (p *parser) call(name tok) (*node, error) {
	p.i++ // (
	var args []*node
	if p.peek().kind != tokRParen {
		for {
			a, err := p.or()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.peek().kind != tokComma {
				break
			}
			p.i++
		}
	}
	if p.next().kind != tokRParen {
		return nil, qerr("')' expected after the arguments of %s in '%s'.", name.text, p.src)
	}
	want := func(types ...valType) error {
		if len(args) != len(types) {
			return qerr("The function '%s' takes %d arguments, got %d.", name.text, len(types), len(args))
		}
		for i, t := range types {
			if args[i].typ != t && args[i].typ != tNull {
				return qerr("Argument %d of '%s' must be %s, not %s.", i+1, name.text, t, args[i].typ)
			}
		}
		return nil
	}
	str := func(rec map[string]any, i int) (string, bool) {
		s, ok := args[i].eval(rec).(string)
		return strings.ToLower(s), ok
	}
	switch name.text {
	case "startswith", "endswith", "contains":
		if err := want(tString, tString); err != nil {
			return nil, err
		}
		test := map[string]func(s, sub string) bool{"startswith": strings.HasPrefix, "endswith": strings.HasSuffix, "contains": strings.Contains}[name.text]
		return &node{typ: tBool, eval: func(rec map[string]any) any {
			a, ok1 := str(rec, 0)
			b, ok2 := str(rec, 1)
			return ok1 && ok2 && test(a, b)
		}}, nil
	case "length":
		if err := want(tString); err != nil {
			return nil, err
		}
		return &node{typ: tNumber, eval: func(rec map[string]any) any {
			s, ok := args[0].eval(rec).(string)
			if !ok {
				return nil
			}
			return float64(len([]rune(s)))
		}}, nil
	case "tolower", "toupper", "trim":
		if err := want(tString); err != nil {
			return nil, err
		}
		conv := map[string]func(string) string{"tolower": strings.ToLower, "toupper": strings.ToUpper, "trim": strings.TrimSpace}[name.text]
		return &node{typ: tString, eval: func(rec map[string]any) any {
			s, ok := args[0].eval(rec).(string)
			if !ok {
				return nil
			}
			return conv(s)
		}}, nil
	case "year", "month", "day", "hour", "minute", "second":
		if err := want(tTime); err != nil {
			return nil, err
		}
		part := name.text
		return &node{typ: tNumber, eval: func(rec map[string]any) any {
			t, ok := args[0].eval(rec).(time.Time)
			if !ok {
				return nil
			}
			return float64(map[string]int{"year": t.Year(), "month": int(t.Month()), "day": t.Day(),
				"hour": t.Hour(), "minute": t.Minute(), "second": t.Second()}[part])
		}}, nil
	case "round", "floor", "ceiling":
		if err := want(tNumber); err != nil {
			return nil, err
		}
		conv := map[string]func(float64) float64{"round": math.Round, "floor": math.Floor, "ceiling": math.Ceil}[name.text]
		return &node{typ: tNumber, eval: func(rec map[string]any) any {
			n, ok := args[0].eval(rec).(float64)
			if !ok {
				return nil
			}
			return conv(n)
		}}, nil
	}
	return nil, qerr("An unknown function with name '%s' was found.", name.text)
}
