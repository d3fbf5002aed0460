package engine

import (
	"encoding/json"

	"github.com/kopla-dev/kopla/engine/plan"
)

// sourceUniqueKeys returns the values of the source's unique fields in the
// record as read (an eAccounting invoice's InvoiceNumber, a HubSpot
// contact's email): what people know a record by in the system it comes
// from, so that kopla log -key, trace and the dashboard's search find it
// by them. Only the top level of the document is decoded, and only for
// sources that declare unique fields.
func sourceUniqueKeys(f *flow, ch *plan.Change) []any {
	if len(ch.Source) == 0 {
		return nil
	}
	var names []string
	for i := range f.source.schema.Fields {
		if fd := &f.source.schema.Fields[i]; fd.Unique {
			names = append(names, fd.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(ch.Source, &doc) != nil {
		return nil
	}
	var out []any
	for _, name := range names {
		raw, ok := doc[name]
		if !ok {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			out = append(out, v)
		}
	}
	return out
}
