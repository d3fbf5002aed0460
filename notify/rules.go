package notify

import (
	"fmt"
	"time"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/state"
)

// evaluate applies a finished run to the state of one rule and returns
// the message of a transition, or nil. A run "fails" when it stops with an
// error (r.Err); its records failing is the records_failed rule's matter.
func (n *Notifier) evaluate(k key, rule dsl.NotifyRule, st *ruleState, r RunReport) *Message {
	failed, total := max(failures(r.Counts), len(r.Failed)), handled(r.Counts)
	var failing bool
	switch rule.Kind {
	case dsl.RuleRunFailed:
		failing = r.Err != nil
	case dsl.RuleRecordsFailed:
		if r.Err != nil && total == 0 {
			return nil // the run stopped before its records: nothing to judge
		}
		if rule.Share > 0 {
			failing = total > 0 && float64(failed) >= rule.Share*float64(total)
		} else {
			failing = failed >= rule.Count
		}
	case dsl.RuleConsecutiveFailures:
		if r.Err != nil {
			st.Count++
		} else {
			st.Count = 0
		}
		failing = st.Count >= rule.Count
	case dsl.RuleNoSuccess:
		if r.Err == nil {
			st.LastSuccess, st.Count = r.Ended, 1
		} else if st.LastSuccess.IsZero() {
			st.LastSuccess = r.Started // watching begins
		}
		failing = r.Err != nil && r.Ended.Sub(st.LastSuccess) > rule.Within
	case dsl.RulePickupLag:
		if !r.HasPickupLag {
			return nil
		}
		failing = r.PickupLag > rule.Within
	default:
		return nil
	}
	return n.transition(k, rule, st, failing, r.Ended, func(m *Message) { n.describeRun(m, rule, st, r) })
}

// checkNoSuccess is the no_success rule over time alone.
func (n *Notifier) checkNoSuccess(k key, rule dsl.NotifyRule, st *ruleState, now time.Time) *Message {
	if st.LastSuccess.IsZero() {
		st.LastSuccess = now // watching begins
		return nil
	}
	if st.Status == state.NotifyFailing || now.Sub(st.LastSuccess) <= rule.Within {
		return nil
	}
	return n.transition(k, rule, st, true, now, func(m *Message) {
		m.Summary = n.noSuccessSummary(st, now)
	})
}

func (n *Notifier) noSuccessSummary(st *ruleState, now time.Time) string {
	if st.Count == 0 {
		return fmt.Sprintf("no successful run in %s, since kopla began watching at %s", roundDuration(now.Sub(st.LastSuccess)), formatTime(st.LastSuccess))
	}
	return fmt.Sprintf("no successful run in %s; the last ended at %s", roundDuration(now.Sub(st.LastSuccess)), formatTime(st.LastSuccess))
}

// transition moves st to failing or ok and returns the message when that
// is a change; describe fills in what happened.
func (n *Notifier) transition(k key, rule dsl.NotifyRule, st *ruleState, failing bool, at time.Time, describe func(*Message)) *Message {
	was := st.Status == state.NotifyFailing
	if failing == was {
		return nil
	}
	event := EventFailing
	m := &Message{
		FormatVersion: FormatVersion,
		Notify:        k.notify,
		Rule:          k.rule,
		Project:       n.opts.Project,
		Flow:          k.flow,
		Threshold:     threshold(rule),
		At:            at.UTC(),
	}
	if failing {
		st.Status = state.NotifyFailing
	} else {
		event = EventRecovered
		m.FailingSince = st.Since.UTC()
		st.Status = state.NotifyOK
	}
	st.Since = at
	m.Event = event
	m.ID = messageID(k, at, event)
	m.DedupKey = dedupKey(m.Project, k)
	describe(m)
	return m
}

// describeRun fills a message from the run that made the transition.
func (n *Notifier) describeRun(m *Message, rule dsl.NotifyRule, st *ruleState, r RunReport) {
	m.Project = n.project(r)
	m.DedupKey = dedupKey(m.Project, key{m.Notify, m.Rule, m.Flow})
	m.RunID = r.RunID
	failed := max(failures(r.Counts), len(r.Failed))
	total := max(handled(r.Counts), failed)
	if r.Err != nil {
		service, status, code, msg := apiError(r.Err)
		m.Error = &Problem{Service: service, Status: status, Code: code, Message: n.scrub.clean(msg)}
	}
	if failed > 0 || len(r.Failed) > 0 {
		m.RecordsFailed = failed
		m.RecordsTotal = total
		for i, fr := range r.Failed {
			if i == maxRecords {
				break
			}
			m.Records = append(m.Records, n.record(fr))
		}
	}
	run := fmt.Sprintf("run %d", r.RunID)
	if r.RunID == 0 {
		run = "the run"
	}
	recovered := m.Event == EventRecovered
	switch rule.Kind {
	case dsl.RuleRunFailed:
		if recovered {
			m.Summary = run + " ran to the end"
		} else {
			m.Summary = run + " failed"
			if m.Error != nil {
				m.Summary += ": " + m.Error.String()
			}
		}
	case dsl.RuleRecordsFailed:
		if recovered {
			m.Summary = fmt.Sprintf("%d of %d records failed in %s", failed, total, run)
		} else {
			m.Summary = fmt.Sprintf("%d of %d records failed in %s", m.RecordsFailed, total, run)
		}
	case dsl.RuleConsecutiveFailures:
		if recovered {
			m.Summary = run + " ran to the end after failed runs"
		} else {
			m.Summary = fmt.Sprintf("%d runs in a row failed, the last %s", st.Count, run)
			if m.Error != nil {
				m.Summary += ": " + m.Error.String()
			}
		}
	case dsl.RuleNoSuccess:
		if recovered {
			m.Summary = run + " succeeded"
		} else {
			m.Summary = n.noSuccessSummary(st, r.Ended) + "; " + run + " failed too"
		}
	case dsl.RulePickupLag:
		m.Summary = fmt.Sprintf("%s picked up changes %s after they were made", run, roundDuration(r.PickupLag))
	}
	m.More = n.more(r.RunID, m.Records, m.RecordsFailed > 0 && !recovered)
}

// record is a failed record as a message names it: its label (unless
// sensitive) and keys, its field and the API's answer, scrubbed.
func (n *Notifier) record(fr FailedRecord) Record {
	rec := Record{
		SourceKey: n.scrub.clean(fr.SourceKey),
		Key:       n.scrub.clean(fr.Key),
		Field:     fr.Field,
		Problem:   Problem{Service: fr.Service, Status: fr.Status, Code: fr.Code, Message: fr.Message},
	}
	if !fr.LabelSensitive {
		rec.Label = n.scrub.secretsOnly(fr.Label)
	}
	if fr.Err != nil && fr.Service == "" && fr.Code == "" && fr.Message == "" {
		rec.Service, rec.Status, rec.Code, rec.Message = apiError(fr.Err)
	}
	rec.Message = n.scrub.clean(rec.Message)
	return rec
}
