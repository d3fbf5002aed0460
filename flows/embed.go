// Package flows holds kopla's built-in flow library, the HubSpot <->
// eAccounting integration, as HCL. The files are embedded so that the
// binary can copy them into a new project (kopla new).
package flows

import "embed"

// FS holds the library's *.hcl files: flows, settings and their tests.
//
//go:embed *.hcl
var FS embed.FS
