package eaccounting

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

func TestReferenceData(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	for _, tt := range []struct {
		object string
		key    string // a field every record has
	}{
		{"vatcodes", "Code"},
		{"termsofpayments", "Name"},
		{"deliverymethods", "Name"},
		{"deliveryterms", "Name"},
		{"units", "Name"},
		{"articleaccountcodings", "Name"},
		{"accounts", "Number"},
		{"costcenters", "Name"},
		{"costcenteritems", "ShortName"},
		{"projects", "Number"},
		{"customerlabels", "Name"},
		{"articlelabels", "Name"},
		{"countries", "Code"},
		{"currencies", "Code"},
		{"fiscalyears", "StartDate"},
		{"companysettings", "Name"},
	} {
		t.Run(tt.object, func(t *testing.T) {
			o := e.object(t, tt.object)
			recs, _, _ := readAll(t, o, connectors.ReadRequest{})
			if len(recs) == 0 {
				t.Fatal("no records")
			}
			for _, r := range recs {
				if r.ID == "" || r.Fields[tt.key] == nil {
					t.Fatalf("record %q lacks an ID or %s: %v", r.ID, tt.key, r.Fields)
				}
			}
			// An incremental read, where the object has a change timestamp,
			// filters on it without error.
			o2, _, cursor := readAll(t, o, connectors.ReadRequest{})
			if cursor != "" {
				more, _, _ := readAll(t, o, connectors.ReadRequest{Cursor: cursor})
				if len(more) != 0 {
					t.Errorf("incremental read without changes emitted %d of %d", len(more), len(o2))
				}
			}
			// find() by the field, and Get by ID, find the record.
			first := recs[0]
			found, err := o.Find(t.Context(), tt.key, []any{first.Fields[tt.key]})
			if err != nil || !slices.ContainsFunc(found, func(r connectors.Record) bool { return r.ID == first.ID }) {
				t.Errorf("Find(%s, %v) = %v, %v; want %s among them", tt.key, first.Fields[tt.key], ids(found), err, first.ID)
			}
			got, err := o.Get(t.Context(), []string{first.ID})
			if err != nil || len(got) != 1 || got[0].ID != first.ID {
				t.Errorf("Get(%s) = %v, %v", first.ID, ids(got), err)
			}
		})
	}
}

func TestAccountsOfTheCurrentFiscalYear(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	years, _, _ := readAll(t, e.object(t, "fiscalyears"), connectors.ReadRequest{})
	today := time.Now().UTC().Format(time.DateOnly)
	var current string
	for _, y := range years {
		if y.Fields["StartDate"].(string) <= today && today <= y.Fields["EndDate"].(string) {
			current = y.ID
		}
	}
	if len(years) < 2 || current == "" {
		t.Fatalf("demo fiscal years %v: want a past and a current one", years)
	}
	accounts, _, _ := readAll(t, e.object(t, "accounts"), connectors.ReadRequest{})
	for _, a := range accounts {
		if a.Fields["FiscalYearId"] != current {
			t.Fatalf("account %s is of fiscal year %v; want the current %s", a.ID, a.Fields["FiscalYearId"], current)
		}
	}
	found, err := e.object(t, "accounts").Find(t.Context(), "Number", []any{"3001", int64(1930)})
	if err != nil || len(found) != 2 {
		t.Errorf("Find accounts 3001, 1930 = %v, %v; want 2", ids(found), err)
	}
	// Get reaches accounts of any fiscal year by ID.
	var past string
	for _, y := range years {
		if y.ID != current {
			past = y.ID
		}
	}
	want := []string{past + "/3001", current + "/1930"}
	got, err := e.object(t, "accounts").Get(t.Context(), append(want, current+"/9999", "nonsense", "00000000-0000-4000-8000-000000000000/3001"))
	slices.Sort(want)
	if err != nil || !slices.Equal(ids(got), want) {
		t.Errorf("Get accounts = %v, %v; want %v", ids(got), err, want)
	}
}

func TestObjectsSchemas(t *testing.T) {
	f := New()
	if f.Kind != "eaccounting" {
		t.Errorf("Kind = %q", f.Kind)
	}
	reg := connectors.NewRegistry()
	if err := reg.Register(f); err != nil {
		t.Fatal(err)
	}
	schemas, err := f.Objects(nil, connectors.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"accounts", "articleaccountcodings", "articlelabels", "articles", "bankaccounts", "companysettings", "costcenteritems",
		"costcenters", "countries", "currencies", "customerinvoicedrafts", "customerinvoices", "customerlabels", "customers",
		"deliverymethods", "deliveryterms", "fiscalyears", "orders", "projects", "termsofpayments", "units", "vatcodes"}
	var got []string
	for name := range schemas {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("objects = %v; want %v", got, want)
	}
	field := func(obj, name string) connectors.Field {
		t.Helper()
		fl, ok := schemas[obj].Field(name)
		if !ok {
			t.Fatalf("%s has no field %s", obj, name)
		}
		return fl
	}
	for _, tt := range []struct {
		obj, name                                  string
		typ                                        connectors.Type
		readOnly, required, key, unique, sensitive bool
	}{
		{"customers", "Id", connectors.TypeString, true, false, true, true, false},
		{"customers", "CustomerNumber", connectors.TypeString, false, false, true, true, false},
		{"customers", "EmailAddress", connectors.TypeString, false, false, true, false, true},
		{"customers", "CorporateIdentityNumber", connectors.TypeString, false, false, true, false, true},
		{"customers", "Name", connectors.TypeString, false, true, true, false, true},
		{"customers", "ChangedUtc", connectors.TypeDateTime, true, false, false, false, false},
		{"customers", "IsActive", connectors.TypeBool, false, true, false, false, false},
		{"articles", "Number", connectors.TypeString, false, true, true, true, false},
		{"articles", "NetPrice", connectors.TypeNumber, false, false, false, false, false},
		{"orders", "OrderDate", connectors.TypeDate, false, true, false, false, false},
		{"orders", "Number", connectors.TypeInteger, true, false, true, true, false},
		{"orders", "Rows", connectors.TypeList, false, false, false, false, false},
		{"orders", "Shipped", connectors.TypeBool, false, false, false, false, false},
		{"orders", "InvoiceId", connectors.TypeString, true, false, false, false, false},
		{"customerinvoices", "PaymentStatus", connectors.TypeInteger, true, false, false, false, false},
		{"vatcodes", "Code", connectors.TypeString, false, false, true, false, false},
		{"countries", "Code", connectors.TypeString, false, false, true, true, false},
	} {
		fl := field(tt.obj, tt.name)
		if fl.Type != tt.typ || fl.ReadOnly != tt.readOnly || fl.Required != tt.required || fl.Key != tt.key || fl.Unique != tt.unique || fl.Sensitive != tt.sensitive {
			t.Errorf("%s.%s = %+v; want type %s ro %v req %v key %v unique %v sensitive %v",
				tt.obj, tt.name, fl, tt.typ, tt.readOnly, tt.required, tt.key, tt.unique, tt.sensitive)
		}
	}
	rows := field("orders", "Rows")
	if rows.Elem == nil || rows.Elem.Type != connectors.TypeObject {
		t.Fatalf("orders.Rows elem = %+v; want objects", rows.Elem)
	}
	var art connectors.Field
	for _, f := range rows.Elem.Fields {
		if f.Name == "ArticleId" {
			art = f
		}
	}
	if art.Type != connectors.TypeString {
		t.Errorf("orders.Rows[].ArticleId = %+v", art)
	}
	draftRows := field("customerinvoicedrafts", "Rows")
	if draftRows.Elem == nil || len(draftRows.Elem.Fields) == 0 {
		t.Errorf("customerinvoicedrafts.Rows has no row fields")
	}
	if f := field("customers", "TermsOfPayment"); f.Type != connectors.TypeObject || !f.ReadOnly || len(f.Fields) == 0 {
		t.Errorf("customers.TermsOfPayment = %+v; want a read-only object", f)
	}
	var secret bool
	for _, s := range f.Config.Fields {
		if s.Name == "client_secret" || s.Name == "refresh_token" {
			if !s.Sensitive {
				t.Errorf("setting %s is not sensitive", s.Name)
			}
			secret = true
		}
	}
	if !secret {
		t.Error("no client_secret setting")
	}
}

// TestCheckConfig: the settings rules the loader applies at validate
// (types and required settings are the decoder's).
func TestCheckConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  connectors.Config
		want string // "path: summary", "" for none
	}{
		{"ok", connectors.Config{"client_id": "c", "client_secret": "s", "rate_limit": int64(600)}, ""},
		{"empty client", connectors.Config{"client_id": "", "client_secret": "s"}, "client_id: Empty setting"},
		{"zero rate", connectors.Config{"client_id": "c", "client_secret": "s", "rate_limit": int64(0)}, "rate_limit: Value out of range"},
		{"negative rate", connectors.Config{"client_id": "c", "client_secret": "s", "rate_limit": int64(-5)}, "rate_limit: Value out of range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range New().CheckConfig(tt.cfg) {
				got = append(got, strings.Join(e.Path, ".")+": "+e.Summary)
			}
			if strings.Join(got, "; ") != tt.want {
				t.Errorf("CheckConfig(%v) = %q; want %q", tt.cfg, got, tt.want)
			}
		})
	}
}
