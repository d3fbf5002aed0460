// Package fakekit is what the fake services (hubspottest, eaccountingtest,
// and the next ones) share: injected faults, request counters and rolling
// rate-limit windows. Each fake keeps its own answers: error bodies, the
// rate-limit headers or messages of its API, and its data.
package fakekit

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Fault makes matching requests misbehave. A request matches when its
// method equals Method ("" = any) and its URL path starts with PathPrefix.
type Fault struct {
	Method     string
	PathPrefix string
	// Status, when set, is answered instead of handling the request (with
	// the fake's error body for it, 429 with its rate-limit body).
	Status int
	// Latency delays the request before it is handled.
	Latency time.Duration
	// DropAfterCommit handles the request (the write happens) and then
	// closes the connection without an answer, or, with Status set,
	// answers Status instead of the real answer.
	DropAfterCommit bool
	// CommitDelay keeps the request in processing for this long before it
	// is handled (committed), whether or not the client still waits: a
	// server that is slow to commit while the client's attempt timeout
	// gives up. With DropAfterCommit the answer is then lost as well. The
	// write is not visible to reads until it commits, and writes that
	// arrive meanwhile at the same path wait for it, as a store's unique
	// index makes a concurrent insert wait (see Faults.WaitCommits).
	CommitDelay time.Duration
	// Answer, when set, changes the JSON object a handled request answers
	// (what is stored stays as the request made it): a record whose answer
	// says other totals than were stored, to test verification.
	Answer func(body map[string]any)
	// Times is how many matching requests the fault hits: 0 means once, a
	// negative number means every matching request until Clear.
	Times int

	// committed is called once a delayed commit is done (set by Take).
	committed func()
}

// Faults are the injected faults of a fake, tried in the order they were
// added. The zero value has none; it is safe for concurrent use.
type Faults struct {
	mu   sync.Mutex
	list []*Fault
	// inflight counts the delayed commits in processing by URL path;
	// idle is broadcast when one ends.
	inflight map[string]int
	idle     *sync.Cond
}

// Inject adds a fault.
func (fs *Faults) Inject(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	fs.list = append(fs.list, &f)
}

// Clear removes every fault.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.list = nil
}

// Take returns the first fault matching r and uses it up (nil for none).
func (fs *Faults) Take(r *http.Request) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.list {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) || !strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		hit := *f
		if f.CommitDelay > 0 {
			if fs.inflight == nil {
				fs.inflight = map[string]int{}
			}
			path := r.URL.Path
			fs.inflight[path]++
			hit.committed = sync.OnceFunc(func() { fs.commitDone(path) })
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				fs.list = append(fs.list[:i:i], fs.list[i+1:]...)
			}
		}
		return &hit
	}
	return nil
}

// commitDone ends one delayed commit of path.
func (fs *Faults) commitDone(path string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.inflight[path]--; fs.inflight[path] == 0 {
		delete(fs.inflight, path)
	}
	if fs.idle != nil {
		fs.idle.Broadcast()
	}
}

// Release ends the hold of f's delayed commit on WaitCommits. Serve
// releases it; a fake calls Release itself for a request it refuses
// without Serve (authentication, rate limit).
func (f *Fault) Release() {
	if f != nil && f.committed != nil {
		f.committed()
	}
}

// WaitCommits waits until no delayed commit (Fault.CommitDelay) of path is
// in processing ("" means of any path). A fake calls it before it handles
// a write, so that a write never overtakes one still committing to the
// same collection, as a store's locks would have it; tests call it to let
// the fake settle.
func (fs *Faults) WaitCommits(path string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for path == "" && len(fs.inflight) > 0 || path != "" && fs.inflight[path] > 0 {
		if fs.idle == nil {
			fs.idle = sync.NewCond(&fs.mu)
		}
		fs.idle.Wait()
	}
}

// Serve answers r under fault f (nil: handle serves it as is). It sleeps
// the latency, answers a Status with writeStatus instead of handling,
// drops the connection after handle committed, or rewrites the answer.
func Serve(w http.ResponseWriter, r *http.Request, f *Fault, writeStatus func(http.ResponseWriter, int), handle func(http.ResponseWriter)) {
	if f == nil {
		handle(w)
		return
	}
	defer f.Release()
	if f.CommitDelay > 0 && handle != nil {
		serveDelayed(w, r, f, writeStatus, handle)
		return
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case f.Status != 0 && !f.DropAfterCommit:
		writeStatus(w, f.Status)
	case f.DropAfterCommit:
		// The handler runs against a throwaway writer: the write commits
		// but the client never gets its answer.
		handle(httptest.NewRecorder())
		if f.Status != 0 {
			writeStatus(w, f.Status)
			return
		}
		Drop(w)
	case f.Answer != nil:
		rec := httptest.NewRecorder()
		handle(rec)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err == nil {
			f.Answer(body)
			b, _ := json.Marshal(body)
			rec.Body.Reset()
			rec.Body.Write(b)
		}
		maps.Copy(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	default:
		handle(w)
	}
}

// serveDelayed commits r after f.CommitDelay, even when the client gave up
// waiting meanwhile, then answers it (or drops the answer, or answers
// f.Status, as DropAfterCommit says).
func serveDelayed(w http.ResponseWriter, r *http.Request, f *Fault, writeStatus func(http.ResponseWriter, int), handle func(http.ResponseWriter)) {
	// The body is read at once: the request is received, only its commit
	// is slow, and a client that gives up closes the connection.
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	time.Sleep(f.CommitDelay)
	rec := httptest.NewRecorder()
	handle(rec)
	switch {
	case f.DropAfterCommit && f.Status != 0:
		writeStatus(w, f.Status)
	case f.DropAfterCommit:
		Drop(w)
	default:
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}
}

// Drop closes the client's connection without an answer, as a network
// failure after the server committed a write would.
func Drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// Counters count requests by key ("*", "GET /v2/customers"). The zero value
// is ready; it is safe for concurrent use.
type Counters struct {
	mu sync.Mutex
	n  map[string]int
}

// Add counts one request under each key.
func (c *Counters) Add(keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	for _, k := range keys {
		c.n[k]++
	}
}

// Get returns the count of key.
func (c *Counters) Get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// Reset sets every counter to zero.
func (c *Counters) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.n)
}

// Windows are rolling rate-limit windows by key (a token class, an
// endpoint), counted as the real services count: a request is refused when
// Limit requests arrived in the last window. The zero value is ready; it
// is safe for concurrent use.
type Windows struct {
	mu   sync.Mutex
	hits map[string][]time.Time
}

// Allow books a request under key at now unless limit requests are in the
// window already. It returns the count in the window (with this request
// when allowed) and, when refused, how long until a slot frees up.
func (ws *Windows) Allow(key string, limit int, window time.Duration, now time.Time) (used int, wait time.Duration, ok bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	hits := ws.prune(key, window, now)
	if len(hits) >= limit {
		cut := now.Add(-window)
		return len(hits), hits[len(hits)-limit].Sub(cut), false
	}
	ws.hits[key] = append(hits, now)
	return len(hits) + 1, 0, true
}

// Used returns the count in key's window at now.
func (ws *Windows) Used(key string, window time.Duration, now time.Time) int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return len(ws.prune(key, window, now))
}

// prune drops the times that left the window. The caller holds mu.
func (ws *Windows) prune(key string, window time.Duration, now time.Time) []time.Time {
	if ws.hits == nil {
		ws.hits = map[string][]time.Time{}
	}
	hits := ws.hits[key]
	cut := now.Add(-window)
	i := 0
	for i < len(hits) && !hits[i].After(cut) {
		i++
	}
	hits = hits[i:]
	ws.hits[key] = hits
	return hits
}
