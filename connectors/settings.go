package connectors

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// SettingError is a problem with the settings of a connection block, found
// by CheckConfig. The loader places it on the setting's expression, or on
// the innermost block of Path that is written when the setting is not.
type SettingError struct {
	// Path names the setting from the connection block down: {"rate_limit"},
	// {"oauth", "client_id"}, {"property", "2", "options"} (elements of a
	// repeated block by index, from 0).
	Path []string
	// Summary is the diagnostic's title; "" means "Invalid connection setting".
	Summary string
	// Detail says what is wrong and how to fix it, as a sentence.
	Detail string
}

func (e SettingError) Error() string {
	return strings.Join(e.Path, ".") + ": " + e.Detail
}

// CheckConfig checks decoded settings against the rules of the factory's
// Config schema (Min and Max, ConflictsWith, ExactlyOneOf, required
// strings that are empty) and then with its Validate hook. Settings whose
// values are missing from cfg are taken as not set.
func (f Factory) CheckConfig(cfg Config) []SettingError {
	errs := checkSettings(f.Config.Fields, cfg, nil)
	if f.Validate != nil {
		errs = append(errs, f.Validate(cfg)...)
	}
	return errs
}

func checkSettings(fields []Field, cfg Config, path []string) []SettingError {
	var errs []SettingError
	at := func(name string) []string { return append(slices.Clip(path), name) }
	groups := map[string]bool{}
	for _, f := range fields {
		v, set := cfg[f.Name], cfg.IsSet(f.Name)
		if !set {
			if f.Required && f.Type == TypeString && v != nil {
				errs = append(errs, SettingError{Path: at(f.Name), Summary: "Empty setting", Detail: fmt.Sprintf("%s must not be empty: give it a value, or read it with env(\"NAME\").", f.Name)})
			}
		} else {
			errs = append(errs, checkBounds(f, v, at(f.Name))...)
			for _, other := range f.ConflictsWith {
				pair := min(f.Name, other) + "\x00" + max(f.Name, other)
				if cfg.IsSet(other) && !groups[pair] {
					groups[pair] = true
					errs = append(errs, SettingError{Path: at(f.Name), Summary: "Conflicting settings", Detail: fmt.Sprintf("%s conflicts with %s: set one of them, not both.", settingName(fields, f.Name), settingName(fields, other))})
				}
			}
		}
		if len(f.ExactlyOneOf) > 0 {
			group := slices.Sorted(slices.Values(f.ExactlyOneOf))
			key := strings.Join(group, "\x00")
			if !groups[key] {
				groups[key] = true
				errs = append(errs, checkExactlyOne(fields, f.ExactlyOneOf, cfg, path)...)
			}
		}
		switch {
		case f.Type == TypeObject && set:
			if m, ok := v.(map[string]any); ok {
				errs = append(errs, checkSettings(f.Fields, m, at(f.Name))...)
			}
		case f.Type == TypeList && f.Elem != nil && f.Elem.Type == TypeObject && set:
			list, _ := v.([]any)
			for i, el := range list {
				if m, ok := el.(map[string]any); ok {
					errs = append(errs, checkSettings(f.Elem.Fields, m, append(at(f.Name), strconv.Itoa(i)))...)
				}
			}
		}
	}
	return errs
}

// checkExactlyOne reports a group of which none or several are set: on the
// block when none is, else on each one after the first (in group order).
func checkExactlyOne(fields []Field, group []string, cfg Config, path []string) []SettingError {
	var set []string
	for _, name := range group {
		if cfg.IsSet(name) {
			set = append(set, name)
		}
	}
	names := make([]string, len(group))
	for i, n := range group {
		names[i] = settingName(fields, n)
	}
	either := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	switch {
	case len(set) == 0:
		// Path is the block (nil: the connection block): the setting is not written.
		return []SettingError{{Path: append(slices.Clip(path), group[0]), Summary: "Missing setting", Detail: fmt.Sprintf("Set %s: one of them is needed.", either)}}
	case len(set) > 1:
		var errs []SettingError
		for _, name := range set[1:] {
			errs = append(errs, SettingError{Path: append(slices.Clip(path), name), Summary: "Conflicting settings", Detail: fmt.Sprintf("Set %s, not both: %s and %s are both set.", either, settingName(fields, set[0]), settingName(fields, name))})
		}
		return errs
	}
	return nil
}

// settingName names a setting as it is written: "an oauth block" for a
// setting written as a block.
func settingName(fields []Field, name string) string {
	for _, f := range fields {
		if f.Name == name && (f.Type == TypeObject || (f.Type == TypeList && f.Elem != nil && f.Elem.Type == TypeObject)) {
			return "an " + name + " block"
		}
	}
	return name
}

func checkBounds(f Field, v any, path []string) []SettingError {
	if f.Min == nil && f.Max == nil {
		return nil
	}
	x, ok := number(v)
	if !ok {
		return nil
	}
	low, high := math.Inf(-1), math.Inf(1)
	if f.Min != nil {
		low = *f.Min
	}
	if f.Max != nil {
		high = *f.Max
	}
	if x >= low && x <= high {
		return nil
	}
	var want string
	switch {
	case f.Min != nil && f.Max != nil:
		want = fmt.Sprintf("from %s to %s", formatNumber(low), formatNumber(high))
	case f.Min != nil:
		want = fmt.Sprintf("at least %s", formatNumber(low))
	default:
		want = fmt.Sprintf("at most %s", formatNumber(high))
	}
	return []SettingError{{Path: path, Summary: "Value out of range", Detail: fmt.Sprintf("%s must be %s, not %s.", f.Name, want, formatNumber(x))}}
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func formatNumber(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// IsSet reports whether a setting has a value: present, not null, and for
// a string not blank.
func (c Config) IsSet(name string) bool {
	switch v := c[name].(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(v) != ""
	}
	return true
}

// Int returns an integer setting (decoded as int64), or def when it is not set.
func (c Config) Int(name string, def int64) int64 {
	switch v := c[name].(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case float64:
		return int64(v)
	}
	return def
}

// Bool returns a bool setting, or false.
func (c Config) Bool(name string) bool {
	b, _ := c[name].(bool)
	return b
}

// Strings returns a list-of-strings setting, or def when it is not set.
func (c Config) Strings(name string, def []string) []string {
	switch v := c[name].(type) {
	case []string:
		return slices.Clone(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return slices.Clone(def)
}

// Block returns the settings of a nested block, or nil when it is not written.
func (c Config) Block(name string) Config {
	m, _ := c[name].(map[string]any)
	return m
}

// Blocks returns the settings of a repeated block, in order.
func (c Config) Blocks(name string) []Config {
	list, _ := c[name].([]any)
	out := make([]Config, 0, len(list))
	for _, el := range list {
		if m, ok := el.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
