// Package file is the connector for CSV and JSON Lines files, kind "file":
//
//	connection "file" "exports" {
//	  dir = "out"      # relative to the project directory
//	}
//
// Each file in dir is an object named by its stem: out/contacts.csv is
// exports.contacts. A .csv file's header gives its columns (all text); a
// .jsonl file holds one JSON object per line. An object whose file does not
// exist yet is a JSON Lines object with an open schema: the first write
// creates dir/<name>.jsonl (to have kopla write CSV instead, create the .csv
// file first, empty or with a header line). Every schema is open
// (connectors.Schema.Open; a CSV file's is Extensible: reads have the header's
// columns only): a write may add fields, and for CSV new columns
// are appended to the header. A CSV file may use another delimiter (the
// delimiter setting) and CRLF line ends, which rows kopla writes follow.
//
// Record IDs are "<field>=<value>" when a key field is known (the key
// setting, the field of a Find, or Write.KeyField), else "line:<N>". Rows
// are never moved or deleted by kopla, so line numbers only change when the
// file is edited by hand; but then a line ID names another row. Set key on
// a connection whose files are read as a flow's source, so that records
// keep their IDs across runs and edits. Get and update writes accept both
// forms. Values compare by their text form (5, 5.0 and "5" are the same key).
//
// Writes rewrite the file atomically (temporary file in the same directory,
// fsync, rename): rows not written keep their bytes and order, updated rows
// are merged in place (fields not written keep their value, so a field
// edited by hand survives), created rows are appended. All writes of one
// Write call are applied in one rewrite, so a rewrite costs time in
// proportion to the file's size; objects ask the engine for large batches
// (connectors.WriteBatchSizer). A Write that only creates rows in a file of
// 1 MiB or more appends them to a journal beside it instead, merged into
// the file in one rewrite when the engine has written the flow
// (connectors.Flusher), before the file is read or updated, and by the next
// process after a crash (journal.go): a run of many creates writes the file
// about twice, not once per batch.
//
// Rows that cannot be parsed (invalid JSON, a broken CSV quote) are skipped
// and left as they are. Read emits every good row and then returns a
// *BadLinesError naming each bad line.
//
// The connector is safe for concurrent use within one process; two processes
// writing the same file at once are not (kopla's state lock prevents it).
package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

// Kind is the connector kind.
const Kind = "file"

// service is the APIError.Service of this connector. Its Status follows
// the HTTP meaning: 400 for a refused value, 404 for an unknown ID, 409 for
// a key held by another row.
const service = "file"

// The values of the missing setting.
const (
	missingError = "error"
	missingEmpty = "empty"
)

// defaultPageSize is the number of records per page of Read.
const defaultPageSize = 1000

// New returns the file connector kind. Connections made by the same
// Factory share their per-file locks and indexes.
func New() connectors.Factory {
	shared := &files{byAbs: map[string]*fileState{}}
	return connectors.Factory{
		Kind: Kind,
		Config: connectors.Schema{Fields: []connectors.Field{
			{Name: "dir", Type: connectors.TypeString, Required: true,
				Description: "Directory of the files, relative to the project directory. Each .csv or .jsonl file in it is an object named by its stem."},
			{Name: "key", Type: connectors.TypeString,
				Description: "Field that identifies a row (a customer number, an email): record IDs become key=value, stable when rows move. Without it, rows read are identified by line number."},
			{Name: "delimiter", Type: connectors.TypeString, Default: ",",
				Description: "Cell separator of CSV files: one character, such as \",\", \";\" or \"\\t\"."},
			{Name: "missing", Type: connectors.TypeString, Default: missingError, Options: []string{missingError, missingEmpty},
				Description: "What reading a file that does not exist means: \"error\" (an export that did not arrive; plan warns and plans it as empty, apply refuses it) or \"empty\" (no file means no records)."},
		}},
		Validate: validateConfig,
		Objects: func(cfg connectors.Config, deps connectors.Deps) (map[string]connectors.Schema, error) {
			c, err := newConnector(cfg, deps, shared)
			if err != nil {
				return nil, err
			}
			return c.objects()
		},
		New: func(_ context.Context, cfg connectors.Config, deps connectors.Deps) (connectors.Connector, error) {
			return newConnector(cfg, deps, shared)
		},
	}
}

// csvDelimiter is the byte a delimiter setting names: its one character,
// or a tab for the two characters \t; 0 when it names none.
func csvDelimiter(setting string) byte {
	switch setting {
	case "":
		return ','
	case `\t`:
		return '\t'
	}
	if len(setting) != 1 || strings.ContainsAny(setting, "\"\r\n") {
		return 0
	}
	return setting[0]
}

// validateConfig is Factory.Validate: the delimiter is one character.
func validateConfig(cfg connectors.Config) []connectors.SettingError {
	if d := cfg.String("delimiter"); csvDelimiter(d) == 0 {
		return []connectors.SettingError{{Path: []string{"delimiter"}, Summary: "Invalid value",
			Detail: fmt.Sprintf("The delimiter %q must be one character other than a quote or a newline, such as \",\", \";\" or \"\\t\".", d)}}
	}
	return nil
}

// connector is one file connection: a directory.
type connector struct {
	name    string
	dir     string // absolute
	display string // dir as the project names it
	key     string
	delim   byte
	// missingEmpty says a source file that does not exist reads as empty
	// (missing = "empty"); otherwise Read fails with ErrSourceMissing.
	missingEmpty bool
	pageSize     int
	logger       *slog.Logger
	files        *files
	// rename replaces a file by its rewrite; a seam for tests of failed
	// rewrites.
	rename func(oldpath, newpath string) error
	// journalFrom is the file size from which appends are journaled
	// (journal.go); a seam for tests.
	journalFrom int64
}

var _ connectors.Connector = (*connector)(nil)

func newConnector(cfg connectors.Config, deps connectors.Deps, shared *files) (*connector, error) {
	// The loader checked the settings (Factory.Config, validateConfig).
	dir := cfg.String("dir")
	delim := csvDelimiter(cfg.String("delimiter"))
	abs := dir
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(deps.Dir, dir)
	}
	abs, err := filepath.Abs(abs)
	if err != nil {
		return nil, fmt.Errorf("file: connection %q: dir %q: %w", deps.Name, dir, err)
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &connector{
		name: deps.Name, dir: abs, display: filepath.Clean(dir), key: cfg.String("key"), delim: delim,
		missingEmpty: cfg.String("missing") == missingEmpty,
		pageSize:     defaultPageSize, logger: logger.With("connector", Kind, "connection", deps.Name), files: shared,
		rename: os.Rename, journalFrom: journalFrom,
	}, nil
}

// Object returns the object named by a file stem. A name with no file is a
// JSON Lines object created by the first write.
func (c *connector) Object(name string) (connectors.Object, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return nil, fmt.Errorf("file: connection %q: object %q must be a file name without extension or directory: %w", c.name, name, connectors.ErrUnknownObject)
	}
	f, err := c.formatOf(name)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(c.dir, name+f.ext())
	return &object{
		conn: c, name: name, path: path, format: f,
		display: filepath.Join(c.display, name+f.ext()),
		state:   c.files.state(path),
	}, nil
}

// formatOf tells which file backs an object.
func (c *connector) formatOf(name string) (format, error) {
	csvExists := exists(filepath.Join(c.dir, name+".csv"))
	jsonlExists := exists(filepath.Join(c.dir, name+".jsonl"))
	switch {
	case csvExists && jsonlExists:
		return 0, fmt.Errorf("file: connection %q: both %s.csv and %s.jsonl exist in %s; rename or remove one", c.name, name, name, c.display)
	case csvExists:
		return formatCSV, nil
	}
	return formatJSONL, nil
}

func exists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// objects lists the files of the directory, plus connectors.AnyObject for
// files not there yet. A missing directory has no files yet.
func (c *connector) objects() (map[string]connectors.Schema, error) {
	out := map[string]connectors.Schema{connectors.AnyObject: {Open: true}}
	entries, err := os.ReadDir(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("file: connection %q: %w", c.name, err)
	}
	var errs []error
	seen := map[string]bool{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if (ext != ".csv" && ext != ".jsonl") || !e.Type().IsRegular() {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ext)
		if seen[name] || strings.HasPrefix(name, ".") {
			continue // x.csv beside x.jsonl: Object reported it once
		}
		seen[name] = true
		obj, err := c.Object(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s, err := obj.(*object).schema()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[name] = s
	}
	return out, errors.Join(errs...)
}

// ID forms.

const linePrefix = "line:"

func keyID(field, value string) string { return field + "=" + value }

func lineID(line int) string { return linePrefix + strconv.Itoa(line) }

// parseID splits a "field=value" ID. Field names cannot contain "=".
func parseID(id string) (field, value string, ok bool) {
	field, value, ok = strings.Cut(id, "=")
	return field, value, ok && field != ""
}

func parseLineID(id string) (int, bool) {
	s, ok := strings.CutPrefix(id, linePrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// idFields returns the fields the IDs name (for indexing), sorted.
func idFields(ids []string) []string {
	var out []string
	for _, id := range ids {
		if f, _, ok := parseID(id); ok && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}
