package hubspot

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

func TestFactory(t *testing.T) {
	f := New()
	if f.Kind != "hubspot" {
		t.Errorf("Kind = %q", f.Kind)
	}
	reg := connectors.NewRegistry()
	if err := reg.Register(f); err != nil {
		t.Fatal(err)
	}
	tok, _ := f.Config.Field("token")
	oauth, _ := f.Config.Field("oauth")
	secret := connectors.Field{}
	for _, s := range oauth.Fields {
		if s.Name == "client_secret" {
			secret = s
		}
	}
	if !tok.Sensitive || !secret.Sensitive || oauth.Type != connectors.TypeObject {
		t.Errorf("token sensitive %v, oauth type %v, client_secret sensitive %v", tok.Sensitive, oauth.Type, secret.Sensitive)
	}
	if v, _ := f.Config.Field("api_version"); v.Default != "2026-03" {
		t.Errorf("api_version default = %v", v.Default)
	}
}

func TestCheckConfig(t *testing.T) {
	oauth := map[string]any{"client_id": "id", "client_secret": "secret", "scopes": []any{"oauth"}, "redirect_port": int64(8976)}
	tests := []struct {
		name string
		cfg  connectors.Config
		want []string // "path: summary"
	}{
		{"token", connectors.Config{"token": "pat"}, nil},
		{"oauth", connectors.Config{"oauth": oauth}, nil},
		{"nothing", connectors.Config{}, []string{"token: Missing setting"}},
		{"blank token", connectors.Config{"token": "  "}, []string{"token: Missing setting"}},
		{"both", connectors.Config{"token": "pat", "oauth": oauth}, []string{"oauth: Conflicting settings"}},
		{"oauth with empty secret", connectors.Config{"oauth": map[string]any{"client_id": "id", "client_secret": ""}}, []string{"oauth.client_secret: Empty setting"}},
		{"redirect_port out of range", connectors.Config{"oauth": map[string]any{"client_id": "id", "client_secret": "s", "redirect_port": int64(70000)}}, []string{"oauth.redirect_port: Value out of range"}},
		{"enumeration without options", connectors.Config{"token": "pat", "property": []any{
			map[string]any{"object": "orders", "name": "a", "type": "string"},
			map[string]any{"object": "orders", "name": "b", "type": "enumeration"},
		}}, []string{"property.1.options: Missing setting"}},
		{"options of a string", connectors.Config{"token": "pat", "property": []any{
			map[string]any{"object": "orders", "name": "a", "type": "string", "options": []any{"x"}},
		}}, []string{"property.0.options: Invalid value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range New().CheckConfig(tt.cfg) {
				got = append(got, strings.Join(e.Path, ".")+": "+e.Summary)
				if !strings.HasSuffix(e.Detail, ".") {
					t.Errorf("detail %q is not a sentence", e.Detail)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckConfig (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSettings(t *testing.T) {
	s, err := parseSettings(connectors.Config{"oauth": map[string]any{"client_id": "id", "client_secret": "s", "scopes": []any{"a", "b"}, "redirect_port": int64(8976)}}, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if s.oauth == nil || s.oauth.redirectPort != 8976 || !cmp.Equal(s.oauth.scopes, []string{"a", "b"}) || s.version != defaultAPIVersion || s.baseURL.String() != defaultBaseURL {
		t.Errorf("parseSettings = %+v, oauth %+v; want the typed values and the defaults", s, s.oauth)
	}
	// The one thing only the real value shows: a URL read from the environment.
	_, err = parseSettings(connectors.Config{"token": "pat", "base_url": "api.hubapi.com"}, "shop")
	if err == nil || !strings.Contains(err.Error(), "base_url") || !strings.Contains(err.Error(), `"shop"`) {
		t.Errorf("parseSettings(bad base_url) = %v; want an error naming base_url and the connection", err)
	}
}

func TestObjectsOffline(t *testing.T) {
	schemas, err := New().Objects(connectors.Config{"token": "pat"}, connectors.Deps{Name: "shop", StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"companies", "contacts", "deals", "discounts", "fees", "invoices", "line_items", "orders", "products", "taxes"}
	var got []string
	for n := range schemas {
		got = append(got, n)
	}
	if diff := cmp.Diff(want, sorted(got)); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	orders := schemas["orders"]
	var includes []string
	for _, in := range orders.Includes {
		includes = append(includes, in.Name)
	}
	if diff := cmp.Diff([]string{"companies", "contacts", "deals", "discounts", "invoices", "line_items"}, includes); diff != "" {
		t.Errorf("order includes (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		object, field string
		check         func(connectors.Field) bool
	}{
		{"orders", "associate_contacts", func(f connectors.Field) bool {
			return f.Type == connectors.TypeList && f.Elem.Type == connectors.TypeString
		}},
		{"orders", "associate_primary_company", func(f connectors.Field) bool { return f.Type == connectors.TypeString }},
		{"line_items", "associate_deals", func(f connectors.Field) bool { return strings.Contains(f.Description, "20") }},
		{"contacts", "email", func(f connectors.Field) bool { return f.Key && f.Unique && f.Sensitive }},
		{"products", "hs_sku", func(f connectors.Field) bool { return f.Key && !f.Unique }},
		{"deals", "hs_object_id", func(f connectors.Field) bool { return f.ReadOnly && f.Key && f.Unique }},
		{"deals", "dealname", func(f connectors.Field) bool { return f.Required }},
		{"contacts", "lastmodifieddate", func(f connectors.Field) bool { return f.ReadOnly && f.Type == connectors.TypeDateTime }},
		{"orders", "hs_billing_address_email", func(f connectors.Field) bool { return f.Sensitive }},
	} {
		f, ok := schemas[tc.object].Field(tc.field)
		if !ok || !tc.check(f) {
			t.Errorf("%s.%s = %+v (found %v)", tc.object, tc.field, f, ok)
		}
	}

	conn, err := open(connectors.Config{"token": "pat"}, connectors.Deps{Name: "shop", StateDir: t.TempDir()}, fastOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Object("contact"); !errors.Is(err, connectors.ErrUnknownObject) || !strings.Contains(err.Error(), `"contacts"`) {
		t.Errorf("Object(contact) = %v; want ErrUnknownObject suggesting contacts", err)
	}
}

func TestReadArchived(t *testing.T) {
	e := newEnv(t, envConfig{seed: `{"objects": {"deals": [
		{"id": "1", "properties": {"dealname": "Live"}},
		{"id": "2", "properties": {"dealname": "Gone"}, "archived": true}]}}`})
	got, cursor, _ := readAll(t, e.object(t, "deals"), connectors.ReadRequest{Archived: true})
	if diff := cmp.Diff([]string{"2"}, ids(got)); diff != "" || cursor != "" {
		t.Errorf("archived read = %v, cursor %q; want [2] and no cursor", ids(got), cursor)
	}
	if got[0].Fields["dealname"] != "Gone" {
		t.Errorf("archived deal fields = %v", got[0].Fields)
	}
	got, _, _ = readAll(t, e.object(t, "deals"), connectors.ReadRequest{})
	if diff := cmp.Diff([]string{"1"}, ids(got)); diff != "" {
		t.Errorf("live read (-want +got):\n%s", diff)
	}
	// With a property list too long for a URL, archived records are read by
	// batch too.
	conn := e.open(t, envConfig{opts: func(o *options) { o.maxQueryChars = 10 }})
	deals, _ := conn.Object("deals")
	got, _, _ = readAll(t, deals.(*object), connectors.ReadRequest{Archived: true})
	if len(got) != 1 || got[0].Fields["dealname"] != "Gone" {
		t.Errorf("archived read through batch reads = %v", got)
	}
}

func TestIncludePagesAssociations(t *testing.T) {
	// 620 line items on one order: the association read pages (500 per
	// page) and the line items are read 100 per call.
	var lines []map[string]string
	var assocs [][3]any
	for i := range 620 {
		id := fmt.Sprint(1000 + i)
		lines = append(lines, map[string]string{"id": id, "name": "L", "quantity": "1", "price": "1"})
		assocs = append(assocs, [3]any{"orders/1", "line_items/" + id, 513})
	}
	seed := seedJSON(t, map[string][]map[string]string{"orders": {{"id": "1", "hs_order_name": "Big"}}, "line_items": lines}, assocs...)
	e := newEnv(t, envConfig{seed: seed})
	e.srv.ResetCounters()
	got, _, _ := readAll(t, e.object(t, "orders"), connectors.ReadRequest{Include: []string{"line_items"}})
	if len(got) != 1 {
		t.Fatalf("read %d orders", len(got))
	}
	if n := len(got[0].Fields["line_items"].([]any)); n != 620 {
		t.Errorf("order has %d line items; want 620", n)
	}
	if n := e.srv.Requests("POST /crm/associations/2026-03/orders/line_items/batch/read"); n != 2 {
		t.Errorf("association reads = %d; want 2 (500 + 120)", n)
	}
	if n := e.srv.Requests("POST /crm/objects/2026-03/line_items/batch/read"); n != 7 {
		t.Errorf("line item reads = %d; want 7 (100 per call)", n)
	}
}

func TestLogsRoundTripsWithoutSecrets(t *testing.T) {
	var buf syncBuffer
	e := newEnv(t, envConfig{seed: seedJSON(t, map[string][]map[string]string{"contacts": {{"id": "1", "email": "private.person@example.com"}}})})
	deps := e.deps()
	deps.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	conn, err := open(e.config(envConfig{}), deps, fastOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := conn.Object("contacts")
	if _, err := o.(connectors.Finder).Find(t.Context(), "email", []any{"private.person@example.com"}); err != nil {
		t.Fatal(err)
	}
	res := o.(connectors.Writer).Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{"email": "new.person@example.com"}}})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	logs := buf.String()
	for _, want := range []string{"http.method=POST", "http.path=/crm/objects/2026-03/contacts/batch/read", "http.status=200", "attempt=1", "connection=shop"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{e.srv.Token(), "private.person", "new.person"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDeclaredProperties(t *testing.T) {
	cfg := connectors.Config{"token": "pat", "property": []any{
		map[string]any{"object": "orders", "name": "eaccounting_order_number", "type": "string", "unique": true},
		map[string]any{"object": "products", "name": "stock_quantity", "type": "number"},
		map[string]any{"object": "contacts", "name": "tier", "type": "enumeration", "options": []any{"gold", "silver"}, "sensitive": false},
	}}
	schemas, err := New().Objects(cfg, connectors.Deps{Name: "shop", StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		object, field string
		want          connectors.Field
	}{
		{"orders", "eaccounting_order_number", connectors.Field{Name: "eaccounting_order_number", Type: connectors.TypeString, Key: true, Unique: true}},
		{"products", "stock_quantity", connectors.Field{Name: "stock_quantity", Type: connectors.TypeNumber}},
		{"contacts", "tier", connectors.Field{Name: "tier", Type: connectors.TypeString, Options: []string{"gold", "silver"}}},
	} {
		got, ok := schemas[tc.object].Field(tc.field)
		if diff := cmp.Diff(tc.want, got); !ok || diff != "" {
			t.Errorf("%s.%s (-want +got):\n%s", tc.object, tc.field, diff)
		}
	}
	// The loader refuses unknown objects and types (the schema's Options)
	// and missing names (Required); the objects of a config that did not
	// come through it are still never guessed.
	if _, err := New().Objects(connectors.Config{"token": "pat", "property": []any{map[string]any{"object": "ordres", "name": "x"}}}, connectors.Deps{Name: "shop", StateDir: t.TempDir()}); err == nil {
		t.Errorf("property of object ordres: no error")
	}
	if obj, _ := New().Config.Field("property"); !slices.Contains(obj.Elem.Fields[0].Options, "orders") {
		t.Errorf("property.object options = %v; want the object names", obj.Elem.Fields[0].Options)
	}
}
