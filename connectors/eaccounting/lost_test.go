package eaccounting

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// TestLostCreateStillCommittingIsNotSentAgain: eAccounting commits a create
// after the client's attempt timeout. The record is not found right after,
// and is not POSTed again (an order would be booked twice): the create
// fails as lost, without an *APIError, for the engine to check later.
func TestLostCreateStillCommittingIsNotSentAgain(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault eaccountingtest.Fault
	}{
		{"no answer", eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", CommitDelay: 400 * time.Millisecond, DropAfterCommit: true}},
		{"gateway timeout", eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Status: http.StatusGatewayTimeout}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, eaccountingtest.Options{}, nil)
			e.conn.client.core.Retry.AttemptTimeout = 100 * time.Millisecond
			e.srv.InjectFault(tt.fault)
			res := e.writer(t, "customers").Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: customer(3), KeyField: "CustomerNumber"}})
			var ae *connectors.APIError
			if !errors.Is(res[0].Err, errAnswerLost) || errors.As(res[0].Err, &ae) || !strings.Contains(res[0].Err.Error(), "may still be committing") {
				t.Errorf("error = %v; want errAnswerLost saying it may still be committing, without an *APIError", res[0].Err)
			}
			if posts := e.srv.Requests("POST /v2/customers"); posts != 1 {
				t.Errorf("POSTs = %d; want 1, not sent again", posts)
			}
			e.srv.WaitCommits()
			want := 0
			if tt.fault.CommitDelay > 0 {
				want = 1
			}
			if all, _, _ := readAll(t, e.object(t, "customers"), connectors.ReadRequest{}); len(all) != want {
				t.Errorf("customers stored = %d; want %d", len(all), want)
			}
		})
	}
}

// TestRetriedCreateThatConflictsIsTheFirst: the answer of a create is lost
// (503), the record is not found, and the POST sent again conflicts (409):
// the first attempt was stored after all, and is the answer.
func TestRetriedCreateThatConflictsIsTheFirst(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Status: http.StatusServiceUnavailable})
	w := e.writer(t, "customers")
	var stored []connectors.Record
	// The first attempt's record shows while the connector waits to send
	// it again.
	e.conn.client.core.Sleep = func(ctx context.Context, d time.Duration) error {
		if stored == nil {
			stored = create(t, w, "CustomerNumber", customer(4))
		}
		return nil
	}
	res := w.Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: customer(4), KeyField: "CustomerNumber"}})
	if res[0].Err != nil || len(stored) != 1 || res[0].Record.ID != stored[0].ID {
		t.Fatalf("result = %+v; want the record stored first (%v)", res[0], stored)
	}
	if posts := e.srv.Requests("POST /v2/customers"); posts != 3 {
		t.Errorf("POSTs = %d; want 3 (the lost one, the one stored meanwhile, the one that conflicts)", posts)
	}
}
