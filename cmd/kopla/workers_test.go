//go:build unix

package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/internal/pgtest"

	"github.com/jackc/pgx/v5"
)

// TestServeWorkersKilledLoseNothing runs three kopla serve processes on one
// Postgres state and queue and kills one at random (SIGKILL) at random points of the
// runs, starting it again each time; at the end every customer is in
// eAccounting exactly once, no run is left running, a plan finds nothing
// left to do, and the rotating refresh token survived (the workers share
// it).
func TestServeWorkersKilledLoseNothing(t *testing.T) {
	const total, kills, workers = 400, 4, 3
	base := pgtest.URL(t)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	schema := pgtest.Schema(t, base)
	queue := base + sep + "schema=" + schema
	bin := buildKopla(t)
	sb, e, env := newServedEnv(t, total)
	env = append(env, "KOPLA_STATE="+queue) // the state, and the queue with it, in one schema
	start := func() *serveProc {
		return startServe(t, bin, env, "-chdir", e.dir, "serve", "-listen", "127.0.0.1:0", "-grace", "50ms",
			"-no-reconcile", "-worker-timeout", "2s")
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	procs := make([]*serveProc, workers)
	for i := range procs {
		procs[i] = start()
	}
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.signal(t, syscall.SIGTERM)
			}
		}
	}()
	// Kill a random worker at random moments (in a run or between runs)
	// until the kills are spent or everything is stored.
	killed := 0
	for killed < kills && len(fakeCustomers(t, sb)) < total {
		time.Sleep(time.Duration(200+rng.IntN(1000)) * time.Millisecond)
		i := rng.IntN(workers)
		procs[i].cmd.Process.Kill()
		<-procs[i].done
		killed++
		t.Logf("kill %d: worker %d, %d customers stored", killed, i, len(fakeCustomers(t, sb)))
		procs[i] = start()
	}
	// The sweep a killed worker left is run again by another: wait for all.
	deadline := time.Now().Add(90 * time.Second)
	for len(fakeCustomers(t, sb)) < total && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// busy counts the runs running and the sweeps still requested.
	busy := func() (running, sweeps int) {
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM `+schema+`.river_job WHERE state = 'running'),
			(SELECT count(*) FROM `+schema+`.kopla_sweeps)`).Scan(&running, &sweeps); err != nil {
			t.Fatal(err)
		}
		return running, sweeps
	}
	// The last run marks its sweep done after it wrote the last customer.
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if r, s := busy(); r == 0 && s == 0 {
			break
		}
	}
	for i, p := range procs {
		p.signal(t, syscall.SIGTERM)
		procs[i] = nil
	}
	stored := fakeCustomers(t, sb)
	numbers := map[string]int{}
	for _, n := range stored {
		numbers[n]++
	}
	dups := 0
	for n, c := range numbers {
		if c > 1 {
			dups += c - 1
			t.Errorf("customer %s stored %d times", n, c)
		}
	}
	t.Logf("kills %d, duplicates %d, lost %d", killed, dups, total-len(numbers))
	if len(numbers) != total {
		t.Errorf("eAccounting holds %d of %d customers", len(numbers), total)
	}
	if running, sweeps := busy(); running != 0 || sweeps != 0 {
		t.Errorf("%d runs left running and %d sweeps left requested after the workers stopped", running, sweeps)
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var stdout, stderr bytes.Buffer
	code := runWith(ctx, deps{stdout: &stdout, stderr: &stderr, registry: registry,
		lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
	}, []string{"-chdir", e.dir, "plan", "-detailed-exitcode", "-no-color"})
	if code != exitOK {
		t.Errorf("plan after the workers exited %d; want 0 (nothing left):\n%s%s", code, stdout.String(), stderr.String())
	}
}
