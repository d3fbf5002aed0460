package dsl

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The warning about a secret written in a file must not print the secret:
// not in the human snippet (plain or coloured), not in the JSON one.
func TestSecretWarningRedactsTheSnippet(t *testing.T) {
	const secret = "pat-na1-0123-secret"
	tests := []struct {
		name, body string
		// wantLines are lines the plain rendering must hold.
		wantLines []string
	}{
		{
			name:      "one line",
			body:      "  token = \"" + secret + "\"\n",
			wantLines: []string{"   2:   token = (sensitive value)"},
		},
		{
			name:      "nested block",
			body:      "  token = env(\"TOKEN\")\n  oauth {\n    client_id     = \"id\"\n    client_secret = \"" + secret + "\"\n  }\n",
			wantLines: []string{"   5:     client_secret = (sensitive value)"},
		},
		{
			name: "heredoc keeps the line numbers",
			body: "  token = <<-EOT\n    " + secret + "\n    " + secret + "-2\n  EOT\n",
			// The snippet covers the subject only; the lines it spans stay
			// numbered, blank.
			wantLines: []string{"   2:   token = (sensitive value)", "   3: ", "   4: "},
		},
		{
			name:      "invalid sensitive value",
			body:      "  token = [\"" + secret + "\"]\n",
			wantLines: []string{"   2:   token = (sensitive value)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := project(t, map[string]string{"conn.hcl": "connection \"test\" \"main\" {\n" + tt.body + "}\n"})
			cfg, diags := Load(dir, Options{LookupEnv: noEnv})
			if diags.HasErrors() {
				t.Fatalf("Load: %v", diags)
			}
			_, diags = DecodeConnection(cfg.Connections["test.main"], testConnSchema, nil, envOf(map[string]string{"TOKEN": "t"}))
			if len(diags) == 0 {
				t.Fatal("no diagnostics; want a warning about the secret")
			}
			for _, color := range []bool{false, true} {
				var out bytes.Buffer
				if err := WriteDiagnostics(&out, diags, cfg.Files, color); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(out.String(), secret) {
					t.Errorf("color=%v: the rendering prints the secret:\n%s", color, out.String())
				}
				if !strings.Contains(out.String(), redactedText) {
					t.Errorf("color=%v: the rendering does not show %s:\n%s", color, redactedText, out.String())
				}
				if color {
					continue
				}
				for _, want := range tt.wantLines {
					if !strings.Contains(out.String()+"\n", want+"\n") {
						t.Errorf("the rendering has no line %q:\n%s", want, out.String())
					}
				}
			}
			doc, err := json.Marshal(JSONDiagnostics(diags, cfg.Files))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(doc), secret) {
				t.Errorf("the JSON diagnostics hold the secret: %s", doc)
			}
			var parsed struct {
				Diagnostics []struct {
					Snippet struct {
						Code       string `json:"code"`
						Start, End int
						HS         int `json:"highlight_start_offset"`
						HE         int `json:"highlight_end_offset"`
					} `json:"snippet"`
				} `json:"diagnostics"`
			}
			if err := json.Unmarshal(doc, &parsed); err != nil {
				t.Fatal(err)
			}
			for _, d := range parsed.Diagnostics {
				s := d.Snippet
				if got := s.Code[s.HS:s.HE]; !strings.HasPrefix(got, redactedText) {
					t.Errorf("JSON highlight = %q; want it on %s", got, redactedText)
				}
			}
		})
	}
}

// A diagnostic about a setting that is not sensitive shows its value.
func TestSnippetShowsValuesThatAreNotSecret(t *testing.T) {
	dir := project(t, map[string]string{"conn.hcl": "connection \"test\" \"main\" {\n  token = env(\"TOKEN\")\n  region = \"mars-north\"\n}\n"})
	cfg, _ := Load(dir, Options{LookupEnv: noEnv})
	_, diags := DecodeConnection(cfg.Connections["test.main"], testConnSchema, nil, envOf(map[string]string{"TOKEN": "t"}))
	var out bytes.Buffer
	if err := WriteDiagnostics(&out, diags, cfg.Files, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `region = "mars-north"`) || strings.Contains(out.String(), redactedText) {
		t.Errorf("rendering:\n%s\nwant the region's value shown", out.String())
	}
}
