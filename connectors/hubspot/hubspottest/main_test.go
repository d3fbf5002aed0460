package hubspottest

import (
	"os"
	"testing"
)

// contract, in contract mode, serves each test's fake behind the
// contract-checking proxy (see RunTests).
var contract *Switchboard

func TestMain(m *testing.M) {
	os.Exit(RunTests(m, func(b *Switchboard) { contract = b }))
}
