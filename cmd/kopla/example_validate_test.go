package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/dsl"
)

// TestExamplePeopleMisspeltField: a misspelt source field is a validate
// error on its line.
func TestExamplePeopleMisspeltField(t *testing.T) {
	e := exampleEnv(t, "people")
	e.edit("people.hcl", "source.first + ' '", "source.frist + ' '")
	line := 0
	for i, l := range strings.Split(e.read("people.hcl"), "\n") {
		if strings.Contains(l, "source.frist") {
			line = i + 1
		}
	}

	r := e.expect(exitError, "validate", "-no-color")
	if want := "on people.hcl line " + strconv.Itoa(line); !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "frist") {
		t.Errorf("validate output does not point at line %d:\n%s", line, r.stdout)
	}

	r = e.expect(exitError, "validate", "-json")
	var doc dsl.ValidateDocument
	decodeInto(t, r.stdout, &doc)
	if doc.Valid || doc.ErrorCount == 0 || len(doc.Diagnostics) == 0 {
		t.Fatalf("validate -json = %+v; want an error", doc)
	}
	d := doc.Diagnostics[0]
	if d.Range == nil || d.Range.Start.Line != line || d.Range.Filename != "people.hcl" {
		t.Errorf("diagnostic range = %+v; want people.hcl line %d", d.Range, line)
	}

	// plan refuses the same way, before reading anything.
	e.expect(exitError, "plan")
}
