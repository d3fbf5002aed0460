package engine

import (
	"slices"
)

// envWarnings is where a record's expression environment holds the
// warnings its expressions attach (warn). Like envFinds it is not an
// identifier: only the calls the fastPatcher rewrites reach it.
const envWarnings = "$warnings"

// recordWarnings collects the warnings of one record's evaluation, each
// once, in the order they were first given.
type recordWarnings struct {
	list []string
}

func (w *recordWarnings) add(msg string) {
	if msg != "" && !slices.Contains(w.list, msg) {
		w.list = append(w.list, msg)
	}
}

// keep drops the warnings added after the first n: an evaluation that
// stopped to fetch find() results runs again and gives them again.
func (w *recordWarnings) keep(n int) {
	if w != nil && n < len(w.list) {
		w.list = w.list[:n]
	}
}

func (w *recordWarnings) len() int {
	if w == nil {
		return 0
	}
	return len(w.list)
}

// warn is the function as expressions are checked against: warn(message)
// is nil, warn(message, value) is value. The programs that run call
// warnIn, which also attaches the message to the record's change.
func warn(params ...any) (any, error) {
	if len(params) > 1 {
		return params[1], nil
	}
	return nil, nil
}

// warnIn is warn as the programs that run call it: its first argument is
// the caller's environment. Where the environment collects no warnings
// (fields evaluated again at apply) the message was given at plan already.
func warnIn(args ...any) any {
	env, _ := args[0].(map[string]any)
	if w, ok := env[envWarnings].(*recordWarnings); ok && w != nil {
		w.add(stringOf(args[1]))
	}
	return must(warn(args[1:]...))
}
