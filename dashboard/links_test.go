package dashboard

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/state"
)

// TestRecordLinks: the record page links to the record in the source's
// and the target's web apps where the connection knows the address, and
// shows the plain id where it does not.
func TestRecordLinks(t *testing.T) {
	st, _ := testStore(t, 3)
	if err := st.PutLinks(t.Context(), []state.Link{{Flow: "orders", SourceKey: "4001", TargetID: "9001"}}); err != nil {
		t.Fatal(err)
	}
	var asked []string
	urls := func(_ context.Context, object, id string) string {
		asked = append(asked, object+" "+id)
		if strings.HasPrefix(object, "hubspot.") {
			return "https://app-eu1.hubspot.com/contacts/4242/record/0-123/" + id
		}
		return "" // eAccounting documents no addresses of its pages
	}
	c := newClient(t, Options{Store: st, RecordURL: urls,
		Project: Project{Flows: []Flow{{Name: "orders", Source: "hubspot.shop.orders", Target: "eaccounting.books.orders"}}}})
	res, body := c.do(http.MethodGet, "/record?flow=orders&key=4001", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /record: %s\n%s", res.Status, body)
	}
	if !strings.Contains(body, `<a href="https://app-eu1.hubspot.com/contacts/4242/record/0-123/4001" rel="noopener noreferrer">Open the record in the source</a>`) {
		t.Errorf("the record page lacks the link to the source record:\n%s", body)
	}
	if !strings.Contains(body, "Linked to <strong>9001</strong>") {
		t.Errorf("the record page lacks the target id without a link:\n%s", body)
	}
	if want := []string{"eaccounting.books.orders 9001", "hubspot.shop.orders 4001"}; strings.Join(asked, ",") != strings.Join(want, ",") {
		t.Errorf("addresses asked for %v; want %v", asked, want)
	}
}
