// Package scenario holds the end-to-end tests of the HubSpot <-> eAccounting
// integration: the flow library (flows/) as the example project
// examples/webshop uses it, planned and applied through the engine against
// the sandbox's HubSpot and eAccounting fakes and their demo company. Each
// test is one behaviour the integration promises (see docs/flows).
//
// The package has no code of its own beyond its tests.
package scenario
