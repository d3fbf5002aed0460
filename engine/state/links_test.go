package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestLinks(t *testing.T) {
	clk := newClock()
	t0 := clk.Now().UTC()
	later := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)

	tests := []struct {
		name string
		puts [][]Link // successive PutLinks calls
		del  map[string][]string
		flow string
		keys []string
		want map[string]Link
	}{
		{
			name: "empty state",
			flow: "customers", keys: []string{"1", "2"},
			want: map[string]Link{},
		},
		{
			name: "no keys",
			puts: [][]Link{{{Flow: "customers", SourceKey: "1", TargetID: "c1"}}},
			flow: "customers", keys: nil,
			want: map[string]Link{},
		},
		{
			name: "put and get",
			puts: [][]Link{{
				{Flow: "customers", SourceKey: "1", TargetID: "c1", KeyValue: "ann@example.com",
					FieldHashes: map[string]string{"email": "h1", "name": "h2"}},
				{Flow: "customers", SourceKey: "2", TargetID: "c2"},
			}},
			flow: "customers", keys: []string{"1", "2", "3"},
			want: map[string]Link{
				"1": {Flow: "customers", SourceKey: "1", TargetID: "c1", KeyValue: "ann@example.com",
					FieldHashes: map[string]string{"email": "h1", "name": "h2"}, UpdatedAt: t0},
				"2": {Flow: "customers", SourceKey: "2", TargetID: "c2", FieldHashes: map[string]string{}, UpdatedAt: t0},
			},
		},
		{
			name: "values are stored as their hashes",
			puts: [][]Link{{{Flow: "customers", SourceKey: "1", TargetID: "c1",
				FieldHashes: map[string]string{"name": "stale", "phone": "h3"},
				Values:      map[string]any{"name": "Ann", "amount": int64(3)}}}},
			flow: "customers", keys: []string{"1"},
			want: map[string]Link{
				"1": {Flow: "customers", SourceKey: "1", TargetID: "c1", UpdatedAt: t0, FieldHashes: map[string]string{
					"name": HashValue("Ann"), "amount": HashValue(3.0), "phone": "h3"}},
			},
		},
		{
			name: "update of the same target merges hashes",
			puts: [][]Link{
				{{Flow: "customers", SourceKey: "1", TargetID: "c1", KeyValue: "old@example.com",
					FieldHashes: map[string]string{"email": "h1", "phone": "h3"}}},
				{{Flow: "customers", SourceKey: "1", TargetID: "c1", KeyValue: "new@example.com",
					FieldHashes: map[string]string{"email": "h4", "name": "h5"}, UpdatedAt: later}},
				{{Flow: "customers", SourceKey: "1", TargetID: "c1", KeyValue: "new@example.com", UpdatedAt: later}},
			},
			flow: "customers", keys: []string{"1"},
			want: map[string]Link{
				"1": {Flow: "customers", SourceKey: "1", TargetID: "c1", KeyValue: "new@example.com",
					FieldHashes: map[string]string{"email": "h4", "phone": "h3", "name": "h5"}, UpdatedAt: later},
			},
		},
		{
			name: "relink to another target replaces hashes",
			puts: [][]Link{
				{{Flow: "customers", SourceKey: "1", TargetID: "c1", KeyValue: "old@example.com",
					FieldHashes: map[string]string{"email": "h1", "phone": "h3"}}},
				{{Flow: "customers", SourceKey: "1", TargetID: "c9", KeyValue: "new@example.com",
					FieldHashes: map[string]string{"email": "h4"}, UpdatedAt: later}},
			},
			flow: "customers", keys: []string{"1"},
			want: map[string]Link{
				"1": {Flow: "customers", SourceKey: "1", TargetID: "c9", KeyValue: "new@example.com",
					FieldHashes: map[string]string{"email": "h4"}, UpdatedAt: later},
			},
		},
		{
			name: "merge with escaped names",
			puts: [][]Link{
				{{Flow: "f", SourceKey: "1", TargetID: "t", FieldHashes: map[string]string{`a"b`: "1", "ø": "2"}}},
				{{Flow: "f", SourceKey: "1", TargetID: "t", FieldHashes: map[string]string{`a"b`: "3", "<x>": "4"}}},
			},
			flow: "f", keys: []string{"1"},
			want: map[string]Link{
				"1": {Flow: "f", SourceKey: "1", TargetID: "t",
					FieldHashes: map[string]string{`a"b`: "3", "ø": "2", "<x>": "4"}, UpdatedAt: t0},
			},
		},
		{
			name: "same key twice in one batch: last wins",
			puts: [][]Link{{
				{Flow: "f", SourceKey: "1", TargetID: "t1", FieldHashes: map[string]string{"a": "1"}},
				{Flow: "f", SourceKey: "1", TargetID: "t2", FieldHashes: map[string]string{"b": "2"}},
			}},
			flow: "f", keys: []string{"1"},
			want: map[string]Link{
				"1": {Flow: "f", SourceKey: "1", TargetID: "t2", FieldHashes: map[string]string{"b": "2"}, UpdatedAt: t0},
			},
		},
		{
			name: "flows are separate",
			puts: [][]Link{{
				{Flow: "customers", SourceKey: "1", TargetID: "c1"},
				{Flow: "contacts", SourceKey: "1", TargetID: "k1"},
			}},
			flow: "contacts", keys: []string{"1"},
			want: map[string]Link{
				"1": {Flow: "contacts", SourceKey: "1", TargetID: "k1", FieldHashes: map[string]string{}, UpdatedAt: t0},
			},
		},
		{
			name: "delete",
			puts: [][]Link{{
				{Flow: "customers", SourceKey: "1", TargetID: "c1"},
				{Flow: "customers", SourceKey: "2", TargetID: "c2"},
				{Flow: "contacts", SourceKey: "2", TargetID: "k2"},
			}},
			del:  map[string][]string{"customers": {"2", "missing"}},
			flow: "customers", keys: []string{"1", "2"},
			want: map[string]Link{
				"1": {Flow: "customers", SourceKey: "1", TargetID: "c1", FieldHashes: map[string]string{}, UpdatedAt: t0},
			},
		},
		{
			name: "keys with quotes and unicode",
			puts: [][]Link{{{Flow: "f", SourceKey: `a'b"c ø`, TargetID: "x"}}},
			flow: "f", keys: []string{`a'b"c ø`},
			want: map[string]Link{
				`a'b"c ø`: {Flow: "f", SourceKey: `a'b"c ø`, TargetID: "x", FieldHashes: map[string]string{}, UpdatedAt: t0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, WithClock(clk.Now))
			ctx := t.Context()
			for _, p := range tt.puts {
				if err := s.PutLinks(ctx, p); err != nil {
					t.Fatalf("PutLinks = %v", err)
				}
			}
			for flow, keys := range tt.del {
				if err := s.DeleteLinks(ctx, flow, keys); err != nil {
					t.Fatalf("DeleteLinks = %v", err)
				}
			}
			got, err := s.Links(ctx, tt.flow, tt.keys)
			if err != nil {
				t.Fatalf("Links = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Links(%q, %q) mismatch (-want +got):\n%s", tt.flow, tt.keys, diff)
			}
		})
	}
}

func TestLinksManyKeys(t *testing.T) {
	// More keys than one IN query carries, with a partial last chunk, keys
	// that have no link, and duplicates.
	s, _ := openTest(t)
	ctx := t.Context()
	const n = 2*linksChunk + 137
	var links []Link
	var keys []string
	for i := range n {
		k := fmt.Sprintf("src-%05d", i)
		keys = append(keys, k)
		if i%3 != 0 {
			links = append(links, Link{Flow: "orders", SourceKey: k, TargetID: fmt.Sprintf("tgt-%d", i)})
		}
	}
	if err := s.PutLinks(ctx, links); err != nil {
		t.Fatal(err)
	}
	keys = append(keys, keys[:10]...)
	got, err := s.Links(ctx, "orders", keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(links) {
		t.Errorf("Links returned %d links; want %d", len(got), len(links))
	}
	for _, l := range links {
		if got[l.SourceKey].TargetID != l.TargetID {
			t.Errorf("Links[%q].TargetID = %q; want %q", l.SourceKey, got[l.SourceKey].TargetID, l.TargetID)
		}
	}

	// Delete across chunks too.
	if err := s.DeleteLinks(ctx, "orders", keys); err != nil {
		t.Fatal(err)
	}
	got, err = s.Links(ctx, "orders", keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("after DeleteLinks, Links returned %d links; want 0", len(got))
	}
}

func TestPutLinksRejectsBadLinks(t *testing.T) {
	tests := []struct {
		name string
		link Link
		want string
	}{
		{"no flow", Link{SourceKey: "1", TargetID: "t"}, "link 1: empty flow"},
		{"no source key", Link{Flow: "f", TargetID: "t"}, "link 1: flow f: empty source key"},
		{"no target", Link{Flow: "f", SourceKey: "7"}, `link 1: flow f, source key "7": empty target id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			ctx := t.Context()
			good := Link{Flow: "f", SourceKey: "ok", TargetID: "t"}
			err := s.PutLinks(ctx, []Link{good, tt.link})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("PutLinks = %v; want an error containing %q", err, tt.want)
			}
			// All or nothing: the good link is not stored either.
			got, err := s.Links(ctx, "f", []string{"ok"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 0 {
				t.Errorf("after a rejected batch, Links = %v; want none stored", got)
			}
		})
	}
}

func TestListLinks(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	put := []Link{
		{Flow: "b", SourceKey: "2", TargetID: "b2"},
		{Flow: "a", SourceKey: "9", TargetID: "a9"},
		{Flow: "b", SourceKey: "1", TargetID: "b1"},
		{Flow: "a", SourceKey: "10", TargetID: "a10"},
	}
	if err := s.PutLinks(ctx, put); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		flow string
		want []string
	}{
		{"", []string{"a/10", "a/9", "b/1", "b/2"}},
		{"b", []string{"b/1", "b/2"}},
		{"none", nil},
	}
	for _, tt := range tests {
		t.Run("flow="+tt.flow, func(t *testing.T) {
			var got []string
			err := s.ListLinks(ctx, tt.flow, func(l Link) error {
				got = append(got, l.Flow+"/"+l.SourceKey)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ListLinks(%q) mismatch (-want +got):\n%s", tt.flow, diff)
			}
		})
	}

	t.Run("callback error stops", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := s.ListLinks(ctx, "", func(Link) error {
			n++
			return stop
		})
		if err != stop {
			t.Errorf("ListLinks = %v; want the callback's error as is", err)
		}
		if n != 1 {
			t.Errorf("callback called %d times; want 1", n)
		}
	})

	t.Run("callback may write", func(t *testing.T) {
		// The engine may update state while it walks the links.
		err := s.ListLinks(ctx, "a", func(l Link) error {
			l.TargetID += "-moved"
			if err := s.PutLinks(ctx, []Link{l}); err != nil {
				return err
			}
			_, err := s.Links(ctx, "b", []string{"1"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Links(ctx, "a", []string{"9", "10"})
		if err != nil {
			t.Fatal(err)
		}
		for k, l := range got {
			if !strings.HasSuffix(l.TargetID, "-moved") {
				t.Errorf("link a/%s target = %q; want it updated", k, l.TargetID)
			}
		}
	})
}

func TestLinksRoundTripEmptyHashes(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	in := []Link{
		{Flow: "f", SourceKey: "nil", TargetID: "1"},
		{Flow: "f", SourceKey: "empty", TargetID: "2", FieldHashes: map[string]string{}},
	}
	if err := s.PutLinks(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.Links(ctx, "f", []string{"nil", "empty"})
	if err != nil {
		t.Fatal(err)
	}
	for k, l := range got {
		if l.FieldHashes == nil {
			t.Errorf("Links[%q].FieldHashes = nil; want an empty map the engine can fill", k)
		}
	}
	if len(got) != len(in) {
		t.Errorf("Links returned %d links; want %d", len(got), len(in))
	}
}

func TestHashesCodec(t *testing.T) {
	tests := []map[string]string{
		nil,
		{},
		{"email": "61c26e6edb6acdd1208f2c2003c5b692"},
		{"b": "2", "a": "1", "c": ""},
		{`quo"te`: `back\slash`, "tab\tkey": "nl\nvalue", "<html>": "a&b"},
		{"ø": "æ", "日本": "語", "": "empty key"},
		{"k,": ":v", `{"x":1}`: "}"},
	}
	for _, m := range tests {
		enc := appendHashes(nil, hashKeys(nil, m, nil), m, nil)
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			want = []byte("{}")
		}
		if string(enc) != string(want) {
			t.Errorf("appendHashes(%q) = %s; want what encoding/json writes, %s", m, enc, want)
		}
		got, err := parseHashes(enc)
		if err != nil {
			t.Errorf("parseHashes(%s) = %v", enc, err)
			continue
		}
		if diff := cmp.Diff(m, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round trip of %q mismatch (-want +got):\n%s", m, diff)
		}
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":"b",}`, `{"a":"b"`, `[]`, `{"a":1}`} {
		if m, err := parseHashes([]byte(bad)); err == nil {
			t.Errorf("parseHashes(%q) = %v; want an error", bad, m)
		}
	}
}

func TestLinksChunkSizes(t *testing.T) {
	// Every lookup size pads its chunk to a prepared statement's size; the
	// result must hold each linked key exactly, whatever the count.
	s, _ := openTest(t)
	ctx := t.Context()
	var links []Link
	for i := range 1200 {
		links = append(links, Link{Flow: "f", SourceKey: fmt.Sprint("k", i), TargetID: fmt.Sprint("t", i)})
	}
	if err := s.PutLinks(ctx, links); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 4, 5, 6, 24, 25, 26, 124, 125, 126, 499, 500, 501, 1000, 1001} {
		keys := make([]string, 0, n)
		for i := range n {
			if i%2 == 0 {
				keys = append(keys, fmt.Sprint("k", i))
			} else {
				keys = append(keys, fmt.Sprint("absent", i))
			}
		}
		got, err := s.Links(ctx, "f", keys)
		if err != nil {
			t.Fatalf("Links(%d keys) = %v", n, err)
		}
		if want := (n + 1) / 2; len(got) != want {
			t.Errorf("Links(%d keys) returned %d links; want %d", n, len(got), want)
		}
		for k, l := range got {
			if l.SourceKey != k || l.TargetID != "t"+strings.TrimPrefix(k, "k") {
				t.Errorf("Links(%d keys)[%q] = %+v", n, k, l)
			}
		}
	}
}

func TestHashKeys(t *testing.T) {
	values := map[string]any{"b": 1.0, "a": "x"}
	tests := []struct {
		name   string
		prev   []string
		hashes map[string]string
		values map[string]any
		want   []string
	}{
		{"none", nil, nil, nil, []string{}},
		{"values sorted", nil, nil, values, []string{"a", "b"}},
		{"same as before", []string{"a", "b"}, nil, values, []string{"a", "b"}},
		{"one more", []string{"a", "b"}, map[string]string{"c": "h"}, values, []string{"a", "b", "c"}},
		{"overlap counted once", []string{"a", "b"}, map[string]string{"a": "h"}, values, []string{"a", "b"}},
		{"other names, same count", []string{"a", "z"}, nil, values, []string{"a", "b"}},
		{"fewer", []string{"a", "b", "c"}, nil, values, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hashKeys(slices.Clone(tt.prev), tt.hashes, tt.values)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("hashKeys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAppendLinkHashes: the shortcut for links with the names of the link
// before writes what the general path writes.
func TestAppendLinkHashes(t *testing.T) {
	links := []struct {
		hashes map[string]string
		values map[string]any
	}{
		{nil, map[string]any{"b": 1.0, "a": "x"}},
		{nil, map[string]any{"a": "y", "b": 2.0}},                         // the same names
		{nil, map[string]any{"a": "y", "c": 2.0}},                         // as many, others
		{map[string]string{"d": "h"}, map[string]any{"a": "y", "c": 2.0}}, // hashes too
		{nil, map[string]any{}},
		{nil, map[string]any{"a": "z"}},
	}
	var keys []string
	for i, l := range links {
		var got []byte
		got, keys = appendLinkHashes(nil, keys, l.hashes, l.values)
		want := appendHashes(nil, hashKeys(nil, l.hashes, l.values), l.hashes, l.values)
		if string(got) != string(want) {
			t.Errorf("link %d: appendLinkHashes = %s; want %s", i, got, want)
		}
	}
}
