// Package state is kopla's embedded state: one SQLite file per project,
// .kopla/state.db by default ([DefaultPath]), opened with [Open]. It uses the
// pure-Go modernc.org/sqlite driver, so kopla needs no cgo.
//
// The file holds these tables:
//
//   - links: per flow, which target record each source record was written
//     to (flow, source key -> target id), the target key value it was
//     matched by, and the hash ([HashValue]) of each field value last
//     written: a record of what kopla wrote, kept without the personal data
//     itself. Plans compare with the target records as they are, not with
//     these hashes, so that changes made in the target by hand show.
//     See [Store.Links], [Store.PutLinks].
//   - cursors: per flow, the cursor of the last read applied, when that
//     read was made and when the flow was last read in full
//     ([Store.ReadMark], [Store.MarkRead]); retries: the source records
//     that failed in the flow's last apply, read again by id on the next
//     incremental run ([Store.Retries], [Store.SetRetries]).
//   - intents: the journal of writes in flight. The intents of a batch of
//     writes are committed as one entry before the writes are sent and
//     deleted once the answers are stored; one left behind by a crash tells
//     the engine that a create may have happened, so it looks the record up
//     by key rather than create it twice ([Store.BeginIntents],
//     [Store.PendingIntents]).
//   - runs: each plan or apply, its config digest, status and counts, with
//     the pid and host of its process so that a run whose process died is
//     marked interrupted ([Store.StartRun], [Store.FinishRun]).
//   - activity: per record and run, what was read, what was sent and the
//     answer, as JSON already redacted by the engine, stored a row per batch
//     of records; [Store.Purge] deletes it after the retention period (GDPR)
//     and then clears the key value and field hashes of the links whose
//     records have no entry left, so that what outlives the retention period
//     holds no personal data. [Store.Forget] erases one person's entries
//     and links on request.
//   - activity_keys: per activity row, salted hashes of every key its
//     records are known by (keys.go), for [Store.Activities] with a Key,
//     [Store.Story] and [Store.Forget]; secrets holds the salt.
//   - locks: the apply lock, one row naming the holding process
//     ([Store.Lock]).
//   - notify_states: per notify block, rule and flow, whether the rule is
//     failing and the messages about it not delivered yet
//     ([Store.NotifyStates], [Store.PutNotifyState]).
//
// Times are stored in UTC as fixed-width RFC 3339 text, so that they sort
// as text. The schema version is SQLite's user_version; Open applies the
// missing migrations, forward only, each in its own transaction.
//
// The file is in WAL mode: readers never block the writer. A Store keeps
// one write connection (transactions start IMMEDIATE, so concurrent writers,
// in this process or another, queue on the busy timeout instead of failing)
// and a small pool of read-only connections. Batch methods (PutLinks,
// LogActivity, BeginIntents, and [Store.Save], which stores all an apply
// batch leaves behind) write a whole batch in one transaction: links with
// multi-row statements prepared once, intents and activity as one row per
// batch. Lookups bind up to 500 keys per prepared statement: an apply of
// 100,000 records costs a few hundred transactions and statements, not
// 100,000, and one row per record (its link).
//
// The state may live in Postgres instead (postgres.go): Open and
// OpenReadOnly take a postgres:// URL, whose schema parameter names the
// project's schema. The same queries run on both, through database/sql
// (pgx's stdlib driver, with ? placeholders numbered on the way); the few
// differences (schema types, the version counter, JSON merge) are a small
// dialect table (dialect.go), and the migrations are the same versions
// for both (schema.go, schema_postgres.go). Write transactions of all
// processes on a schema are serialised by an advisory lock, as BEGIN
// IMMEDIATE does on SQLite; the apply lock adds a session advisory lock
// on a connection of its own (lock_postgres.go). CopyTo moves a state
// between the two (kopla state migrate).
package state
