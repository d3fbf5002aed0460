package connectortest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
)

// An engine test defines objects, puts the records it starts from, runs
// the code under test against the memory connector, and inspects the
// records and call counts afterwards.
func Example() {
	ctx := context.Background()
	store := connectortest.NewStore()
	store.Define("books", "customers", connectors.Schema{Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CustomerNumber", Type: connectors.TypeString, Key: true, Unique: true, Required: true},
		{Name: "Name", Type: connectors.TypeString},
	}})
	store.Put("books", "customers", connectors.Record{Fields: map[string]any{"CustomerNumber": "1000", "Name": "Existing AB"}})

	// The answer of the first write is lost after it committed.
	lost := errors.New("connection reset")
	first := true
	store.AfterWrite(func(conn, object string, _ []connectors.Write, _ []connectors.WriteResult) error {
		if first {
			first = false
			return lost
		}
		return nil
	})

	reg := connectors.NewRegistry()
	if err := reg.Register(connectortest.Factory(store)); err != nil {
		panic(err)
	}
	f, _ := reg.Lookup("memory")
	conn, _ := f.New(ctx, connectors.Config{}, connectors.Deps{Name: "books"})
	customers, _ := conn.Object("customers")
	w := customers.(connectors.Writer)

	res := w.Write(ctx, []connectors.Write{
		{Action: connectors.Create, Fields: map[string]any{"CustomerNumber": "1001", "Name": "New AB"}, KeyField: "CustomerNumber"},
	})
	fmt.Println("first answer:", res[0].Err)

	// Look the record up by key before retrying, as the engine must.
	found, _ := customers.(connectors.Finder).Find(ctx, "CustomerNumber", []any{"1001"})
	fmt.Println("found:", found[0].ID, found[0].Fields["Name"])

	res = w.Write(ctx, []connectors.Write{{Action: connectors.Update, ID: found[0].ID, Fields: map[string]any{"Id": "x"}}})
	fmt.Println("read-only:", res[0].Err)

	fmt.Println("records:", len(store.Records("books", "customers")),
		"write calls:", store.Calls("books", "customers", connectortest.OpWrite),
		"written:", store.Calls("books", "customers", connectortest.OpWritten))
	// Output:
	// first answer: connection reset
	// found: m-2 New AB
	// read-only: memory: 400 VALIDATION_ERROR: invalid record; Id: field is read-only
	// records: 2 write calls: 2 written: 1
}
