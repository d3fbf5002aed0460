package state

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// RecordRef names one record of a flow: the flow and the record's key in
// the flow's source.
type RecordRef struct {
	Flow      string
	SourceKey string
}

func (r RecordRef) String() string { return fmt.Sprintf("%s/%s", r.Flow, r.SourceKey) }

// Story is what the state holds about the records a key names.
type Story struct {
	// Records are the records, by flow and source key.
	Records []RecordRef
	// Links are the links of Records.
	Links []Link
	// Entries are the activity entries of Records, oldest first.
	Entries []Activity
}

// StoryOptions tunes [Store.Story].
type StoryOptions struct {
	// Related also follows the records' ids into other flows, once: the
	// target id one flow wrote is the source key of the flow that reads
	// the record back (a contact sent to eAccounting as a customer, the
	// customer read back), so a trace shows both.
	Related bool
	// Limit bounds the entries; <= 0 means no bound. The newest are kept.
	Limit int
}

// Story returns the records known by key in any flow (as source key,
// target id, the link's key value or a key the entries were logged with,
// whatever the case), their links and their whole activity.
func (s *Store) Story(ctx context.Context, key string, opts StoryOptions) (Story, error) {
	st, err := s.story(ctx, key, opts)
	if err != nil {
		return Story{}, fmt.Errorf("state: story of %q: %w", key, err)
	}
	return st, nil
}

func (s *Store) story(ctx context.Context, key string, opts StoryOptions) (Story, error) {
	found := map[RecordRef]bool{}
	if err := s.recordsKnownBy(ctx, []string{key}, found); err != nil {
		return Story{}, err
	}
	if opts.Related && len(found) > 0 {
		// The ids of the records found, which other flows may know them by.
		seen := map[string]bool{normalizeKey(key): true}
		var more []string
		addKey := func(k string) {
			if n := normalizeKey(k); n != "" && !seen[n] {
				seen[n] = true
				more = append(more, k)
			}
		}
		links, err := s.linksOf(ctx, found)
		if err != nil {
			return Story{}, err
		}
		for r := range found {
			addKey(r.SourceKey)
		}
		for _, l := range links {
			addKey(l.TargetID)
		}
		for r := range found {
			acts, err := s.Activities(ctx, ActivityFilter{Flow: r.Flow, SourceKey: r.SourceKey})
			if err != nil {
				return Story{}, err
			}
			for _, a := range acts {
				addKey(a.TargetID)
			}
		}
		if err := s.recordsKnownBy(ctx, more, found); err != nil {
			return Story{}, err
		}
	}
	var out Story
	for r := range found {
		out.Records = append(out.Records, r)
	}
	slices.SortFunc(out.Records, func(a, b RecordRef) int {
		return strings.Compare(a.String(), b.String())
	})
	links, err := s.linksOf(ctx, found)
	if err != nil {
		return Story{}, err
	}
	out.Links = links
	for _, r := range out.Records {
		acts, err := s.Activities(ctx, ActivityFilter{Flow: r.Flow, SourceKey: r.SourceKey})
		if err != nil {
			return Story{}, err
		}
		out.Entries = append(out.Entries, acts...)
	}
	slices.SortFunc(out.Entries, func(a, b Activity) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	if opts.Limit > 0 && len(out.Entries) > opts.Limit {
		out.Entries = out.Entries[len(out.Entries)-opts.Limit:]
	}
	return out, nil
}

// recordsKnownBy adds to found the records that any of keys names: in the
// key index of the activity log, and among the links.
func (s *Store) recordsKnownBy(ctx context.Context, keys []string, found map[RecordRef]bool) error {
	if len(keys) == 0 {
		return nil
	}
	for _, k := range keys {
		acts, err := s.Activities(ctx, ActivityFilter{Key: k})
		if err != nil {
			return err
		}
		for _, a := range acts {
			if a.SourceKey != "" {
				found[RecordRef{a.Flow, a.SourceKey}] = true
			}
		}
	}
	return s.linksMatching(ctx, keys, func(l Link) error {
		found[RecordRef{l.Flow, l.SourceKey}] = true
		return nil
	})
}

// linksMatching calls fn for each link whose source key, target id or key
// value is one of keys, whatever the case. It reads the whole table: links
// have no index but by flow and source key, as an apply writes them in
// bulk and another index would slow every write; a lookup by key is for a
// person at a terminal.
func (s *Store) linksMatching(ctx context.Context, keys []string, fn func(Link) error) error {
	norm := make([]any, 0, len(keys))
	for _, k := range keys {
		if n := normalizeKey(k); n != "" {
			norm = append(norm, n)
		}
	}
	if len(norm) == 0 {
		return nil
	}
	in := placeholders(len(norm))
	args := slices.Concat(norm, norm, norm)
	rows, err := s.r.QueryContext(ctx, `SELECT `+linkColumns+` FROM links
WHERE lower(source_key) IN (`+in+`) OR lower(target_id) IN (`+in+`) OR (key_value <> '' AND lower(trim(key_value)) IN (`+in+`))
ORDER BY flow, source_key`, args...)
	if err != nil {
		return err
	}
	return scanLinks(rows, fn)
}

// linksOf returns the links of the records, ordered by flow and source key.
func (s *Store) linksOf(ctx context.Context, records map[RecordRef]bool) ([]Link, error) {
	byFlow := map[string][]string{}
	for r := range records {
		byFlow[r.Flow] = append(byFlow[r.Flow], r.SourceKey)
	}
	var out []Link
	for flow, keys := range byFlow {
		m, err := s.Links(ctx, flow, keys)
		if err != nil {
			return nil, err
		}
		for _, l := range m {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b Link) int {
		return strings.Compare(a.Flow+"\x00"+a.SourceKey, b.Flow+"\x00"+b.SourceKey)
	})
	return out, nil
}
