package hubspottest

import "time"

// maxHistoryPage is the page size of a list that asks for property
// histories: the SPEC says such reads return fewer records per request.
const maxHistoryPage = 50

// valueWithTimestamp is one value of a property's history (SPEC
// ValueWithTimestamp).
type valueWithTimestamp struct {
	Value      string `json:"value"`
	Timestamp  string `json:"timestamp"`
	SourceType string `json:"sourceType"`
}

// change sources, as HubSpot names them in sourceType.
const (
	sourceAPI        = "API"
	sourceCalculated = "CALCULATED"
	sourceImport     = "IMPORT"
)

// recordHistory appends the values that changed to the record's history: the ones
// the write gave come from source, the others (modification date, line
// item amounts) are calculated.
func recordHistory(rec *record, before, given map[string]string, source string, now time.Time) {
	if rec.history == nil {
		rec.history = map[string][]valueWithTimestamp{}
	}
	at := formatTime(now)
	add := func(name, value string) {
		src := sourceCalculated
		if _, ok := given[name]; ok {
			src = source
		}
		rec.history[name] = append(rec.history[name], valueWithTimestamp{Value: value, Timestamp: at, SourceType: src})
	}
	for name, v := range rec.props {
		if old, ok := before[name]; !ok || old != v {
			add(name, v)
		}
	}
	for name := range before {
		if _, ok := rec.props[name]; !ok {
			add(name, "") // cleared
		}
	}
}

// withHistory adds the histories of the named properties, newest first as
// HubSpot answers them; properties the record never had are left out
// ("they will be ignored", SPEC).
func (s *Server) withHistory(o *wireObject, rec *record, names []string) {
	for _, name := range names {
		h := rec.history[name]
		if len(h) == 0 {
			continue
		}
		if o.PropertiesWithHistory == nil {
			o.PropertiesWithHistory = map[string][]valueWithTimestamp{}
		}
		out := make([]valueWithTimestamp, len(h))
		for i, v := range h {
			out[len(h)-1-i] = v
		}
		o.PropertiesWithHistory[name] = out
	}
}
