package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// savedPlan is the envelope of a plan file.
type savedPlan struct {
	Kind string `json:"kind"`
	*Plan
}

const fileKind = "kopla-plan"

// WriteFile saves a plan. Plans hold record data, so the file is readable by
// its owner only.
func WriteFile(path string, p *Plan) error {
	data, err := json.Marshal(savedPlan{Kind: fileKind, Plan: p})
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".plan-*")
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
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

// ReadFile loads a saved plan, refusing files that are not plans or are of
// another format version.
func ReadFile(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var sp savedPlan
	if err := json.Unmarshal(data, &sp); err != nil || sp.Kind != fileKind || sp.Plan == nil {
		return nil, fmt.Errorf("%s is not a kopla plan file", path)
	}
	if sp.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s is a plan of format version %d; this kopla reads version %d: plan again", path, sp.FormatVersion, FormatVersion)
	}
	return sp.Plan, nil
}
