package eaccounting

import (
	"context"
	"fmt"

	"github.com/kopla-dev/kopla/connectors"
)

var _ connectors.ValueLister = (*object)(nil)

// FieldValues lists the values of a field over every record of a
// reference data object (read in one or two pages, as Find reads it);
// objects that Find through $filter (customers, articles, documents) may
// hold many records and are not listed.
func (o *object) FieldValues(ctx context.Context, field string) ([]any, bool, error) {
	if o.def.filter && o.def.kind == plainObject {
		return nil, false, nil
	}
	if _, err := o.keyField(field); err != nil {
		return nil, false, err
	}
	recs, err := o.all(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("eaccounting: list %s values of %s: %w", field, o.def.name, err)
	}
	out := make([]any, 0, len(recs))
	for _, r := range recs {
		if v, ok := r.Fields[field]; ok && v != nil {
			out = append(out, v)
		}
	}
	return out, true, nil
}
