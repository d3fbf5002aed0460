package connectors

import "context"

// TotalsPreparer is implemented by Verifiers that read records to price a
// document (its customer, its articles). PrepareTotals reads what the
// given documents need in as few calls as the API allows and returns a
// Verifier that prices them from those reads, reading only what they did
// not hold. A plan asks it once per batch of documents, instead of reading
// per document.
type TotalsPreparer interface {
	PrepareTotals(ctx context.Context, docs []map[string]any) (Verifier, error)
}
