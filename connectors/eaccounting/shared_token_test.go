package eaccounting

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/kopla-dev/kopla/internal/pgtest"

	"golang.org/x/oauth2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/connectors/pgshare/pgsharetest"
)

// workerConn opens connection "books" as one worker does: a state
// directory of its own (another machine) and the project's shared tokens.
func (e *env) workerConn(t *testing.T, tokens connectors.SharedTokens) *conn {
	t.Helper()
	cfg := connectors.Config{
		"client_id": e.srv.ClientID(), "client_secret": e.srv.ClientSecret(),
		"base_url": e.base + "/v2", "identity_url": e.identity,
		"refresh_token": e.conn.tokens.seed, "rate_limit": int64(600 * 100),
	}
	c, err := New().New(t.Context(), cfg, connectors.Deps{Name: "books", StateDir: t.TempDir(), Tokens: tokens})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	cn := c.(*conn)
	cn.client.core.Retry.Base = 1
	cn.client.core.Retry.Max = 10
	return cn
}

// Workers on one database refresh the rotating token once between them
// and all use the rotated one; workers that keep it alone kill the chain
// (the control that shows the test can fail).
func TestSharedTokenRotatesOnce(t *testing.T) {
	base := pgtest.URL(t)

	t.Run("alone", func(t *testing.T) {
		e := newEnv(t, eaccountingtest.Options{}, nil)
		a, b := e.workerConn(t, nil), e.workerConn(t, nil)
		if err := companySettings(t, a); err != nil {
			t.Fatal(err)
		}
		// b redeems the seed a has already rotated away.
		if err := companySettings(t, b); err == nil {
			t.Fatal("a second worker redeemed a spent refresh token; the fake does not rotate, so the shared test proves nothing")
		}
	})

	t.Run("shared", func(t *testing.T) {
		e := newEnv(t, eaccountingtest.Options{}, nil)
		schema := pgtest.Schema(t, base)
		sa, sb, sc := pgsharetest.Worker(t, base, schema), pgsharetest.Worker(t, base, schema), pgsharetest.Worker(t, base, schema)
		workers := []*conn{e.workerConn(t, sa), e.workerConn(t, sb), e.workerConn(t, sc)}
		e.srv.ResetCounters()

		// The first request of each worker finds the token of whichever
		// refreshed first: one refresh of the seed.
		run := func() {
			var wg sync.WaitGroup
			errs := make([]error, 4*len(workers))
			for i := range errs {
				wg.Go(func() { errs[i] = companySettings(t, workers[i%len(workers)]) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("worker %d, request %d: %v", i%len(workers), i, err)
				}
			}
		}
		run()
		if got := e.srv.Requests(tokenRoute); got != 1 {
			t.Fatalf("token requests = %d for 3 starting workers; want 1", got)
		}
		first := storedToken(t, sa)
		if first.RefreshToken == "" || first.RefreshToken == e.conn.tokens.seed {
			t.Fatalf("stored refresh token = %q; want the rotated one, not the seed", first.RefreshToken)
		}

		// The access token dies for all: every worker gets a 401 and
		// asks to refresh; one does, under the lock, the others adopt it.
		e.srv.ExpireAccessTokens()
		e.srv.ResetCounters()
		run()
		if got := e.srv.Requests(tokenRoute); got != 1 {
			t.Fatalf("token requests = %d after the access token expired for 3 workers; want 1", got)
		}
		second := storedToken(t, sb)
		if second.RefreshToken == first.RefreshToken {
			t.Fatalf("stored refresh token not rotated by the second refresh")
		}
		for i, w := range workers {
			w.tokens.mu.Lock()
			got := w.tokens.tok.RefreshToken
			w.tokens.mu.Unlock()
			if got != second.RefreshToken {
				t.Errorf("worker %d holds another refresh token than the stored one", i)
			}
		}
	})
}

func storedToken(t *testing.T, s connectors.SharedTokens) oauth2.Token {
	t.Helper()
	b, err := s.Load(t.Context(), "eaccounting.books")
	if err != nil || b == nil {
		t.Fatalf("stored token: %v (%d bytes)", err, len(b))
	}
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

// A worker whose token was refused picks up the one a kopla login stored
// for all the workers, without a restart.
func TestSharedTokenAfterLogin(t *testing.T) {
	base := pgtest.URL(t)
	e := newEnv(t, eaccountingtest.Options{}, connectors.Config{"refresh_token": "not-a-token-the-server-issued"})
	schema := pgtest.Schema(t, base)
	store := pgsharetest.Worker(t, base, schema)
	w := e.workerConn(t, store)
	if err := companySettings(t, w); err == nil {
		t.Fatal("a made-up refresh token was accepted")
	}
	// kopla login on another machine stores a fresh token.
	b, _ := json.Marshal(oauth2.Token{RefreshToken: e.srv.IssueRefreshToken()})
	if err := pgsharetest.Worker(t, base, schema).Update(t.Context(), "eaccounting.books", func([]byte) ([]byte, error) { return b, nil }); err != nil {
		t.Fatal(err)
	}
	if err := companySettings(t, w); err != nil {
		t.Fatalf("after a login stored a token for all: %v", err)
	}
}
