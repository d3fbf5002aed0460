package scenario

import "testing"

// TestExampleValidates: the example project with the flow library compiles
// against the connectors' schemas, once the custom properties are known.
func TestExampleValidates(t *testing.T) {
	w := newWorld(t)
	p := w.project()
	if len(p.FlowNames()) == 0 {
		t.Fatal("no flows")
	}
}
