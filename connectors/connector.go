package connectors

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Factory describes a connector kind and builds its connections.
type Factory struct {
	// Kind is the first label of a connection block: "hubspot", "file".
	Kind string
	// Config is the schema of the connection block's settings. Settings of
	// TypeObject are written as nested blocks (an `oauth { ... }` block).
	// Sensitive settings are never logged or printed.
	Config Schema
	// Validate, when set, checks the decoded settings for what the schema's
	// rules cannot state (a URL's form, a value that depends on another),
	// after the schema's own checks (see CheckConfig). Each problem names
	// its setting, so that validate can point at it. It must not touch the
	// network, and it must accept what an offline validate decodes.
	Validate func(cfg Config) []SettingError
	// Objects returns the static catalogue of objects for a connection, so
	// that validate works offline. It may read what Discover cached under
	// Deps.StateDir; it must not touch the network.
	Objects func(cfg Config, deps Deps) (map[string]Schema, error)
	// New opens a connection. It must not touch the network either: the first
	// call that needs the remote system does.
	New func(ctx context.Context, cfg Config, deps Deps) (Connector, error)
}

// Config holds the evaluated settings of one connection block, by name.
type Config map[string]any

// String returns a string setting, or "".
func (c Config) String(name string) string {
	s, _ := c[name].(string)
	return s
}

// Deps are what the host hands to a connector. Connectors use nothing global.
type Deps struct {
	// Name is the connection's name (second label of its block).
	Name string
	// Dir is the project directory; relative paths in settings are relative to it.
	Dir string
	// StateDir is where the connector may keep files (tokens, cached schemas):
	// the project's .kopla directory.
	StateDir string
	// HTTPClient is the transport to use; nil means a client built by the connector.
	HTTPClient *http.Client
	// Logger is the connector's logger; never nil when handed out by the engine.
	Logger *slog.Logger
	// Properties are the custom fields the project's flow libraries
	// declare for this connection; a connector whose objects can have
	// custom fields adds them to the schemas Objects returns.
	Properties []PropertyDef
	// Budgets and Tokens are shared with the project's other workers (the
	// state on Postgres); nil when the process is alone: budgets pace in
	// memory, tokens live in StateDir.
	Budgets SharedBudgets
	Tokens  SharedTokens
}

// Connector is one configured connection.
type Connector interface {
	// Object returns the named object; the error wraps ErrUnknownObject.
	Object(name string) (Object, error)
}

// Object is one kind of record of a connection: contacts, customers, orders.
// Everything it can do beyond describing itself is an optional interface.
type Object interface {
	Name() string
	Schema() Schema
}

// Record is one record read from or written to an object.
type Record struct {
	// ID identifies the record in its system ("" before creation). It is
	// opaque to the engine and stable across runs.
	ID string
	// Fields holds the values by field name. Includes appear as []any of
	// map[string]any.
	Fields map[string]any
}

// ReadRequest selects what a Reader reads.
type ReadRequest struct {
	// Fields are the field names the flow uses; nil means all. Connectors
	// that can select fields (HubSpot properties=) read only these.
	Fields []string
	// Include names the associations to attach to each record.
	Include []string
	// Cursor, when not empty, asks for the records changed since the cursor a
	// previous Read returned (incremental read).
	Cursor string
	// Overlap, with a Cursor, asks for the records changed up to this long
	// before it as well: changes a system shows late (a search index that
	// lags, modification dates that arrive out of order) are read on the
	// next read. Connectors whose cursors are exact may ignore it; the
	// cursor returned never goes back.
	Overlap time.Duration
	// Archived asks for archived (soft-deleted) records instead of live ones,
	// where the system has them (HubSpot).
	Archived bool
}

// Reader streams the records of an object.
type Reader interface {
	// Read calls emit with successive pages of records, in the order the
	// system returns them, and returns a cursor that a later Read can pass to
	// get only what changed after this one ("" when the object cannot be
	// read incrementally). Memory is bounded by the page size. An error from
	// emit stops the read and is returned as is.
	Read(ctx context.Context, req ReadRequest, emit func(page []Record) error) (cursor string, err error)
}

// Finder finds records by the value of a key field, in batches.
type Finder interface {
	// Find returns every record whose field equals one of values. Values are
	// compared as the system compares them (HubSpot emails are
	// case-insensitive). The connector splits values into as many calls as
	// its API needs; records matching no value are not returned, and a value
	// matched by several records yields all of them (the engine reports the
	// ambiguity).
	Find(ctx context.Context, field string, values []any) ([]Record, error)
}

// Getter reads records by ID, in batches.
type Getter interface {
	// Get returns the records with the given IDs. IDs that do not exist are
	// left out of the result (not an error).
	Get(ctx context.Context, ids []string) ([]Record, error)
}

// GetRequest selects records by ID and what of them to read, as a
// ReadRequest does for a Read.
type GetRequest struct {
	IDs []string
	// Fields and Include are a ReadRequest's: the field names to read (nil
	// means all) and the associations to attach to each record.
	Fields  []string
	Include []string
}

// RequestGetter is implemented by Getters that read records by ID exactly as
// their Read reads them: the same fields, includes and record IDs. The
// engine uses it to hand a flow the real source record an ensure refers to.
type RequestGetter interface {
	// GetWith returns the records with the given IDs, shaped as Read with
	// the same Fields and Include would return them. IDs that do not exist
	// are left out of the result (not an error).
	GetWith(ctx context.Context, req GetRequest) ([]Record, error)
}

// Action is what a write does.
type Action uint8

const (
	Create Action = iota + 1
	Update
)

func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	}
	return "unknown"
}

// Write is one record to create or update.
type Write struct {
	Action Action
	// ID is the record to update; empty on create.
	ID string
	// Fields are the values to write. On update only the fields that change
	// are given: a connector whose API replaces whole records (eAccounting
	// PUT) reads the current record and merges, never blanking a field the
	// flow does not manage.
	Fields map[string]any
	// KeyField names the field that identifies the record (the flow's key).
	// Before a create is retried after a lost answer, a connector looks the
	// record up by it instead of creating it twice.
	KeyField string
	// Current is, on update, the record as the plan read it, when that read
	// is fresh enough to stand for the current record: a connector that
	// merges into whole records reads it instead of the record. Nil means
	// the connector reads the record itself.
	Current map[string]any
}

// WriteResult is the outcome of one Write.
type WriteResult struct {
	// Record is the record as the system stored it (with its ID) when the
	// write succeeded. Connectors whose API does not answer with the record
	// return at least its ID.
	Record Record
	// Err is the failure of this write only; typically an *APIError.
	Err error
}

// Writer creates and updates records.
type Writer interface {
	// Write performs the writes, batching them as its API allows, and returns
	// one result per write, in the same order. One failed write never fails
	// the others; an error that stops everything (auth, daily limit) is set
	// on every write it prevented.
	Write(ctx context.Context, writes []Write) []WriteResult
}

// WriteBatchSizer is implemented by objects that want writes handed over in
// batches of a given size rather than the engine's default: a file rewritten
// once per Write call wants them all at once.
type WriteBatchSizer interface {
	WriteBatchSize() int
}

// Flusher is implemented by objects that may hold back what Write made
// durable from what other programs see (the file connector journals rows
// appended to a large file and merges them into it once). The engine calls
// Flush after a flow's last Write to the object.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Discoverer reads what can only be known from the live account (custom
// fields, enumeration options) and caches it under Deps.StateDir, where
// Factory.Objects finds it. `kopla init` calls it.
type Discoverer interface {
	Discover(ctx context.Context) error
}

// LoginFlow runs an interactive login (OAuth2 authorization code) and stores
// the tokens under Deps.StateDir. `kopla login` calls it.
type LoginFlow interface {
	Login(ctx context.Context, ui LoginUI) error
}

// LoginUI is how a login talks to the person running it.
type LoginUI struct {
	Out io.Writer
	// OpenURL opens a URL in a browser; nil means: print it and wait.
	OpenURL func(url string) error
	// ListenAddr is where the redirect listener listens ("" means
	// 127.0.0.1 with a free port).
	ListenAddr string
}

// Closer is implemented by connectors holding resources (files, listeners).
type Closer interface {
	Close() error
}
