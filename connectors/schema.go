package connectors

import (
	"sort"
	"strings"
)

// Type is the type of a field value. It drives the expression checker at
// validate time and value normalisation when diffing.
type Type uint8

const (
	TypeAny      Type = iota // anything; the checker does not look inside
	TypeString               // string
	TypeNumber               // float64 (money, quantities)
	TypeInteger              // int64
	TypeBool                 // bool
	TypeDate                 // string "2006-01-02"
	TypeDateTime             // string, RFC 3339 in UTC
	TypeObject               // map[string]any, shaped by Field.Fields
	TypeList                 // []any, elements shaped by Field.Elem
)

var typeNames = [...]string{"any", "string", "number", "integer", "bool", "date", "datetime", "object", "list"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// Field describes one field of an object, or one setting of a connection block.
type Field struct {
	Name        string
	Type        Type
	Description string

	// Fields shapes a TypeObject value; Elem shapes the elements of a TypeList
	// (an Elem of TypeObject with Fields describes rows such as order lines).
	Fields []Field
	Elem   *Field

	// ReadOnly fields are set by the system (ids, timestamps, computed
	// values): a flow may read them but never write them.
	ReadOnly bool
	// Required fields must be given when a record is created.
	Required bool
	// CreateOnly fields can be written when a record is created, not later
	// (HubSpot's inline associations): a flow sets them in create_only.
	CreateOnly bool
	// Key marks a field that can identify a record, so that a flow may use it
	// as its `key`: the connector can find records by it in batches.
	Key bool
	// Unique marks a key the system itself keeps unique (HubSpot email,
	// eAccounting CustomerNumber). Finding by a non-unique key may match more
	// than one record, which the engine reports as ambiguous.
	Unique bool
	// Sensitive values (personal data, secrets) are redacted in logs and in
	// plan output.
	Sensitive bool
	// Options lists the allowed values of an enumeration, when known.
	Options []string
	// Undiscovered marks a field declared for the account (a custom
	// property a library or the connection declares) that the account did
	// not have when the connector last discovered its fields (kopla init):
	// until it is created, records read have no such field.
	Undiscovered bool
	// MaxLength is the most characters a string value may have, as the
	// system documents it (eAccounting's article Number: 40); 0 means no
	// known limit.
	MaxLength int
	// Format is the shape a string value must have (an e-mail address, a
	// VAT number), as the system documents and validates it; FormatNone
	// means any text.
	Format Format
	// Default is, for a connection setting, the value of a setting that is
	// not given. For a field of an object (or of the rows of a list of
	// objects), it is the value the engine sends on create when the flow
	// writes none: flags the API requires that nearly every flow would set
	// the same way (eAccounting's EuThirdParty = false). A DefaultFunc
	// computes it from the other fields of the record or row written.
	Default any

	// The settings rules below apply to connection settings, between the
	// settings of one block (the Terraform SDK's schema rules).

	// Min and Max bound a number setting, inclusive; nil means unbounded.
	Min, Max *float64
	// ConflictsWith names settings that cannot be set together with this one.
	ConflictsWith []string
	// ExactlyOneOf names a group of settings, this one among them, of which
	// exactly one must be set.
	ExactlyOneOf []string
}

// DefaultFunc is a Field.Default computed from the fields written with it
// (the row of a document, the record): a row without an article is a text
// row. It returns nil when it has no default to give.
type DefaultFunc func(fields map[string]any) any

// Bound returns a pointer to v, for Field.Min and Field.Max.
func Bound(v float64) *float64 { return &v }

// Schema describes the fields of an object or of a connection block.
type Schema struct {
	Fields []Field
	// Open means field names beyond Fields are allowed, with type TypeAny:
	// the object's records have no fixed shape (a JSON Lines file, or one that
	// does not exist yet). Fields then lists the fields known so far, if any.
	// A closed schema (the default) refuses unknown names.
	Open bool
	// Extensible means writes may add fields beyond Fields (new columns of a
	// CSV file), while records read have only the listed fields: a flow
	// reading an unknown field is an error, a flow writing one is not.
	Extensible bool
	// ReadOnly means records of the object cannot be written at all
	// (reference data, booked invoices): it can be a source and a find()
	// object, never a target.
	ReadOnly bool
	// PositionalIDs means the IDs of records read depend on their position
	// (file rows without a key setting): when a row is inserted by hand, an
	// ID names another record. The engine then matches such records by key
	// only, never by the links of earlier runs.
	PositionalIDs bool
	// Includes are associated objects that a read can attach to each record
	// under the include's name, as a list of records (HubSpot order ->
	// line_items, contacts).
	Includes []Include
	// Label names a record of the object for people, as a template of
	// {field} placeholders (`{firstname} {lastname} <{email:email}>`,
	// `order {hs_object_id} "{hs_order_name}"`): see FormatLabel. Empty:
	// records have no label beyond their id.
	Label string
}

// AnyObject is a key Factory.Objects may return besides the objects it
// lists: the schema of every other object name, for connectors whose objects
// come into being on the first write (a file that does not exist yet). An
// engine looking up an object name that is not listed uses it when present.
const AnyObject = "*"

// Include is an association a Reader can attach to each record it reads.
type Include struct {
	Name   string // the field name the associated records appear under
	Object string // the object type of the associated records
}

// Field returns the named field, matching case-sensitively.
func (s Schema) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Include returns the named include.
func (s Schema) Include(name string) (Include, bool) {
	for _, in := range s.Includes {
		if in.Name == name {
			return in, true
		}
	}
	return Include{}, false
}

// Names returns the field names, sorted.
func (s Schema) Names() []string {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	sort.Strings(names)
	return names
}

// Suggest returns the known name closest to name, or "" when none is close:
// the "Did you mean" of diagnostics.
func Suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := levenshtein(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
