package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/kopla-dev/kopla/engine/state"
)

// ErrNoRun is the error of FailedRecords for a run that does not exist.
var ErrNoRun = errors.New("no such run")

type noRunError string

func (e noRunError) Error() string        { return string(e) }
func (e noRunError) Is(target error) bool { return target == ErrNoRun }

// FailedRecords reads the source ids of the records that failed or were
// blocked in a run (0: the last one), by flow, keeping only flows when
// given: what kopla retry and POST /api/retry retry.
func FailedRecords(ctx context.Context, st *state.Store, run int64, flows []string) (int64, map[string][]string, error) {
	if run == 0 {
		runs, err := st.Runs(ctx, 1)
		if err != nil {
			return 0, nil, err
		}
		if len(runs) == 0 {
			return 0, nil, noRunError("there is no run yet: nothing failed")
		}
		run = runs[0].ID
	} else if _, err := st.Run(ctx, run); err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return 0, nil, noRunError(fmt.Sprintf("there is no run %d: kopla runs lists them", run))
		}
		return 0, nil, err
	}
	out := map[string][]string{}
	for _, action := range []string{"error", "blocked"} {
		acts, err := st.Activities(ctx, state.ActivityFilter{RunID: run, Action: action})
		if err != nil {
			return 0, nil, err
		}
		for _, act := range acts {
			if len(flows) > 0 && !slices.Contains(flows, act.Flow) {
				continue
			}
			if act.SourceKey != "" && !slices.Contains(out[act.Flow], act.SourceKey) {
				out[act.Flow] = append(out[act.Flow], act.SourceKey)
			}
		}
	}
	return run, out, nil
}

// RetryRequest is the body of POST /api/retry.
type RetryRequest struct {
	Flow string `json:"flow"`
	// Run is the run whose failed records to retry; 0 means the last run.
	Run int64 `json:"run,omitempty"`
	// Records, when given, are the source ids (as kopla log and kopla
	// trace show them) of the failed records to retry; empty means all.
	Records []string `json:"records,omitempty"`
}

// RetryResponse is the answer of POST /api/retry.
type RetryResponse struct {
	Flow    string   `json:"flow"`
	Run     int64    `json:"run"`
	Records []string `json:"records"`
	// Job is the queue's job that runs the retry; Merged says it is one
	// queued already (the records join it).
	Job    int64 `json:"job"`
	Merged bool  `json:"merged,omitempty"`
}

// maxAPIBody bounds the body of an /api/ request.
const maxAPIBody = 1 << 20

// api wraps an /api/ handler: it must be sent as JSON (a form cannot send
// that across sites without CORS), and goes through Options.APIMiddleware,
// where the dashboard checks its session and CSRF token.
func (s *Server) api(h http.HandlerFunc) http.Handler {
	var next http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			apiError(w, http.StatusUnsupportedMediaType, "send the request as JSON (Content-Type: application/json)")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
		h(w, r)
	})
	if s.opts.APIMiddleware != nil {
		next = s.opts.APIMiddleware(next)
	}
	return next
}

func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// retryAPI queues a run that retries the failed records of a run, as
// kopla retry does: each is read again from its source by id and planned
// anew. The records join the flow's retries, due now (with their attempts
// counted afresh), so that a run already queued takes them too.
func (s *Server) retryAPI(w http.ResponseWriter, r *http.Request) {
	var req RetryRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "the body is not a retry request ({\"flow\": NAME, \"run\": ID, \"records\": [SOURCE_ID, ...]}): "+err.Error())
		return
	}
	if s.flows[req.Flow] == nil {
		apiError(w, http.StatusNotFound, fmt.Sprintf("kopla serve runs no flow %q (it runs %v)", req.Flow, s.names))
		return
	}
	if req.Run < 0 {
		apiError(w, http.StatusBadRequest, "run must not be negative")
		return
	}
	ctx := r.Context()
	run, ids, err := FailedRecords(ctx, s.opts.State, req.Run, []string{req.Flow})
	switch {
	case errors.Is(err, ErrNoRun):
		apiError(w, http.StatusNotFound, err.Error())
		return
	case err != nil:
		s.log.Error("retry request: cannot read the failed records", "error", err)
		apiError(w, http.StatusInternalServerError, "cannot read the failed records from the state")
		return
	}
	failed := ids[req.Flow]
	if len(req.Records) > 0 {
		var missing []string
		for _, id := range req.Records {
			if !slices.Contains(failed, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			apiError(w, http.StatusUnprocessableEntity, fmt.Sprintf("records %v did not fail in run %d of flow %s (kopla log -run %d -action error lists those that did)", missing, run, req.Flow, run))
			return
		}
		failed = req.Records
	}
	if len(failed) == 0 {
		apiError(w, http.StatusUnprocessableEntity, fmt.Sprintf("run %d has no failed records of flow %s to retry", run, req.Flow))
		return
	}
	job, merged, err := s.queueRetry(ctx, req.Flow, run, failed)
	if err != nil {
		s.log.Error("retry request: cannot queue the retry", "flow", req.Flow, "error", err)
		apiError(w, http.StatusInternalServerError, "cannot queue the retry")
		return
	}
	s.log.Info("retry queued", "flow", req.Flow, "run", run, "records", len(failed), "job", job)
	writeJSON(w, http.StatusAccepted, RetryResponse{Flow: req.Flow, Run: run, Records: failed, Job: job, Merged: merged})
}

// queueRetry makes ids due for a retry now and queues a run of flow, in
// one transaction.
func (s *Server) queueRetry(ctx context.Context, flow string, run int64, ids []string) (job int64, merged bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback()
	now := fmtTime(s.opts.Now())
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO kopla_retries (flow, source_id, attempts, next_at, last_error) VALUES (?, ?, 0, ?, ?)
			ON CONFLICT (flow, source_id) DO UPDATE SET attempts = 0, next_at = excluded.next_at`,
			flow, id, now, retryNote(run)); err != nil {
			return 0, false, fmt.Errorf("record retries: %w", err)
		}
	}
	res, err := s.client.InsertTx(ctx, tx, flowArgs{Flow: flow}, flowInsertOpts(time.Time{}))
	if err != nil {
		return 0, false, fmt.Errorf("queue a run of %s: %w", flow, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, false, err
	}
	return res.Job.ID, res.UniqueSkippedAsDuplicate, nil
}

// retryNote is what a requested retry records as the record's last error
// until it runs.
func retryNote(run int64) string {
	if run == 0 {
		return "retry requested on the dashboard"
	}
	return fmt.Sprintf("retry of run %d requested", run)
}

// RetryRecords queues a retry of the given failed records of flow, as POST
// /api/retry does: the dashboard's "retry these". The run starts when the
// queue takes it, so there is no run id to return yet: "".
func (s *Server) RetryRecords(ctx context.Context, flow string, keys []string) (string, error) {
	if _, ok := s.flows[flow]; !ok {
		return "", fmt.Errorf("serve does not run the flow %q", flow)
	}
	if len(keys) == 0 {
		return "", errors.New("no records to retry")
	}
	_, _, err := s.queueRetry(ctx, flow, 0, keys)
	return "", err
}
