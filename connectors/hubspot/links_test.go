package hubspot

import (
	"testing"

	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
)

// TestRecordURL: a record's address in HubSpot's app is built from the
// account details (asked once per connection) and the object's type id.
func TestRecordURL(t *testing.T) {
	e := newEnv(t, envConfig{fake: hubspottest.Options{PortalID: 4242}})
	ctx := t.Context()
	for _, tt := range []struct{ object, id, want string }{
		{"contacts", "101", "https://app-eu1.hubspot.com/contacts/4242/record/0-1/101"},
		{"orders", "7", "https://app-eu1.hubspot.com/contacts/4242/record/0-123/7"},
		{"deals", "", ""},
		{"no_such_object", "1", ""},
	} {
		if got := e.conn.RecordURL(ctx, tt.object, tt.id); got != tt.want {
			t.Errorf("RecordURL(%q, %q) = %q; want %q", tt.object, tt.id, got, tt.want)
		}
	}
	if n := e.srv.Requests("GET /account-info/v3/details"); n != 1 {
		t.Errorf("the account details were asked %d times; want once per connection", n)
	}
}
