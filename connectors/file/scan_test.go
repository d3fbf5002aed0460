package file

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kopla-dev/kopla/connectors"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		cells []string
		err   string // part of the error
		pos   int
	}{
		{"plain", "a,b,c\n", []string{"a", "b", "c"}, "", 0},
		{"no terminator", "a,b", []string{"a", "b"}, "", 0},
		{"crlf", "a,b\r\n", []string{"a", "b"}, "", 0},
		{"empty cells", ",,\n", []string{"", "", ""}, "", 0},
		{"quoted", `"a,b","say ""hi""",c` + "\n", []string{"a,b", `say "hi"`, "c"}, "", 0},
		{"quoted newline", "\"one\ntwo\",x\n", []string{"one\ntwo", "x"}, "", 0},
		{"quoted crlf kept", "\"one\r\ntwo\"\r\n", []string{"one\r\ntwo"}, "", 0},
		{"empty quoted", `"",""` + "\n", []string{"", ""}, "", 0},
		{"spaces kept", " a , b \n", []string{" a ", " b "}, "", 0},
		{"bare quote", "ab\"c,d\n", nil, "quote inside an unquoted cell", 2},
		{"text after quote", "\"ab\"c,d\n", nil, "text after a closing quote", 4},
		{"unterminated", "a,\"bc\n", nil, "never closed", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells, err := parseCSV([]byte(tt.raw), ',', nil)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("parseCSV(%q) error: %v", tt.raw, err)
				}
				if diff := cmp.Diff(tt.cells, cells); diff != "" {
					t.Errorf("parseCSV(%q) mismatch (-want +got):\n%s", tt.raw, diff)
				}
				return
			}
			var ce *csvError
			if !errors.As(err, &ce) || !strings.Contains(ce.reason, tt.err) || ce.pos != tt.pos {
				t.Errorf("parseCSV(%q) = %v; want error %q at %d", tt.raw, err, tt.err, tt.pos)
			}
		})
	}
}

func TestScannerRows(t *testing.T) {
	tests := []struct {
		name   string
		format format
		in     string
		rows   []string
		lines  []int
	}{
		{"jsonl blank lines", formatJSONL, "{}\n\n  \n{\"a\":1}", []string{"{}\n", `{"a":1}`}, []int{1, 4}},
		{"csv quoted newlines", formatCSV, "h\n\"a\nb\"\nc\n\n\"d\"\"\ne\"\n", []string{"h\n", "\"a\nb\"\n", "c\n", "\"d\"\"\ne\"\n"}, []int{1, 2, 4, 6}},
		{"csv bare quote does not open a cell", formatCSV, "a\"b\nc\n", []string{"a\"b\n", "c\n"}, []int{1, 2}},
		{"csv unterminated runs to the end", formatCSV, "\"a\nb\n", []string{"\"a\nb\n"}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScanner(strings.NewReader(tt.in), tt.format, ',')
			var rows []string
			var lines []int
			var off int64
			for {
				r, err := sc.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if r.start < off || tt.in[r.start:r.start+int64(len(r.data))] != string(r.data) {
					t.Errorf("row %q at offset %d does not match the input", r.data, r.start)
				}
				off = r.start + int64(len(r.data))
				rows = append(rows, string(r.data))
				lines = append(lines, r.line)
			}
			if diff := cmp.Diff(tt.rows, rows); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.lines, lines); diff != "" {
				t.Errorf("lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLongLines(t *testing.T) {
	long := strings.Repeat("x", 200<<10) // longer than the read buffer
	dir := t.TempDir()
	obj := openObject(t, dir, "notes", nil)
	mustWrite(t, obj,
		create(map[string]any{"email": "a@example.com", "text": long}),
		create(map[string]any{"email": "b@example.com", "text": "short"}),
	)
	recs := readAll(t, obj)
	if len(recs) != 2 || recs[0].Fields["text"] != long || recs[1].Fields["text"] != "short" {
		t.Errorf("Read of a file with a %d-byte line: %d records", len(long), len(recs))
	}
	mustWrite(t, obj, updateW("email=b@example.com", map[string]any{"text": "changed"}))
	got, err := obj.Get(t.Context(), []string{"email=a@example.com", "email=b@example.com"})
	if err != nil || len(got) != 2 || got[0].Fields["text"] != long || got[1].Fields["text"] != "changed" {
		t.Errorf("Get after update = %d records, %v", len(got), err)
	}
}

func TestCSVLoneEmptyCell(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tags.csv"), "tag\n")
	obj := openObject(t, dir, "tags", nil)
	mustWrite(t, obj,
		connectors.Write{Action: connectors.Create, Fields: map[string]any{"tag": ""}},
		connectors.Write{Action: connectors.Create, Fields: map[string]any{"tag": "x"}},
	)
	if got := readFile(t, filepath.Join(dir, "tags.csv")); got != "tag\n\"\"\nx\n" {
		t.Errorf("file = %q; want the empty cell quoted so the row is not a blank line", got)
	}
	if recs := readAll(t, obj); len(recs) != 2 {
		t.Errorf("read %d records; want 2", len(recs))
	}
}

func TestBadHeader(t *testing.T) {
	tests := []struct{ name, content, want string }{
		{"duplicate column", "email,name,email\na,b,c\n", `header: line 1: columns 1 and 3 are both named "email"`},
		{"unnamed column", "email,,name\n", "header: line 1: column 2 has no name"},
		{"broken quote", "email,\"name\n", "header: line 1, column 7: quoted cell is never closed (a \" is missing)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			project := t.TempDir()
			writeFile(t, filepath.Join(project, "in", "contacts.csv"), tt.content)
			obj := openIn(t, project, "in", "contacts", nil)
			_, err := obj.Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return nil })
			want := "file: " + filepath.Join("in", "contacts.csv") + ": " + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("Read error = %v; want %q", err, want)
			}
			res := obj.Write(t.Context(), []connectors.Write{create(map[string]any{"email": "x@example.com"})})
			if res[0].Err == nil || res[0].Err.Error() != want {
				t.Errorf("Write error = %v; want %q", res[0].Err, want)
			}
			if got := readFile(t, filepath.Join(project, "in", "contacts.csv")); got != tt.content {
				t.Errorf("file changed to %q", got)
			}
		})
	}
}

// FuzzCSVRoundTrip checks that the scanner and parser read back exactly
// what the encoder (encoding/csv) writes, whatever the cells hold.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("a", "b,c", "d\"e", false)
	f.Add("", "", "line\nbreak", true)
	f.Add(" lead", "\r\n", `\.`, false)
	f.Fuzz(func(t *testing.T, a, b, c string, crlf bool) {
		term := "\n"
		if crlf {
			term = "\r\n"
		}
		cells := []string{a, b, c}
		var buf bytes.Buffer
		enc := newCSVEncoder(',')
		for range 2 {
			if err := enc.encode(&buf, cells, term); err != nil {
				t.Skip() // encoding/csv refuses the cells
			}
		}
		sc := newScanner(bytes.NewReader(buf.Bytes()), formatCSV, ',')
		want := cells
		for row := range 2 {
			r, err := sc.next()
			if err != nil {
				t.Fatalf("row %d of %q: %v", row, buf.String(), err)
			}
			got, err := parseCSV(r.data, ',', nil)
			if err != nil {
				t.Fatalf("parseCSV(%q): %v", r.data, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("row %d of %q mismatch (-want +got):\n%s", row, buf.String(), diff)
			}
		}
		if _, err := sc.next(); !errors.Is(err, io.EOF) {
			t.Errorf("more than two rows in %q", buf.String())
		}
	})
}

// FuzzCSVEncoder checks that rows are encoded byte for byte as
// encoding/csv encodes them.
func FuzzCSVEncoder(f *testing.F) {
	f.Add("a", "b,c", "d\"e", byte(','))
	f.Add("", "", "line\nbreak", byte(';'))
	f.Add(" lead", "\r\n", `\.`, byte('\t'))
	f.Add("\u00a0nbsp", "x\ty", `"`, byte('\t'))
	f.Add("a;b", "é", "", byte(0xE9))
	f.Fuzz(func(t *testing.T, a, b, c string, delim byte) {
		if delim == 0 || delim == '"' || delim == '\r' || delim == '\n' {
			t.Skip() // refused by the connection's settings
		}
		for _, cells := range [][]string{{a, b, c}, {a}, {}} {
			var want bytes.Buffer
			w := csv.NewWriter(&want)
			w.Comma = rune(delim)
			if err := w.Write(cells); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			wantRow := strings.TrimSuffix(want.String(), "\n") + "\r\n"
			if len(cells) == 1 && cells[0] == "" {
				wantRow = "\"\"\r\n"
			}
			got, err := newCSVEncoder(delim).appendRow(nil, cells, "\r\n")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != wantRow {
				t.Errorf("appendRow(%q, delimiter %q) = %q; want %q", cells, delim, got, wantRow)
			}
		}
	})
}
