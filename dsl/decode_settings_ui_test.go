package dsl

import (
	"fmt"
	"strings"
	"testing"
)

func TestUISettings(t *testing.T) {
	const hash = "$2a$04$ZgYwDdKZg56/LbKtv143n.QAD8qceLsK7z3LwXoTgtGGNC7HmsYMO" // of "demo-password", cost 4
	tests := []struct {
		name, attrs, env string
		token, hash      string
		wantErr          string
	}{
		{name: "token from env", attrs: `ui_token = env("KOPLA_UI_TOKEN")`, env: "0123456789abcdef0123", token: "0123456789abcdef0123"},
		{name: "short token", attrs: `ui_token = "short"`, wantErr: "at least 16 characters"},
		{name: "hash", attrs: `ui_password_hash = "` + hash + `"`, hash: hash},
		{name: "plain password", attrs: `ui_password_hash = "hunter2hunter2"`, wantErr: "must be a bcrypt hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"main.hcl": "kopla {\n  " + tt.attrs + "\n}\n"})
			cfg, diags := Load(dir, Options{LookupEnv: func(name string) (string, bool) {
				return tt.env, name == "KOPLA_UI_TOKEN" && tt.env != ""
			}})
			if tt.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.wantErr) || !strings.Contains(diags.Error(), "main.hcl:2") {
					t.Fatalf("diagnostics = %v; want an error at main.hcl:2 saying %q", diags, tt.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if string(cfg.Settings.UIToken) != tt.token || cfg.Settings.UIPasswordHash != tt.hash {
				t.Errorf("token, hash = %q, %q; want %q, %q", string(cfg.Settings.UIToken), cfg.Settings.UIPasswordHash, tt.token, tt.hash)
			}
			if tt.token != "" && strings.Contains(fmt.Sprintf("%+v %#v", cfg.Settings, *cfg.Settings), tt.token) {
				t.Error("the printed settings show the token")
			}
		})
	}
}
