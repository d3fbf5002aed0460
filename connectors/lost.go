package connectors

import "errors"

// ErrMayStillCommit marks a create whose answer was lost while the system
// may still be carrying it out: no answer came (a timeout, a dropped
// connection) or a gateway gave up waiting, and the record was not found
// right after. It may show up later, so the engine does not create it
// again at once (see engine.SettleWindow). It is never an *APIError: the
// system did not refuse the write.
var ErrMayStillCommit = errors.New("the write may still be committing")
