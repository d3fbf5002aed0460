package main

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The expected outputs are those of GNU diff -u.
func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          string
	}{
		{"same", "a\nb\n", "a\nb\n", ""},
		{"two hunks", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n", "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n",
			"@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n"},
		{"one hunk when close", "a\nb\nc\nd\ne\nf\ng\n", "A\nb\nc\nd\ne\nf\nG\n",
			"@@ -1,7 +1,7 @@\n-a\n+A\n b\n c\n d\n e\n f\n-g\n+G\n"},
		{"no final newline", "x\ny", "x\nz\n", "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n"},
		{"from empty", "", "x\nz\n", "@@ -0,0 +1,2 @@\n+x\n+z\n"},
		{"to empty", "x\n", "", "@@ -1 +0,0 @@\n-x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			unifiedDiff(&b, "f.hcl", []byte(tt.before), []byte(tt.after))
			want := tt.want
			if want != "" {
				want = "--- f.hcl\n+++ f.hcl (formatted)\n" + want
			}
			if diff := cmp.Diff(want, b.String()); diff != "" {
				t.Errorf("unifiedDiff mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
