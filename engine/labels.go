package engine

import (
	"strings"

	"github.com/kopla-dev/kopla/engine/plan"
)

// labelReferences names, for people, the records the id fields of a
// change refer to (an order's CustomerId: "Björkdal Trä AB (1011)"), from
// the records the change already knows: its ensured records and the
// records find() returned. A field refers to a record when its name ends
// in "Id" and its value is that record's Id; a value known only after
// apply refers to the one ensured record created in the same apply.
func labelReferences(fields []plan.FieldChange, ensured map[string]any, finds *findCache) {
	for i := range fields {
		f := &fields[i]
		if !strings.HasSuffix(f.Name, "Id") || f.Sensitive {
			continue
		}
		id, ok := f.After.(string)
		if !ok || id == "" {
			continue
		}
		if rec := referredRecord(id, ensured, finds); rec != nil {
			f.Label = recordLabel(rec)
		}
	}
}

// referredRecord returns the ensured or found record whose Id is id, or
// for the unknown id the only ensured record (not a list) being created.
func referredRecord(id string, ensured map[string]any, finds *findCache) map[string]any {
	var created []map[string]any
	for _, v := range ensured {
		rec, ok := v.(map[string]any)
		if !ok {
			continue
		}
		rid := stringOf(rec["Id"])
		if rid == "" {
			rid = stringOf(rec["id"])
		}
		if rid == id && id != plan.Unknown {
			return rec
		}
		if strings.Contains(rid, plan.Unknown) {
			created = append(created, rec)
		}
	}
	if id == plan.Unknown {
		if len(created) == 1 {
			return created[0]
		}
		return nil
	}
	if finds == nil {
		return nil
	}
	return finds.byID[id]
}

// recordLabel is a record's name and number: "Name (1011)", "Name (new)"
// for one the apply creates. Names are personal data unless the record says
// it is a company (IsPrivatePerson false): a private person is "private
// person (1012)", and a record that says neither shows its number alone.
func recordLabel(rec map[string]any) string {
	number := stringOf(rec["CustomerNumber"])
	if number == "" {
		number = stringOf(rec["Number"])
	}
	if strings.Contains(number, plan.Unknown) {
		number = "new"
	}
	name := ""
	switch private, known := rec["IsPrivatePerson"].(bool); {
	case known && private:
		name = "private person"
	case known:
		name = stringOf(rec["Name"])
	}
	switch {
	case name == "" && number == "new":
		return ""
	case name == "":
		return number
	case number == "":
		return name
	}
	return name + " (" + number + ")"
}
