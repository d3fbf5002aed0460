package engine

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/kopla-dev/kopla/engine/plan"
)

// concurrentWriter is a target whose batches may be written at the same
// time: its connector is safe for concurrent use and paces its calls to the
// service's rate limits itself. Batches of any other target are written one
// at a time per connection, in the order of the plan.
type concurrentWriter interface {
	ConcurrentWrites() bool
}

// scheduler orders the writes of one apply. Flows are written at the same
// time; a batch waits only for the records of other flows its changes
// require (plan.Change.Requires), not for their whole flow, and writes
// take one of at most Parallelism slots.
type scheduler struct {
	writes errgroup.Group

	mu sync.Mutex
	// records are the records batches wait for or have written, by flow
	// and source key.
	records map[ref]*recordDone
	// flowDone is closed when a flow has written all it will: a record it
	// never got to (the flow stopped) releases what waits for it then.
	flowDone map[string]chan struct{}
	// serials serialise the batches of targets that do not write
	// concurrently, per connection.
	serials map[*connection]*sync.Mutex
	// busy are the records of whole-record targets batches write now
	// (lockRecords).
	busy map[targetKey]chan struct{}
	// progressMu calls Progress for one batch at a time.
	progressMu sync.Mutex
}

// recordDone is closed once the record's batch is answered and saved.
// registered says its flow has handed the record to a batch.
type recordDone struct {
	done       chan struct{}
	registered bool
}

func newScheduler(parallelism int) *scheduler {
	if parallelism <= 0 {
		parallelism = DefaultParallelism
	}
	s := &scheduler{records: map[ref]*recordDone{}, flowDone: map[string]chan struct{}{}, serials: map[*connection]*sync.Mutex{}, busy: map[targetKey]chan struct{}{}}
	s.writes.SetLimit(parallelism)
	return s
}

// record returns the entry of a record, made on first use; s.mu is held.
func (s *scheduler) record(r ref) *recordDone {
	rd := s.records[r]
	if rd == nil {
		rd = &recordDone{done: make(chan struct{})}
		s.records[r] = rd
	}
	return rd
}

// waitRequirements waits until the records of other flows that the
// batch's changes require are written (or failed, or will never be), or
// ctx ends. A record of the flow itself is waited for only when an
// earlier batch holds it: the flow hands out its batches in plan order.
func (s *scheduler) waitRequirements(ctx context.Context, flow string, batch []*plan.Change) error {
	for _, ch := range batch {
		for _, r := range ch.Requires {
			s.mu.Lock()
			var rd *recordDone
			if r.Flow != flow {
				rd = s.record(ref{r.Flow, r.SourceKey})
			} else if own := s.records[ref{r.Flow, r.SourceKey}]; own != nil && own.registered {
				rd = own
			}
			flowDone := s.flowDone[r.Flow]
			s.mu.Unlock()
			if rd == nil {
				continue
			}
			if flowDone == nil {
				// Its flow is not applied at all.
				flowDone = closed
			}
			select {
			case <-rd.done:
			case <-flowDone:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// unmet returns what one of the change's requirements waits on, nil when
// every one is met (written, failed, or never to be written): the
// record's channel and its flow's. A record of the flow itself counts only
// when an earlier batch holds it, as in waitRequirements.
func (s *scheduler) unmet(flow string, ch *plan.Change) (record, flowDone <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range ch.Requires {
		var rd *recordDone
		if r.Flow != flow {
			rd = s.record(ref{r.Flow, r.SourceKey})
		} else if own := s.records[ref{r.Flow, r.SourceKey}]; own != nil && own.registered {
			rd = own
		}
		fd := s.flowDone[r.Flow]
		if rd == nil || fd == nil {
			continue
		}
		select {
		case <-rd.done:
			continue
		case <-fd:
			continue
		default:
			return rd.done, fd
		}
	}
	return nil, nil
}

// split parts a batch into the changes whose requirements are all met and
// the others, keeping the order of each; wait waits until the first
// other's unmet requirement may be (nil when there are no others).
func (s *scheduler) split(flow string, batch []*plan.Change, seqs []int) (ready []*plan.Change, readySeqs []int, rest []*plan.Change, restSeqs []int, wait func(context.Context) error) {
	for i, ch := range batch {
		rec, fd := s.unmet(flow, ch)
		if rec == nil {
			ready, readySeqs = append(ready, ch), append(readySeqs, seqs[i])
			continue
		}
		if wait == nil {
			wait = func(ctx context.Context) error {
				select {
				case <-rec:
				case <-fd:
				case <-ctx.Done():
					return ctx.Err()
				}
				return nil
			}
		}
		rest, restSeqs = append(rest, ch), append(restSeqs, seqs[i])
	}
	return ready, readySeqs, rest, restSeqs, wait
}

var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// register marks the batch's records as handed to a batch.
func (s *scheduler) register(flow string, batch []*plan.Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range batch {
		s.record(ref{flow, ch.SourceKey}).registered = true
	}
}

// release marks the batch's records as done: what waits for them goes on.
func (s *scheduler) release(flow string, batch []*plan.Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range batch {
		rd := s.record(ref{flow, ch.SourceKey})
		select {
		case <-rd.done:
		default:
			close(rd.done)
		}
	}
}

// serial returns the lock of a connection whose targets write one batch at
// a time.
func (s *scheduler) serial(conn *connection) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.serials[conn]
	if m == nil {
		m = &sync.Mutex{}
		s.serials[conn] = m
	}
	return m
}

func (s *scheduler) progress(f func()) {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	f()
}

// flowApply is one flow of an apply: what it wrote, and what stopped it.
type flowApply struct {
	f   *flow
	fp  *plan.FlowPlan
	fr  *FlowResult
	err error
}

// applyFlows writes every enabled flow of the plan, all at the same time,
// and returns what each did, in dependency order.
func (a *applier) applyFlows(ctx context.Context, pl *plan.Plan) []flowApply {
	var out []flowApply
	for _, f := range a.p.order {
		fp := pl.Flow(f.name)
		if fp == nil || fp.Disabled {
			continue
		}
		out = append(out, flowApply{f: f, fp: fp})
		a.sched.flowDone[f.name] = make(chan struct{})
	}
	var flows errgroup.Group
	for i := range out {
		fa := &out[i]
		flows.Go(func() error {
			defer close(a.sched.flowDone[fa.f.name])
			fa.fr, fa.err = a.applyFlow(ctx, fa.f, fa.fp)
			return nil
		})
	}
	flows.Wait()
	// Every batch was handed to writes by a flow, and waited for by it.
	a.sched.writes.Wait()
	return out
}
