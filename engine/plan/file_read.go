package plan

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// ReadFile loads a saved plan, refusing files that are not plans or are of
// another format version. The changes are streamed from the file into the
// flow plans, which spill them as a fresh plan does: a saved plan of a
// million records is not held in memory.
func ReadFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	defer f.Close()
	p, err := readPlan(json.NewDecoder(bufio.NewReaderSize(f, 256<<10)), path)
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// errNotPlan marks a file that is not a kopla plan.
var errNotPlan = errors.New("not a kopla plan file")

func readPlan(dec *json.Decoder, path string) (*Plan, error) {
	p := &Plan{}
	notPlan := fmt.Errorf("%s is %w", path, errNotPlan)
	if !delim(dec, '{') {
		return p, notPlan
	}
	var h header
	for dec.More() {
		key, ok := stringToken(dec)
		if !ok {
			return p, notPlan
		}
		var err error
		switch key {
		case "kind":
			err = dec.Decode(&h.Kind)
		case "format_version":
			err = dec.Decode(&h.FormatVersion)
		case "created_at":
			err = dec.Decode(&h.CreatedAt)
		case "config_digest":
			err = dec.Decode(&h.ConfigDigest)
		case "flows":
			// The header comes first (writePlan): the flows are read only
			// of a plan of this version.
			if h.Kind != fileKind {
				return p, notPlan
			}
			if h.FormatVersion != FormatVersion {
				return p, fmt.Errorf("%s is a plan of format version %d; this kopla reads version %d: plan again", path, h.FormatVersion, FormatVersion)
			}
			p.FormatVersion, p.CreatedAt, p.ConfigDigest = h.FormatVersion, h.CreatedAt, h.ConfigDigest
			err = readFlows(dec, p, path)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			if errors.Is(err, errNotPlan) || p.FormatVersion != 0 {
				return p, err
			}
			return p, notPlan
		}
	}
	if !delim(dec, '}') || h.Kind != fileKind {
		return p, notPlan
	}
	if h.FormatVersion != FormatVersion {
		return p, fmt.Errorf("%s is a plan of format version %d; this kopla reads version %d: plan again", path, h.FormatVersion, FormatVersion)
	}
	p.FormatVersion, p.CreatedAt, p.ConfigDigest = h.FormatVersion, h.CreatedAt, h.ConfigDigest
	return p, nil
}

// readFlows reads the flows array, each flow's changes one at a time.
func readFlows(dec *json.Decoder, p *Plan, path string) error {
	if !delim(dec, '[') {
		return fmt.Errorf("%s is %w", path, errNotPlan)
	}
	for dec.More() {
		if !delim(dec, '{') {
			return fmt.Errorf("%s is %w", path, errNotPlan)
		}
		fp := &FlowPlan{}
		p.Flows = append(p.Flows, fp) // closed with the plan on an error
		rest := map[string]json.RawMessage{}
		for dec.More() {
			key, ok := stringToken(dec)
			if !ok {
				return fmt.Errorf("%s is %w", path, errNotPlan)
			}
			if key != "changes" {
				var v json.RawMessage
				if err := dec.Decode(&v); err != nil {
					return fmt.Errorf("%s is %w", path, errNotPlan)
				}
				rest[key] = v
				continue
			}
			if !delim(dec, '[') {
				return fmt.Errorf("%s is %w", path, errNotPlan)
			}
			for dec.More() {
				ch := &Change{}
				if err := dec.Decode(ch); err != nil {
					return fmt.Errorf("%s: a change of flow %s cannot be read: %w", path, flowName(rest), err)
				}
				fp.Add(ch)
			}
			if !delim(dec, ']') {
				return fmt.Errorf("%s is %w", path, errNotPlan)
			}
		}
		if !delim(dec, '}') {
			return fmt.Errorf("%s is %w", path, errNotPlan)
		}
		// The flow's own fields, whatever their place beside the changes.
		fields, _ := json.Marshal(rest)
		if err := json.Unmarshal(fields, fp); err != nil {
			return fmt.Errorf("%s is %w", path, errNotPlan)
		}
		if err := fp.Err(); err != nil {
			return err
		}
	}
	if !delim(dec, ']') {
		return fmt.Errorf("%s is %w", path, errNotPlan)
	}
	return nil
}

func flowName(rest map[string]json.RawMessage) string {
	var name string
	json.Unmarshal(rest["flow"], &name)
	return name
}

func delim(dec *json.Decoder, want json.Delim) bool {
	t, err := dec.Token()
	return err == nil && t == want
}

func stringToken(dec *json.Decoder) (string, bool) {
	t, err := dec.Token()
	s, ok := t.(string)
	return s, err == nil && ok
}
