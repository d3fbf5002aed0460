package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

const fileKind = "kopla-plan"

// header is a plan file without its flows.
type header struct {
	Kind          string    `json:"kind"`
	FormatVersion int       `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	ConfigDigest  string    `json:"config_digest"`
	// PersonalData warns whoever opens the file that it holds record data.
	PersonalData string `json:"personal_data"`
}

// PersonalDataNote says what a plan file holds and how to keep it.
const PersonalDataNote = "The plan file holds the records' data, personal data included (names, e-mails, addresses): it is readable by you only (mode 0600); keep it private and delete it once applied."

// flowJSON is a flow plan as saved: its fields and its changes.
type flowJSON struct {
	*FlowPlan
	Changes []json.RawMessage `json:"changes"`
}

// WriteFile saves a plan as JSON, streaming the changes. Plans hold record
// data, so the file is readable by its owner only.
func WriteFile(path string, p *Plan) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".plan-*")
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writePlan(bufio.NewWriter(tmp), p); err != nil {
		tmp.Close()
		return fmt.Errorf("write plan: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

func writePlan(w *bufio.Writer, p *Plan) error {
	h, err := json.Marshal(header{fileKind, p.FormatVersion, p.CreatedAt, p.ConfigDigest, PersonalDataNote})
	if err != nil {
		return err
	}
	w.Write(h[:len(h)-1])
	w.WriteString(`,"flows":[`)
	for i, f := range p.Flows {
		if i > 0 {
			w.WriteByte(',')
		}
		fh, err := json.Marshal(f)
		if err != nil {
			return err
		}
		w.Write(fh[:len(fh)-1])
		w.WriteString(`,"changes":[`)
		n := 0
		for ch := range f.Changes() {
			b, err := json.Marshal(ch)
			if err != nil {
				return err
			}
			if n > 0 {
				w.WriteByte(',')
			}
			w.Write(b)
			n++
		}
		if err := f.Err(); err != nil {
			return err
		}
		w.WriteString("]}")
	}
	w.WriteString("]}\n")
	return w.Flush()
}
