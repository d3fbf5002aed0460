package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/time/rate"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/state"
)

// Store keeps the state of the rules; *state.Store is one.
type Store interface {
	NotifyStates(ctx context.Context) ([]state.NotifyState, error)
	PutNotifyState(ctx context.Context, st state.NotifyState) error
}

var _ Store = (*state.Store)(nil)

// Block is a notify block ready to send: its rules and its channels.
type Block struct {
	Notify   *dsl.Notify
	Channels *dsl.NotifyChannels
}

// Blocks decodes the channels of every notify block of a project, with
// their secrets (lookupEnv nil means os.LookupEnv), sorted by name.
func Blocks(cfg *dsl.Config, lookupEnv func(string) (string, bool)) ([]Block, hcl.Diagnostics) {
	var blocks []Block
	var diags hcl.Diagnostics
	for _, n := range cfg.Notifies {
		ch, d := dsl.DecodeNotifyChannels(n, cfg.Vars, lookupEnv)
		diags = append(diags, d...)
		if ch != nil {
			blocks = append(blocks, Block{Notify: n, Channels: ch})
		}
	}
	sort.Slice(blocks, func(i, j int) bool { return blocks[i].Notify.Name < blocks[j].Notify.Name })
	return blocks, diags
}

// Options are a Notifier's inputs beyond the blocks.
type Options struct {
	// Project names the project in messages.
	Project string
	// Flows are the project's flows: the time-based rules (no_success)
	// watch those a block's flows do not narrow.
	Flows []string
	Store Store
	// Logger receives a line per delivery and per failed attempt; nil
	// discards them.
	Logger *slog.Logger
	// HTTPClient posts to Slack and webhooks; nil means a client with a
	// 30-second timeout.
	HTTPClient *http.Client
	// TLSConfig, when set, is used for SMTP (its ServerName defaults to
	// the smtp host): tests trust their own certificate with it.
	TLSConfig *tls.Config
	// Now is the clock for delivery times; nil means time.Now.
	Now func() time.Time
	// Attempts is how often one delivery tries a channel (default 3),
	// waiting Backoff (default 1s), then twice as long, between tries.
	// A message still not delivered is tried again by a later call
	// (RunFinished or Check) after RetryAfter (default 1m), doubled after
	// each failed delivery up to MaxRetryAfter (default 1h).
	Attempts      int
	Backoff       time.Duration
	RetryAfter    time.Duration
	MaxRetryAfter time.Duration
	// Secrets are values no message may hold (the connections' tokens),
	// besides the channels' own.
	Secrets []string
	// Command is how messages tell to run kopla for this project ("kopla
	// -chdir /srv/shop"); "" means "kopla".
	Command string
	// RunURL, when set, gives the page of a run, listed in messages after
	// the commands.
	RunURL func(runID int64) string
}

// Notifier turns run reports into notifications: one message when a rule
// begins to fail for a flow and one when it recovers, never one per run.
// The state of each rule and flow, and the messages not delivered yet, are
// kept in the Store, so a restart neither resends nor forgets. It is safe
// for concurrent use.
type Notifier struct {
	opts   Options
	log    *slog.Logger
	blocks []*block
	scrub  *scrubber

	mu      sync.Mutex
	loaded  bool
	states  map[key]*ruleState
	sending map[key]bool
}

type block struct {
	name     string
	rules    []dsl.NotifyRule
	flows    []string
	channels []channel
}

func (b *block) covers(flow string) bool { return len(b.flows) == 0 || slices.Contains(b.flows, flow) }

func (b *block) channel(name string) channel {
	for _, c := range b.channels {
		if c.name() == name {
			return c
		}
	}
	return nil
}

type key struct{ notify, rule, flow string }

// ruleState is a stored state with its pending messages decoded.
type ruleState struct {
	state.NotifyState
	pending []*pending
}

// pending is a message not yet delivered on every channel.
type pending struct {
	Message     *Message  `json:"message"`
	Channels    []string  `json:"channels"`
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
}

// maxPending bounds the messages kept for one rule and flow while its
// channels fail: the oldest are dropped (and logged) past it.
const maxPending = 20

// New returns a Notifier for the blocks.
func New(blocks []Block, opts Options) (*Notifier, error) {
	if opts.Store == nil {
		return nil, errors.New("notify: no store")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Minute
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = time.Hour
	}
	if opts.Command == "" {
		opts.Command = "kopla"
	}
	n := &Notifier{
		opts:    opts,
		log:     opts.Logger,
		scrub:   &scrubber{},
		states:  map[key]*ruleState{},
		sending: map[key]bool{},
	}
	for _, s := range opts.Secrets {
		n.scrub.add(s)
	}
	for _, b := range blocks {
		if b.Notify == nil || b.Channels == nil {
			return nil, errors.New("notify: a block without its rules or channels")
		}
		nb := &block{name: b.Notify.Name, rules: b.Notify.Rules, flows: b.Notify.Flows}
		ch := b.Channels
		if e := ch.Email; e != nil {
			n.scrub.add(e.SMTP.Password.Reveal())
			nb.channels = append(nb.channels, &emailChannel{cfg: *e, tls: opts.TLSConfig, timeout: 30 * time.Second})
		}
		if s := ch.Slack; s != nil {
			n.scrub.add(s.WebhookURL.Reveal())
			nb.channels = append(nb.channels, &slackChannel{url: s.WebhookURL, client: opts.HTTPClient, limiter: rate.NewLimiter(1, 3)})
		}
		if w := ch.Webhook; w != nil {
			n.scrub.add(w.Secret.Reveal())
			nb.channels = append(nb.channels, &webhookChannel{url: w.URL, secret: w.Secret, client: opts.HTTPClient, now: opts.Now})
		}
		if len(nb.channels) == 0 {
			return nil, fmt.Errorf("notify: the notify block %s has no channel", nb.name)
		}
		n.blocks = append(n.blocks, nb)
	}
	return n, nil
}

// RunFinished evaluates the rules for a finished run and sends what
// changed. It returns an error only when the state cannot be read or
// stored (the run's transitions are then evaluated again with the next
// report); failed sends are logged and retried later, never lost.
func (n *Notifier) RunFinished(ctx context.Context, r RunReport) error {
	if r.Flow == "" {
		return errors.New("notify: a run report without its flow")
	}
	if r.Ended.IsZero() {
		r.Ended = n.opts.Now()
	}
	if r.Started.IsZero() {
		r.Started = r.Ended
	}
	n.mu.Lock()
	err := n.load(ctx)
	if err == nil {
		var errs []error
		for _, b := range n.blocks {
			if !b.covers(r.Flow) {
				continue
			}
			for _, rule := range b.rules {
				k := key{b.name, rule.Kind, r.Flow}
				errs = append(errs, n.update(ctx, b, k, func(st *ruleState) *Message { return n.evaluate(k, rule, st, r) }))
			}
		}
		err = errors.Join(errs...)
	}
	n.mu.Unlock()
	n.deliver(ctx, n.opts.Now())
	return err
}

// Check evaluates the rules that fail with time alone (no successful run
// within a duration), and retries the deliveries that are due. kopla
// serve calls it periodically.
func (n *Notifier) Check(ctx context.Context, now time.Time) error {
	n.mu.Lock()
	err := n.load(ctx)
	if err == nil {
		var errs []error
		for _, b := range n.blocks {
			for _, rule := range b.rules {
				if rule.Kind != dsl.RuleNoSuccess {
					continue
				}
				flows := b.flows
				if len(flows) == 0 {
					flows = n.opts.Flows
				}
				for _, flow := range flows {
					k := key{b.name, rule.Kind, flow}
					errs = append(errs, n.update(ctx, b, k, func(st *ruleState) *Message { return n.checkNoSuccess(k, rule, st, now) }))
				}
			}
		}
		err = errors.Join(errs...)
	}
	n.mu.Unlock()
	n.deliver(ctx, now)
	return err
}

// load reads the stored states once. Called with mu held.
func (n *Notifier) load(ctx context.Context) error {
	if n.loaded {
		return nil
	}
	stored, err := n.opts.Store.NotifyStates(ctx)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	for _, st := range stored {
		rs := &ruleState{NotifyState: st}
		if len(st.Pending) > 0 {
			if err := json.Unmarshal(st.Pending, &rs.pending); err != nil {
				// A message that cannot be read cannot be sent; the state
				// itself is kept.
				n.log.Error("notification pending messages unreadable", "notify", st.Notify, "rule", st.Rule, "flow", st.Flow, "error", err)
			}
		}
		rs.Pending = nil
		n.states[key{st.Notify, st.Rule, st.Flow}] = rs
	}
	n.loaded = true
	return nil
}

// update runs eval on the state of k and stores the result when it
// changed; a message eval returns is queued on every channel of b in the
// same write. When the write fails, the state is left as it was, so that
// the next report finds the same transition. Called with mu held.
func (n *Notifier) update(ctx context.Context, b *block, k key, eval func(*ruleState) *Message) error {
	st := n.states[k]
	if st == nil {
		st = &ruleState{NotifyState: state.NotifyState{Notify: k.notify, Rule: k.rule, Flow: k.flow, Status: state.NotifyOK}}
	}
	next := &ruleState{NotifyState: st.NotifyState, pending: slices.Clone(st.pending)}
	msg := eval(next)
	if msg == nil && next.NotifyState.Status == st.Status && next.Since.Equal(st.Since) && next.Count == st.Count && next.LastSuccess.Equal(st.LastSuccess) && n.states[k] != nil {
		return nil
	}
	if msg != nil {
		p := &pending{Message: msg} // due at once
		for _, c := range b.channels {
			p.Channels = append(p.Channels, c.name())
		}
		next.pending = append(next.pending, p)
		if drop := len(next.pending) - maxPending; drop > 0 {
			for _, old := range next.pending[:drop] {
				n.log.Error("notification dropped: too many undelivered", "notify", k.notify, "rule", k.rule, "flow", k.flow, "event", old.Message.Event, "at", old.Message.At, "last_error", old.LastError)
			}
			next.pending = slices.Clone(next.pending[drop:])
		}
		n.log.Info("notification rule changed", "notify", k.notify, "rule", k.rule, "flow", k.flow, "event", msg.Event, "run", msg.RunID)
	}
	if err := n.store(ctx, next); err != nil {
		return err
	}
	n.states[k] = next
	return nil
}

// store writes a state with its pending messages. Called with mu held.
func (n *Notifier) store(ctx context.Context, st *ruleState) error {
	row := st.NotifyState
	row.Pending = nil
	if len(st.pending) > 0 {
		b, err := json.Marshal(st.pending)
		if err != nil {
			return fmt.Errorf("notify: encode pending messages: %w", err)
		}
		row.Pending = b
	}
	if err := n.opts.Store.PutNotifyState(ctx, row); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// deliver sends the pending messages that are due, rule by rule, in the
// order they were queued.
func (n *Notifier) deliver(ctx context.Context, now time.Time) {
	n.mu.Lock()
	var due []key
	for k, st := range n.states {
		if len(st.pending) > 0 && !n.sending[k] && !st.pending[0].NextAttempt.After(now) {
			n.sending[k] = true
			due = append(due, k)
		}
	}
	n.mu.Unlock()
	sort.Slice(due, func(i, j int) bool {
		a, b := due[i], due[j]
		if a.notify != b.notify {
			return a.notify < b.notify
		}
		if a.flow != b.flow {
			return a.flow < b.flow
		}
		return a.rule < b.rule
	})
	for _, k := range due {
		// Messages queued while this rule's were sent go out now too.
		for n.deliverRule(ctx, k, now) && ctx.Err() == nil {
		}
	}
}

// outcome is what a delivery did with one pending message.
type outcome struct {
	delivered []string
	err       error
}

// deliverRule sends the pending messages of one rule and flow. It reports
// whether messages were queued meanwhile that are due: the caller goes
// on, still holding the rule's sending mark.
func (n *Notifier) deliverRule(ctx context.Context, k key, now time.Time) (more bool) {
	n.mu.Lock()
	st := n.states[k]
	queued := make([]pending, len(st.pending))
	for i, p := range st.pending {
		queued[i] = *p
		queued[i].Channels = slices.Clone(p.Channels)
	}
	var b *block
	for _, nb := range n.blocks {
		if nb.name == k.notify {
			b = nb
		}
	}
	n.mu.Unlock()

	// A channel that fails is not tried again for the later messages of
	// this rule: they stay in order behind the first.
	failed := map[string]bool{}
	outcomes := make([]outcome, len(queued))
	for i, p := range queued {
		var errs []error
		for _, name := range p.Channels {
			var c channel
			if b != nil {
				c = b.channel(name)
			}
			if c == nil {
				n.log.Warn("notification channel no longer configured, message dropped", "notify", k.notify, "rule", k.rule, "flow", k.flow, "channel", name, "event", p.Message.Event)
				outcomes[i].delivered = append(outcomes[i].delivered, name)
				continue
			}
			if failed[name] {
				continue
			}
			if err := n.send(ctx, k, c, p.Message, p.Attempts); err != nil {
				failed[name] = true
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				continue
			}
			outcomes[i].delivered = append(outcomes[i].delivered, name)
		}
		outcomes[i].err = errors.Join(errs...)
	}

	n.mu.Lock()
	defer n.mu.Unlock()
	st = n.states[k]
	next := &ruleState{NotifyState: st.NotifyState}
	anyFailed := false
	for i, p := range st.pending {
		if i >= len(outcomes) { // queued while sending
			next.pending = append(next.pending, p)
			more = !anyFailed
			continue
		}
		q := *p
		q.Channels = slices.DeleteFunc(slices.Clone(p.Channels), func(c string) bool { return slices.Contains(outcomes[i].delivered, c) })
		if len(q.Channels) == 0 {
			continue
		}
		if err := outcomes[i].err; err != nil {
			anyFailed = true
			q.Attempts++
			q.LastError = n.scrub.clean(err.Error())
		}
		q.NextAttempt = now.Add(n.retryAfter(q.Attempts))
		next.pending = append(next.pending, &q)
	}
	if err := n.store(ctx, next); err != nil {
		// Kept in memory: the next write stores it. After a restart the
		// messages delivered now may be sent again, never lost.
		n.log.Error("notification delivery state not stored", "notify", k.notify, "rule", k.rule, "flow", k.flow, "error", err)
	}
	n.states[k] = next
	if !more {
		delete(n.sending, k)
	}
	return more
}

// send tries one channel Attempts times with backoff.
func (n *Notifier) send(ctx context.Context, k key, c channel, m *Message, earlier int) error {
	wait := n.opts.Backoff
	var err error
	for attempt := 1; attempt <= n.opts.Attempts; attempt++ {
		if err = c.send(ctx, m); err == nil {
			n.log.Info("notification sent", "notify", k.notify, "rule", k.rule, "flow", k.flow, "channel", c.name(), "event", m.Event, "id", m.ID, "attempt", earlier*n.opts.Attempts+attempt)
			return nil
		}
		err = errors.New(n.scrub.clean(err.Error()))
		n.log.Warn("notification send failed", "notify", k.notify, "rule", k.rule, "flow", k.flow, "channel", c.name(), "event", m.Event, "id", m.ID, "attempt", earlier*n.opts.Attempts+attempt, "error", err)
		if attempt == n.opts.Attempts || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
	return err
}

// retryAfter is how long a message waits before its next delivery, after
// attempts failed deliveries.
func (n *Notifier) retryAfter(attempts int) time.Duration {
	if attempts == 0 {
		return 0
	}
	d := n.opts.RetryAfter
	for i := 1; i < attempts && d < n.opts.MaxRetryAfter; i++ {
		d *= 2
	}
	return min(d, n.opts.MaxRetryAfter)
}

// Pending reports how many messages wait for delivery, for metrics and
// tests.
func (n *Notifier) Pending() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	total := 0
	for _, st := range n.states {
		total += len(st.pending)
	}
	return total
}

func (n *Notifier) project(r RunReport) string {
	if r.Project != "" {
		return r.Project
	}
	return n.opts.Project
}

// more lists the commands and page that show more about a run.
func (n *Notifier) more(runID int64, records []Record, failed bool) []string {
	var out []string
	if runID != 0 {
		cmd := n.opts.Command + " log -run " + strconv.FormatInt(runID, 10)
		if failed {
			cmd += " -action error"
		}
		out = append(out, cmd)
	}
	for i, r := range records {
		if i == 3 {
			break
		}
		if r.SourceKey != "" {
			out = append(out, n.opts.Command+" trace "+shellQuote(r.SourceKey))
		}
	}
	if n.opts.RunURL != nil && runID != 0 {
		out = append(out, n.opts.RunURL(runID))
	}
	return out
}

// shellQuote quotes a value for a shell when it needs it.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == '@') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
