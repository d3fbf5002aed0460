package main

import (
	"strings"
	"testing"
)

func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr       string
		credential bool
		wantErr    string
	}{
		{addr: "127.0.0.1:7420"},
		{addr: "[::1]:7420"},
		{addr: "localhost:7420"},
		{addr: "0.0.0.0:7420", wantErr: "ui_token"},
		{addr: ":7420", wantErr: "reachable beyond this machine"},
		{addr: "192.0.2.10:80", wantErr: "ui_password_hash"},
		{addr: "0.0.0.0:7420", credential: true},
		{addr: "7420", wantErr: "not host:port"},
	}
	for _, tt := range tests {
		err := checkListen(tt.addr, tt.credential)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("checkListen(%q, %v) = %v; want error containing %q", tt.addr, tt.credential, err, tt.wantErr)
		}
	}
}

func TestParseUI(t *testing.T) {
	a, _, err := parseUI([]string{"-listen", "127.0.0.1:9999", "-sandbox-bad-record"})
	if err != nil || a.listen != "127.0.0.1:9999" || !a.badRecord {
		t.Errorf("parseUI = %+v, %v", a, err)
	}
	if a, _, _ := parseUI(nil); a.listen != defaultUIListen {
		t.Errorf("default listen = %q; want %q", a.listen, defaultUIListen)
	}
	if _, _, err := parseUI([]string{"extra"}); err == nil {
		t.Error("parseUI accepts an argument")
	}
}
