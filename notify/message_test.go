package notify

import (
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	s := &scrubber{}
	s.add("sk-live-42abcdef")
	s.add("abc") // too short to scrub ordinary words with
	tests := []struct{ in, want string }{
		{"The refresh token has expired", "The refresh token has expired"},
		{"abc is not a valid code", "abc is not a valid code"},
		{"invalid key sk-live-42abcdef", "invalid key (sensitive value)"},
		{"Authorization: Bearer eyJhbGciOi.J9x-y_z", "Authorization: Bearer (sensitive value)"},
		{"url ?access_token=q1w2e3&x=1 refused", "url ?access_token=(sensitive value)&x=1 refused"},
		{"client_secret: 9f8e7d", "client_secret: (sensitive value)"},
		{"Contact anna.s+shop@example.co.uk exists", "Contact (e-mail address) exists"},
		{strings.Repeat("é", 400), strings.Repeat("é", 250) + "…"},
	}
	for _, tt := range tests {
		if got := s.clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	if got := s.secretsOnly("Anna <anna@example.com> sk-live-42abcdef"); got != "Anna <anna@example.com> (sensitive value)" {
		t.Errorf("secretsOnly kept or removed the wrong parts: %q", got)
	}
}
