package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/engine/state"
)

// page is what every template gets.
type page struct {
	Title   string
	Nav     string
	User    string
	CSRF    string
	Error   string
	Notice  string
	CanAuth bool // a credential is configured: show sign out
	Data    any
}

func (s *server) render(w http.ResponseWriter, r *http.Request, name string, p page) {
	if sess := sessionOf(r.Context()); sess != nil {
		p.User, p.CSRF = sess.user, sess.csrf
	}
	p.CanAuth = s.opts.Auth.Configured()
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("dashboard: render", "page", name, "error", err)
		http.Error(w, "This page cannot be shown: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	s.log.Warn("dashboard: request failed", "path", r.URL.Path, "error", err)
	w.WriteHeader(status)
	s.render(w, r, "error.html", page{Title: "Error", Error: sentence(err.Error())})
}

func sentence(s string) string {
	s = strings.TrimPrefix(s, "state: ")
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// runSummary returns a run's per-flow counts and newest failed entries
// (a page of them), cached once the run finished.
func (s *server) runSummary(ctx context.Context, r state.Run) (state.RunSummary, error) {
	s.mu.Lock()
	c, ok := s.counts[r.ID]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := s.opts.Store.RunSummary(ctx, r.ID, s.opts.PageSize)
	if err != nil {
		return state.RunSummary{}, err
	}
	if r.Status != state.StatusRunning {
		s.mu.Lock()
		s.counts[r.ID] = c
		s.mu.Unlock()
	}
	return c, nil
}

func (s *server) runCounts(ctx context.Context, r state.Run) (map[string]map[string]int, error) {
	sum, err := s.runSummary(ctx, r)
	return sum.Counts, err
}

func (s *server) forgetCounts() {
	s.mu.Lock()
	clear(s.counts)
	s.mu.Unlock()
}

// actions in the order the dashboard shows them.
var actions = []string{"create", "update", "no_op", "skip", "error", "blocked", "ignored"}

type flowRow struct {
	Flow
	LastAt     time.Time
	LastAction string
	LastRun    int64
	CursorAge  string
	Counts     map[string]int // over the recent runs
	Chart      chart
	LagChart   chart
}

const chartRuns = 20

func (s *server) flowsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	runs, err := s.opts.Store.Runs(ctx, chartRuns)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	slices.Reverse(runs) // oldest first, for the charts
	perRun := make([]map[string]map[string]int, len(runs))
	for i, run := range runs {
		if perRun[i], err = s.runCounts(ctx, run); err != nil {
			s.fail(w, r, http.StatusInternalServerError, err)
			return
		}
	}
	stats, err := s.opts.Store.RunStats(ctx, runIDs(runs))
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	cursors, err := s.opts.Store.CursorTimes(ctx)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	var rows []flowRow
	for _, f := range s.opts.Project.Flows {
		fr := flowRow{Flow: f, Counts: map[string]int{}}
		last, err := s.opts.Store.Activities(ctx, state.ActivityFilter{Flow: f.Name, Limit: 1})
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		if len(last) == 1 {
			fr.LastAt, fr.LastAction, fr.LastRun = last[0].At, last[0].Action, last[0].RunID
		}
		if t, ok := cursors[f.Name]; ok {
			fr.CursorAge = age(s.now().Sub(t))
		}
		var bars []bar
		for i, run := range runs {
			c := perRun[i][f.Name]
			for a, n := range c {
				fr.Counts[a] += n
			}
			if len(c) > 0 {
				bars = append(bars, bar{Label: "#" + strconv.FormatInt(run.ID, 10), Href: "/runs/" + strconv.FormatInt(run.ID, 10), Counts: c})
			}
		}
		fr.Chart = stackedChart("Records per run of "+f.Name+", by action", bars)
		fr.LagChart = pickupLagChart("Pickup lag per run of "+f.Name, f.Name, runs, stats)
		rows = append(rows, fr)
	}
	s.render(w, r, "flows.html", page{Title: "Flows", Nav: "flows", Data: rows})
}

func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

type runsData struct {
	Runs         []state.Run
	Flows        []string
	Flow, Status string
	Since        string
	Next         string
	Chart        chart
	CallsChart   chart
}

var sinceChoices = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

func (s *server) runsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := state.RunFilter{Flow: q.Get("flow"), Status: q.Get("status"), Limit: s.opts.PageSize + 1}
	if d, ok := sinceChoices[q.Get("since")]; ok {
		f.Since = s.now().Add(-d)
	}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil {
		f.Before = b
	}
	runs, err := s.opts.Store.RunsMatching(ctx, f)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	d := runsData{Flow: f.Flow, Status: f.Status, Since: q.Get("since")}
	for _, fl := range s.opts.Project.Flows {
		d.Flows = append(d.Flows, fl.Name)
	}
	if len(runs) > s.opts.PageSize {
		runs = runs[:s.opts.PageSize]
		nq := url.Values{"flow": {f.Flow}, "status": {f.Status}, "since": {d.Since}, "before": {strconv.FormatInt(runs[len(runs)-1].ID, 10)}}
		d.Next = "/runs?" + nq.Encode()
	}
	d.Runs = runs
	var bars []bar
	for i := len(runs) - 1; i >= 0 && len(runs)-i <= chartRuns; i-- {
		bars = append(bars, bar{Label: "#" + strconv.FormatInt(runs[i].ID, 10), Href: "/runs/" + strconv.FormatInt(runs[i].ID, 10), Counts: runs[i].Counts})
	}
	d.Chart = stackedChart("Records per run, by action", bars)
	charted := slices.Clone(runs[:min(len(runs), chartRuns)])
	slices.Reverse(charted)
	stats, err := s.opts.Store.RunStats(ctx, runIDs(charted))
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	d.CallsChart = apiCallsChart("API calls per run, by connection and budget", charted, stats)
	s.render(w, r, "runs.html", page{Title: "Runs", Nav: "runs", Data: d})
}

type flowCount struct {
	Flow   string
	Counts map[string]int
}

type runData struct {
	Run      state.Run
	Duration string
	Flows    []flowCount
	Action   string
	Entries  []entryView
	Failed   []entryView
	Next     string
	Actions  []string
	APICalls []apiCallsRow
	Lag      []flowLag
}

type flowLag struct {
	Flow string
	Lag  string
}

func (s *server) runPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("%q is not a run number", r.PathValue("id")))
		return
	}
	run, err := s.opts.Store.Run(ctx, id)
	if errors.Is(err, state.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("there is no run %d: the runs list shows those kept", id))
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	sum, err := s.runSummary(ctx, run)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	counts := sum.Counts
	d := runData{Run: run, Action: r.URL.Query().Get("action"), Actions: actions}
	stats, err := s.opts.Store.RunStats(ctx, []int64{id})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	d.APICalls = apiCallsRows(stats[id].APICalls)
	for flow, lag := range stats[id].PickupLag {
		d.Lag = append(d.Lag, flowLag{flow, formatMillis(int(lag.Milliseconds()))})
	}
	sort.Slice(d.Lag, func(i, j int) bool { return d.Lag[i].Flow < d.Lag[j].Flow })
	if !run.FinishedAt.IsZero() {
		d.Duration = run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond).String()
	}
	failed := 0
	for flow, c := range counts {
		d.Flows = append(d.Flows, flowCount{flow, c})
		failed += c["error"] + c["blocked"]
	}
	sort.Slice(d.Flows, func(i, j int) bool { return d.Flows[i].Flow < d.Flows[j].Flow })
	f := state.ActivityFilter{RunID: id, Action: d.Action, Limit: s.opts.PageSize + 1}
	if b, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil {
		f.Before = b
	}
	acts, err := s.opts.Store.Activities(ctx, f)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	if len(acts) > s.opts.PageSize {
		acts = acts[:s.opts.PageSize]
		nq := url.Values{"action": {d.Action}, "before": {strconv.FormatInt(acts[len(acts)-1].ID, 10)}}
		d.Next = fmt.Sprintf("/runs/%d?%s", id, nq.Encode())
	}
	d.Entries = views(acts)
	if failed > 0 && d.Action == "" && f.Before == 0 {
		// The failed and blocked records first (a page of them; the
		// error and blocked filters page through all).
		d.Failed = views(sum.Failed)
	}
	s.render(w, r, "run.html", page{Title: fmt.Sprintf("Run %d", id), Nav: "runs", Data: d})
}

// entryView is an activity entry as the pages show it.
type entryView struct {
	state.Activity
	ReadDoc, SentDoc, AnswerDoc string
	Status, Code, Correlation   string
	Changed                     []fieldChange
}

type fieldChange struct{ Name, Before, After string }

func views(acts []state.Activity) []entryView {
	out := make([]entryView, len(acts))
	for i, a := range acts {
		out[i] = view(a)
	}
	return out
}

func view(a state.Activity) entryView {
	v := entryView{Activity: a, ReadDoc: pretty(a.Read), SentDoc: pretty(a.Sent), AnswerDoc: pretty(a.Answer)}
	var ans struct {
		Status        any    `json:"status"`
		Code          string `json:"code"`
		CorrelationID string `json:"correlation_id"`
	}
	if json.Unmarshal(a.Answer, &ans) == nil {
		if ans.Status != nil {
			v.Status = fmt.Sprint(ans.Status)
		}
		v.Code, v.Correlation = ans.Code, ans.CorrelationID
	}
	return v
}

func pretty(doc json.RawMessage) string {
	if len(doc) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		return string(doc)
	}
	return buf.String()
}

// diffSent sets, on each entry, the fields it sent that differ from what
// the attempt before it sent (what the target held after it): entries are
// oldest first.
func diffSent(entries []entryView) {
	var prev map[string]any
	for i := range entries {
		var sent map[string]any
		if json.Unmarshal(entries[i].Sent, &sent) != nil {
			continue
		}
		names := make([]string, 0, len(sent))
		for k := range sent {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			after := compact(sent[k])
			before := ""
			if old, ok := prev[k]; ok {
				before = compact(old)
			}
			if before != after {
				entries[i].Changed = append(entries[i].Changed, fieldChange{k, before, after})
			}
		}
		prev = sent
	}
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

type recordData struct {
	Flow, Key string
	SourceURL string // the record in the source's web app
	Links     []linkView
	Entries   []entryView
	Next      string
	Related   []state.RecordRef
	CanRetry  bool
}

func (s *server) recordPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := recordData{Flow: q.Get("flow"), Key: q.Get("key")}
	if d.Flow == "" || d.Key == "" {
		s.fail(w, r, http.StatusBadRequest, errors.New("a record page needs its flow and source key: find the record with Search"))
		return
	}
	f := state.ActivityFilter{Flow: d.Flow, SourceKey: d.Key, Limit: s.opts.PageSize + 1}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil {
		f.Before = b
	}
	acts, err := s.opts.Store.Activities(ctx, f)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	if len(acts) > s.opts.PageSize {
		acts = acts[:s.opts.PageSize]
		nq := url.Values{"flow": {d.Flow}, "key": {d.Key}, "before": {strconv.FormatInt(acts[len(acts)-1].ID, 10)}}
		d.Next = "/record?" + nq.Encode()
	}
	slices.Reverse(acts) // oldest first: a timeline
	d.Entries = views(acts)
	diffSent(d.Entries)
	slices.Reverse(d.Entries)
	links, err := s.opts.Store.Links(ctx, d.Flow, []string{d.Key})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	fl := s.flow(d.Flow)
	for _, l := range links {
		d.Links = append(d.Links, linkView{Link: l, URL: s.recordURL(ctx, fl.Target, l.TargetID)})
	}
	d.SourceURL = s.recordURL(ctx, fl.Source, d.Key)
	st, err := s.opts.Store.Story(ctx, d.Key, state.StoryOptions{Related: true, Limit: 1})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	for _, rr := range st.Records {
		if rr != (state.RecordRef{Flow: d.Flow, SourceKey: d.Key}) {
			d.Related = append(d.Related, rr)
		}
	}
	d.CanRetry = s.opts.Retrier != nil && len(acts) > 0 && isFailure(acts[len(acts)-1].Action)
	s.render(w, r, "record.html", page{Title: "Record " + d.Flow + "/" + d.Key, Nav: "search", Data: d})
}

func isFailure(action string) bool { return action == "error" || action == "blocked" }

type searchData struct {
	Query   string
	Done    bool
	Records []state.RecordRef
	Took    string
}

func (s *server) searchPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "search.html", page{Title: "Search", Nav: "search", Data: searchData{}})
}

// search is a POST: a person's e-mail address never goes in a URL (nor in
// the browser's history or a proxy's log). The audit entry says a search
// was made, not for what.
func (s *server) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := strings.TrimSpace(r.PostFormValue("q"))
	d := searchData{Query: q, Done: true}
	if q == "" {
		s.render(w, r, "search.html", page{Title: "Search", Nav: "search", Error: "Type a key: a HubSpot id, an e-mail address, an order number, an eAccounting customer or invoice number.", Data: d})
		return
	}
	if err := s.audit(ctx, sessionOf(ctx).user, "search", nil); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	start := time.Now()
	// The records the key names, without following their ids into other
	// flows: one read of the key index. A record's page shows the rest.
	st, err := s.opts.Store.Story(ctx, q, state.StoryOptions{Limit: 1})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	d.Records = st.Records
	d.Took = time.Since(start).Round(time.Millisecond).String()
	s.render(w, r, "search.html", page{Title: "Search results", Nav: "search", Data: d})
}

// failureGroup is the open failures of one flow with one cause.
type failureGroup struct {
	Flow, Code, Cause string
	Records           []entryView
	Keys              []string
}

// failureScan bounds how many failed entries the failures page reads.
const failureScan = 5000

var varyingParts = regexp.MustCompile(`"[^"]*"|\b\d+(\.\d+)?\b`)

// causeOf is an error with what varies from record to record (quoted
// values, numbers) left out, so that one cause groups its records.
func causeOf(msg string) string { return varyingParts.ReplaceAllString(msg, "…") }

func (s *server) failuresPage(w http.ResponseWriter, r *http.Request) {
	groups, err := s.openFailures(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	s.render(w, r, "failures.html", page{Title: "Failures", Nav: "failures", Notice: r.URL.Query().Get("notice"),
		Data: struct {
			Groups   []failureGroup
			CanRetry bool
			CanWrite bool
		}{groups, s.opts.Retrier != nil, !s.opts.ReadOnly}})
}

// openFailures returns the records whose newest entry is an error or a
// block, grouped by flow, error code and cause.
func (s *server) openFailures(ctx context.Context) ([]failureGroup, error) {
	seen := map[state.RecordRef]bool{}
	byCause := map[string]*failureGroup{}
	var order []string
	for _, action := range []string{"error", "blocked"} {
		acts, err := s.opts.Store.Activities(ctx, state.ActivityFilter{Action: action, Limit: failureScan})
		if err != nil {
			return nil, err
		}
		for _, a := range acts {
			ref := state.RecordRef{Flow: a.Flow, SourceKey: a.SourceKey}
			if seen[ref] || a.SourceKey == "" {
				continue
			}
			seen[ref] = true
			last, err := s.opts.Store.Activities(ctx, state.ActivityFilter{Flow: a.Flow, SourceKey: a.SourceKey, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(last) == 0 || last[0].ID != a.ID {
				continue // a later attempt succeeded, or the failure was ignored
			}
			v := view(a)
			cause := causeOf(a.Error)
			k := a.Flow + "\x00" + v.Code + "\x00" + cause
			g := byCause[k]
			if g == nil {
				g = &failureGroup{Flow: a.Flow, Code: v.Code, Cause: cause}
				byCause[k] = g
				order = append(order, k)
			}
			if len(g.Records) < s.opts.PageSize {
				g.Records = append(g.Records, v)
			}
			g.Keys = append(g.Keys, a.SourceKey)
		}
	}
	out := make([]failureGroup, 0, len(order))
	for _, k := range order {
		out = append(out, *byCause[k])
	}
	return out, nil
}

// postedKeys are the flow and source keys a failures form sends.
func postedKeys(r *http.Request) (string, []string, error) {
	if err := r.ParseForm(); err != nil {
		return "", nil, err
	}
	flow := r.PostForm.Get("flow")
	keys := r.PostForm["key"]
	if flow == "" || len(keys) == 0 {
		return "", nil, errors.New("the form names no flow or no record")
	}
	return flow, keys, nil
}

func (s *server) retry(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.opts.Retrier == nil {
		s.fail(w, r, http.StatusConflict, errors.New("this dashboard cannot retry: it was started read-only"))
		return
	}
	flow, keys, err := postedKeys(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	if err := s.audit(ctx, sessionOf(ctx).user, "retry", map[string]any{"flow": flow, "records": len(keys)}); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	runID, err := s.opts.Retrier.RetryRecords(ctx, flow, keys)
	s.forgetCounts()
	if err != nil {
		s.fail(w, r, http.StatusConflict, fmt.Errorf("the retry of %d record(s) of %s failed: %w", len(keys), flow, err))
		return
	}
	if runID == "" {
		// Queued (kopla serve): the run shows in the list when it starts.
		http.Redirect(w, r, "/runs?flow="+url.QueryEscape(flow), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/runs/"+url.PathEscape(runID), http.StatusSeeOther)
}

// withLock runs fn under the state's lock (Options.Lock).
func (s *server) withLock(ctx context.Context, fn func() error) error {
	lock := s.opts.Lock
	if lock == nil {
		lock = func(ctx context.Context) (func() error, error) { return s.opts.Store.Lock(ctx, "kopla ui") }
	}
	unlock, err := lock(ctx)
	if err != nil {
		return fmt.Errorf("the state is busy, try again when it is done: %w", err)
	}
	ferr := fn()
	if err := unlock(); err != nil && ferr == nil {
		ferr = err
	}
	return ferr
}

// ignore closes failures without retrying them: an "ignored" entry after
// each, in its flow's log, says who did.
func (s *server) ignore(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.opts.ReadOnly {
		s.fail(w, r, http.StatusConflict, errors.New("this dashboard is read-only"))
		return
	}
	flow, keys, err := postedKeys(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	who := sessionOf(ctx).user
	doc, _ := json.Marshal(map[string]string{"who": who, "via": "dashboard"})
	acts := make([]state.Activity, len(keys))
	for i, k := range keys {
		acts[i] = state.Activity{Flow: flow, SourceKey: k, Action: "ignored", Answer: doc}
	}
	err = s.withLock(ctx, func() error {
		if err := s.audit(ctx, who, "ignore", map[string]any{"flow": flow, "records": len(keys)}); err != nil {
			return err
		}
		return s.opts.Store.LogActivity(ctx, acts)
	})
	s.forgetCounts()
	if err != nil {
		s.fail(w, r, http.StatusConflict, err)
		return
	}
	http.Redirect(w, r, "/failures?notice="+url.QueryEscape(fmt.Sprintf("%d record(s) of %s ignored.", len(keys), flow)), http.StatusSeeOther)
}

func (s *server) settingsPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "settings.html", page{Title: "Settings", Nav: "settings", Notice: r.URL.Query().Get("notice"),
		Data: struct {
			Project
			CanWrite bool
		}{s.opts.Project, !s.opts.ReadOnly}})
}

// forgetConfirm asks to confirm an erasure, showing what it would erase.
func (s *server) forgetConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" {
		s.fail(w, r, http.StatusBadRequest, errors.New("type the key the person is known by (an e-mail address, an id) to forget them"))
		return
	}
	st, err := s.opts.Store.Story(ctx, key, state.StoryOptions{Limit: 1})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	s.render(w, r, "forget.html", page{Title: "Forget a person", Nav: "settings", Data: struct {
		Key     string
		Records []state.RecordRef
	}{key, st.Records}})
}

func (s *server) forget(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.opts.ReadOnly {
		s.fail(w, r, http.StatusConflict, errors.New("this dashboard is read-only"))
		return
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" || r.PostFormValue("confirm") != "yes" {
		s.fail(w, r, http.StatusBadRequest, errors.New("the erasure was not confirmed: nothing was erased"))
		return
	}
	var er state.Erasure
	err := s.withLock(ctx, func() error {
		var err error
		if er, err = s.opts.Store.Forget(ctx, key); err != nil {
			return err
		}
		// Who erased how much; never the key, which is the person's.
		return s.audit(ctx, sessionOf(ctx).user, "forget", map[string]any{"records": len(er.Records), "entries": er.Entries, "links": er.Links})
	})
	s.forgetCounts()
	if err != nil {
		s.fail(w, r, http.StatusConflict, err)
		return
	}
	msg := fmt.Sprintf("Erased %d record(s): %d log entries and %d links.", len(er.Records), er.Entries, er.Links)
	if len(er.PendingIntents) > 0 {
		msg += fmt.Sprintf(" %d write(s) in flight name them: forget again after the next apply.", len(er.PendingIntents))
	}
	http.Redirect(w, r, "/settings?notice="+url.QueryEscape(msg), http.StatusSeeOther)
}

// auditFlow is the flow name of the dashboard's own entries in the log.
const auditFlow = "dashboard"

// audit records a POST in the activity log: who did what.
func (s *server) audit(ctx context.Context, who, what string, details map[string]any) error {
	doc := map[string]any{"who": who, "what": what}
	for k, v := range details {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	err = s.opts.Store.LogActivity(ctx, []state.Activity{{Flow: auditFlow, SourceKey: what, Action: "operator", Read: b}})
	if err != nil {
		s.log.Error("dashboard: cannot record a request in the activity log", "what", what, "error", err)
		return fmt.Errorf("the request was not made, as it cannot be recorded in the activity log: %w", err)
	}
	return nil
}
