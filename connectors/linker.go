package connectors

import "context"

// RecordLinker is implemented by connections that know the web address of
// a record in their system's own app, for the dashboard to link to. It
// returns "" when it knows none (an object without a page, an account it
// could not ask).
type RecordLinker interface {
	RecordURL(ctx context.Context, object, id string) string
}
