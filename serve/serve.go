// Package serve runs a project continuously (kopla serve): flows run on
// their schedules, on changes the sources report (HubSpot webhooks) or
// that polling finds, and records that failed for a passing cause are
// retried. Runs are River jobs in a SQLite queue beside the state; what a
// run has to do (events, sweep requests, retries) is kept in serve's own
// tables until a run did it, so that a crash or a restart loses nothing,
// and the state's intents journal keeps a rerun from writing twice. On a
// Postgres queue several serve processes share the work
// (queue_postgres.go).
package serve

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // the queue database, as the state's

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/schedule"
)

// DefaultListen is where serve listens unless told otherwise: loopback
// only, so that nothing is exposed by accident.
const DefaultListen = "127.0.0.1:8484"

// Options configure a Server.
type Options struct {
	Project *engine.Project
	State   *state.Store
	// Flows, when set, are the only flows serve runs (the flows they
	// ensure come along, as with apply -flow); empty means every enabled
	// flow.
	Flows []string
	// QueuePath is the SQLite file of the job queue (River's tables and
	// serve's): beside the state, never inside it, so that the state keeps
	// its own schema and lock.
	QueuePath string
	// QueueURL, when set, is a Postgres URL (postgres://...?schema=NAME)
	// of the queue instead: several serve processes on it share the work
	// (queue_postgres.go).
	QueueURL string
	// WorkerTimeout is how old a worker's heartbeat on a Postgres queue
	// may be before it is taken for dead and the runs it left are queued
	// again; 0 means 30 s. Heartbeats go every sixth of it, at most 5 s.
	WorkerTimeout time.Duration
	// Listen is the HTTP address of /hooks/hubspot, /healthz, /readyz and
	// /metrics; "" means DefaultListen.
	Listen string
	Logger *slog.Logger
	// Observer is told the outcome of every run (nil: nobody).
	Observer Observer
	// Notifier, when set, is handed every run's report (besides the
	// Observer), checked every NotifyEvery (0 means a minute) and its
	// waiting messages counted in /metrics (kopla_notifications_pending).
	Notifier    Notifier
	NotifyEvery time.Duration
	// APIMiddleware, when set, wraps the /api/ endpoints (the dashboard's
	// authentication and CSRF check).
	APIMiddleware func(http.Handler) http.Handler
	// HubSpotSecret is the HubSpot app's client secret, which signs its
	// webhook requests; "" turns /hooks/hubspot off (polling then reads
	// HubSpot sources by modification date).
	HubSpotSecret string
	// PublicURL is the base URL HubSpot calls (https://kopla.example.com)
	// when a proxy sits in front of serve: the v3 signature covers the URL
	// as HubSpot called it. "" means the request's own.
	PublicURL string
	// Poll sets the polling of sources that do not push changes.
	Poll PollOptions
	// PollHubSpot polls HubSpot sources even with a webhook secret: the
	// sandbox's HubSpot fake sends no webhooks.
	PollHubSpot bool
	// Retry sets the retries of records that failed for a passing cause.
	Retry RetryPolicy
	// Reconcile is the schedule of each flow's full run (a read of the
	// whole source, not from the cursor); nil means every night at 03:00.
	Reconcile schedule.Schedule
	// NoReconcile turns the full runs off.
	NoReconcile bool
	// LockTimeout is how long a run waits for the state lock another
	// process (a manual kopla apply) holds; 0 means 1 minute. A run that
	// did not get it is retried with backoff.
	LockTimeout time.Duration
	// Grace is how long a shutdown lets a run in progress go on before it
	// is interrupted (it then stops after the batch in flight, which is
	// saved); 0 means 30 seconds.
	Grace time.Duration
	// Metrics is the registry /metrics serves (nil: a new one); it takes
	// the metrics of one Server.
	Metrics *prometheus.Registry
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Listening, when set, is called with the address once serve listens.
	Listening func(addr string)
}

// PollOptions set the polling of one source object.
type PollOptions struct {
	// Interval is the time between polls of an idle source; 0 means 60 s.
	Interval time.Duration
	// Active is the time between polls for ActiveFor after a poll found
	// changes; 0 means 10 s (and ActiveFor 10 minutes).
	Active, ActiveFor time.Duration
	// QuotaPerMinute is the source endpoint's request quota (eAccounting:
	// 600 per minute per endpoint); polling spends at most Share of it.
	// 0 means 600 and 2 %.
	QuotaPerMinute int
	Share          float64
}

// RetryPolicy sets the retries of failed records.
type RetryPolicy struct {
	// MaxAttempts is how many times a record is retried before it is
	// marked failed; 0 means 5.
	MaxAttempts int
	// Base is the first delay, doubled at each attempt up to Max; 0 means
	// 30 s and 1 h.
	Base, Max time.Duration
}

func (p RetryPolicy) delay(attempt int) time.Duration {
	d := p.Base
	for i := 1; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// Server runs a project until its context ends.
type Server struct {
	opts    Options
	log     *slog.Logger
	db      *sql.DB
	q       *queueStore
	client  *river.Client[*sql.Tx]
	metrics *metrics
	flows   map[string]*flowInfo
	names   []string // flow names, sorted
	ready   atomic.Bool
	mu      sync.Mutex
	running map[string]bool
	// activity is when each poll source last found changes.
	activity sync.Map
	// dashboard is served under / (Mount).
	dashboard http.Handler
	// On a Postgres queue: the schema, this worker's name, the pickup lock.
	schema   string
	workerID string
	lead     leader
}

// Mount serves the dashboard under / on serve's listener. It is called
// before Run, with a dashboard whose retries go through this server's queue
// (RetryRecords).
func (s *Server) Mount(dashboard http.Handler) { s.dashboard = dashboard }

// flowInfo is what serve knows of a flow.
type flowInfo struct {
	name       string
	sourceKind string // connector kind: hubspot, eaccounting
	sourceConn string // connection key: hubspot.shop
	object     string // source object: orders
	sched      schedule.Schedule
	overlap    string // skip or buffer
}

// New prepares a server: it opens (and migrates) the queue database.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Project == nil || opts.State == nil {
		return nil, errors.New("serve: a project and its state are required")
	}
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Minute
	}
	if opts.Grace == 0 {
		opts.Grace = 30 * time.Second
	}
	if opts.Retry.MaxAttempts == 0 {
		opts.Retry.MaxAttempts = 5
	}
	if opts.Retry.Base == 0 {
		opts.Retry.Base = 30 * time.Second
	}
	if opts.Retry.Max == 0 {
		opts.Retry.Max = time.Hour
	}
	opts.Poll = opts.Poll.withDefaults()
	if opts.Reconcile == nil && !opts.NoReconcile {
		opts.Reconcile, _ = schedule.Parse("0 3 * * *")
	}
	if opts.Metrics == nil {
		opts.Metrics = prometheus.NewRegistry()
	}
	if opts.NotifyEvery <= 0 {
		opts.NotifyEvery = defaultNotifyEvery
	}
	s := &Server{opts: opts, log: opts.Logger, running: map[string]bool{}}
	if err := s.loadFlows(opts.Project.Config()); err != nil {
		return nil, err
	}
	if err := s.openQueue(ctx); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(opts.Metrics, s)
	if opts.Notifier != nil {
		registerNotifyMetrics(opts.Metrics, opts.Notifier)
		s.opts.Observer = append(Observers{notifyObserver{n: opts.Notifier, s: s}}, observers(opts.Observer)...)
	}
	return s, nil
}

func (s *Server) loadFlows(cfg *dsl.Config) error {
	s.flows = map[string]*flowInfo{}
	var project schedule.Schedule
	if cfg.Settings != nil && cfg.Settings.Schedule != "" {
		var err error
		if project, err = schedule.Parse(cfg.Settings.Schedule); err != nil {
			return fmt.Errorf("serve: the kopla block's schedule: %w", err)
		}
	}
	only, missing := map[string]bool{}, map[string]bool{}
	for _, name := range s.opts.Flows {
		only[name], missing[name] = true, true
	}
	for _, f := range cfg.Flows {
		if len(only) > 0 && !only[f.Name] {
			continue
		}
		delete(missing, f.Name)
		if !f.Enabled {
			if len(s.opts.Flows) > 0 {
				return fmt.Errorf("serve: flow %q is disabled (%s)", f.Name, f.DisabledReason)
			}
			continue
		}
		fi := &flowInfo{name: f.Name, sourceKind: f.Source.Kind, sourceConn: f.Source.ConnectionKey(), object: f.Source.Object, sched: project, overlap: f.Overlap}
		if f.Schedule != "" {
			sc, err := schedule.Parse(f.Schedule)
			if err != nil {
				return fmt.Errorf("serve: flow %q's schedule: %w", f.Name, err)
			}
			fi.sched = sc
		}
		if fi.overlap == "" && cfg.Settings != nil {
			fi.overlap = cfg.Settings.Overlap
		}
		s.flows[f.Name] = fi
		s.names = append(s.names, f.Name)
	}
	for name := range missing {
		return fmt.Errorf("serve: there is no flow %q", name)
	}
	sort.Strings(s.names)
	return nil
}

// queueStates are the unfinished job states: a flow's run job is unique
// over these only, so that a new trigger is one job queued behind the one
// running (buffer one), and a completed job blocks nothing. River requires
// available, pending, running and scheduled.
var queueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable,
}

func (s *Server) openQueue(ctx context.Context) error {
	if isPostgresURL(s.opts.QueueURL) {
		return s.openPostgres(ctx)
	}
	db, err := sql.Open("sqlite", "file:"+s.opts.QueuePath+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		return fmt.Errorf("serve: open queue %s: %w", s.opts.QueuePath, err)
	}
	// River's SQLite driver wants one connection: SQLite has one writer.
	db.SetMaxOpenConns(1)
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		db.Close()
		return fmt.Errorf("serve: queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		db.Close()
		return fmt.Errorf("serve: migrate queue %s: %w", s.opts.QueuePath, err)
	}
	if _, err := db.ExecContext(ctx, queueSchema); err != nil {
		db.Close()
		return fmt.Errorf("serve: queue schema: %w", err)
	}
	// One process owns an embedded queue (serve holds it through the
	// state's lock semantics), so a job still marked running is one a
	// killed serve left: make it available again at once rather than after
	// River's one-hour rescue.
	if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`); err != nil {
		db.Close()
		return fmt.Errorf("serve: requeue interrupted jobs: %w", err)
	}
	s.db = db
	s.q = &queueStore{db: db, now: s.opts.Now}
	return nil
}

// openPostgres opens and migrates a Postgres queue; River's migrations
// and serve's tables run under the schema's migration lock.
func (s *Server) openPostgres(ctx context.Context) error {
	db, schema, err := openPostgresQueue(ctx, s.opts.QueueURL)
	if err != nil {
		return err
	}
	s.db, s.schema, s.workerID = db, schema, newWorkerID()
	s.q = &queueStore{db: db, now: s.opts.Now, pg: true}
	err = withMigrationLock(ctx, db, schema, func() error {
		m, err := rivermigrate.New(s.queueDriver(), nil)
		if err != nil {
			return err
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return err
		}
		_, err = db.ExecContext(ctx, postgresQueueSchema)
		return err
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("serve: migrate the queue in schema %s: %w", schema, err)
	}
	return nil
}

// Close releases the queue database.
func (s *Server) Close() error { return s.db.Close() }

// Run serves until ctx ends, then shuts down gracefully: no new runs
// start, the run in progress goes on for Grace and is then interrupted
// after its batch in flight, which is saved.
func (s *Server) Run(ctx context.Context) error {
	workers := river.NewWorkers()
	river.AddWorker(workers, &flowWorker{s: s})
	river.AddWorker(workers, &tickWorker{s: s})
	river.AddWorker(workers, &forgetWorker{s: s})
	river.AddWorker(workers, &retryWorker{s: s})
	var periodic []*river.PeriodicJob
	for _, name := range s.names {
		fi := s.flows[name]
		if fi.sched != nil {
			periodic = append(periodic, river.NewPeriodicJob(fi.sched, func() (river.JobArgs, *river.InsertOpts) {
				return tickArgs{Flow: name}, &river.InsertOpts{Queue: timerQueue}
			}, nil))
		}
		if s.opts.Reconcile != nil {
			periodic = append(periodic, river.NewPeriodicJob(s.opts.Reconcile, func() (river.JobArgs, *river.InsertOpts) {
				return tickArgs{Flow: name, Full: true}, &river.InsertOpts{Queue: timerQueue}
			}, nil))
		}
	}
	client, err := river.NewClient(s.queueDriver(), &river.Config{
		ID: s.workerID, // "" on SQLite: River names it
		Queues: map[string]river.QueueConfig{
			// The state lock is the project's: one run at a time.
			flowQueue:  {MaxWorkers: 1},
			timerQueue: {MaxWorkers: 1},
		},
		Workers:              workers,
		PeriodicJobs:         periodic,
		Logger:               s.log.With("component", "river"),
		FetchPollInterval:    100 * time.Millisecond,
		FetchCooldown:        50 * time.Millisecond,
		JobTimeout:           -1, // a run takes as long as its records
		RescueStuckJobsAfter: 24 * time.Hour,
		MaxAttempts:          10,
	})
	if err != nil {
		return fmt.Errorf("serve: queue client: %w", err)
	}
	s.client = client
	completed, cancelSub := client.Subscribe(river.EventKindJobCompleted)
	defer cancelSub()

	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", s.opts.Listen, err)
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	// Jobs run in a context of their own: the end of ctx asks them to
	// stop through River (Stop, then StopAndCancel after the grace).
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("serve: start queue: %w", err)
	}
	var wg sync.WaitGroup
	if s.q.pg {
		// The pickup lock's holder catches up, each time it takes over.
		wg.Go(func() {
			s.leadLoop(ctx, func(ctx context.Context) {
				if err := s.catchUp(ctx); err != nil && ctx.Err() == nil {
					s.log.Error("catch-up failed", "error", err)
				}
			})
		})
	} else if err := s.catchUp(ctx); err != nil {
		s.log.Error("catch-up failed", "error", err)
	}
	if s.opts.Listening != nil {
		s.opts.Listening(ln.Addr().String())
	}
	s.ready.Store(true)
	s.log.Info("serve started", "listen", ln.Addr().String(), "flows", len(s.names))

	pollCtx, stopPolls := context.WithCancel(ctx)
	if s.opts.Notifier != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.checkNotifications(pollCtx)
		}()
	}
	for _, p := range s.pollSources() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.poll(pollCtx, p)
		}()
	}
	go func() {
		for ev := range completed {
			if ev.Job != nil && ev.Job.Kind == (flowArgs{}).Kind() {
				s.followUp(context.WithoutCancel(ctx), ev.Job)
			}
		}
	}()

	<-ctx.Done()
	s.ready.Store(false)
	s.log.Info("serve stopping: the run in progress finishes its batch")
	stopPolls()
	wg.Wait()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	srv.Shutdown(shutdownCtx)
	cancel()
	graceCtx, cancel := context.WithTimeout(context.Background(), s.opts.Grace)
	err = client.Stop(graceCtx)
	cancel()
	if err != nil {
		cancelCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = client.StopAndCancel(cancelCtx)
		cancel()
	}
	s.log.Info("serve stopped")
	if err != nil {
		return fmt.Errorf("serve: stop queue: %w", err)
	}
	return nil
}

// Ready reports whether serve takes work (/readyz).
func (s *Server) Ready() bool { return s.ready.Load() }

// catchUp runs each scheduled flow once when a tick was missed while serve
// was down (one run, however many ticks), and wakes flows with work left.
func (s *Server) catchUp(ctx context.Context) error {
	now := s.opts.Now()
	for _, name := range s.names {
		fi := s.flows[name]
		if fi.sched != nil {
			last, err := s.q.lastStart(ctx, name)
			if err != nil {
				return err
			}
			if last.IsZero() || !fi.sched.Next(last).After(now) {
				if err := s.request(ctx, name, false); err != nil {
					return err
				}
				continue
			}
		}
		if err := s.kickIfPending(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// request asks for a sweep run of flow and queues it.
func (s *Server) request(ctx context.Context, flow string, full bool) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.q.requestSweep(ctx, tx, flow, full); err != nil {
		return err
	}
	if err := s.enqueueTx(ctx, tx, flow); err != nil {
		return err
	}
	return tx.Commit()
}

// enqueueTx queues a run of flow in tx, merged into one that is queued
// already.
func (s *Server) enqueueTx(ctx context.Context, tx *sql.Tx, flow string) error {
	_, err := s.client.InsertTx(ctx, tx, flowArgs{Flow: flow}, flowInsertOpts(time.Time{}))
	if err != nil {
		return fmt.Errorf("queue a run of %s: %w", flow, err)
	}
	return nil
}

func flowInsertOpts(at time.Time) *river.InsertOpts {
	return &river.InsertOpts{Queue: flowQueue, ScheduledAt: at, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: queueStates}}
}

// kickIfPending queues a run of flow when it has work now, or schedules
// one for its next retry.
func (s *Server) kickIfPending(ctx context.Context, flow string) error {
	w, err := s.q.pending(ctx, flow)
	if err != nil {
		return err
	}
	if !w.empty() {
		_, err := s.client.Insert(ctx, flowArgs{Flow: flow}, flowInsertOpts(time.Time{}))
		return err
	}
	next, err := s.q.nextRetry(ctx, flow)
	if err != nil || next.IsZero() {
		return err
	}
	_, err = s.client.Insert(ctx, retryArgs{Flow: flow}, &river.InsertOpts{Queue: timerQueue, ScheduledAt: next,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: queueStates}})
	return err
}

// followUp runs after a flow's job completed: triggers that came during
// the run could not queue a second job (the first was running), so the
// work they left is queued now, as one run.
func (s *Server) followUp(ctx context.Context, job *rivertype.JobRow) {
	var args flowArgs
	s.log.Debug("job completed", "kind", job.Kind, "args", string(job.EncodedArgs))
	if err := jsonUnmarshal(job.EncodedArgs, &args); err != nil || s.flows[args.Flow] == nil {
		return
	}
	if err := s.kickIfPending(ctx, args.Flow); err != nil {
		s.log.Error("cannot queue the follow-up run", "flow", args.Flow, "error", err)
	}
}
