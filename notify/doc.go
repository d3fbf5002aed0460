// Package notify sends the notifications of a project's notify blocks:
// when a rule (a run failed, records failed, consecutive failed runs, no
// successful run within a duration, change pickup lagging) begins to fail
// for a flow, and when it recovers, by e-mail (SMTP with STARTTLS and auth,
// through github.com/wneessen/go-mail), a Slack incoming webhook, or a
// generic JSON webhook signed with HMAC-SHA256.
//
// kopla serve hands a [Notifier] a [RunReport] after each run of a flow
// ([Notifier.RunFinished]) and calls [Notifier.Check] periodically for the
// rules that fail with time alone and for the deliveries to retry. The
// state of each rule and flow, and the messages not delivered yet, live in
// the project's state (engine/state, table notify_states): a transition
// and its message are stored before anything is sent, so that a restart
// neither resends nor forgets one.
//
// A message names the flow, its failed records (labels and keys, the first
// few and a count), the field and the API's error code and message, and
// the commands that show more (kopla log -run ID, kopla trace KEY). It
// never holds a secret kopla knows, and API messages and keys are scrubbed
// of e-mail addresses: the only personal data is the record labels the
// flows configure, and not those that hold a sensitive field.
package notify
