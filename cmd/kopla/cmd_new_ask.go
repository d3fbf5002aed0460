package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// asker asks kopla new's questions. Interactively it prints a question and
// reads the answer from stdin, asking again after a bad answer; otherwise
// (-yes, or stdin is not a terminal) every question takes the value its
// flag gave, or its default, and a bad or missing one fails with the flag
// to set.
type asker struct {
	out         io.Writer
	in          *bufio.Reader
	stdin       any // for reading secrets without echo on a terminal
	interactive bool
}

// errNoAnswer is a question that cannot be answered non-interactively.
var errNoAnswer = errors.New("no answer")

// question is one thing kopla new asks.
type question struct {
	// prompt is the question; help, when set, is printed above it.
	prompt, help string
	// what names the answer in messages: "the setting home_country".
	what string
	// flag names the flag (or environment variable) that answers the
	// question non-interactively, for messages: "-flow NAME".
	flag string
	// given is the answer from a flag; set is false when none was given.
	given string
	set   bool
	// def is the default, taken on an empty answer; hasDef is false when
	// the question must be answered.
	def    string
	hasDef bool
	secret bool
	// check returns the answer to keep (normalised) or why it is wrong,
	// as a sentence that says what to answer.
	check func(ctx context.Context, answer string) (string, error)
}

// ask returns the checked answer to q.
func (a *asker) ask(ctx context.Context, q question) (string, error) {
	if q.set || !a.interactive {
		answer := q.given
		if !q.set {
			if !q.hasDef {
				return "", fmt.Errorf("%s: %w: give it with %s", q.what, errNoAnswer, q.flag)
			}
			answer = q.def
		}
		got, err := a.checked(ctx, q, answer)
		if err != nil && !a.interactive {
			return "", fmt.Errorf("%s %s is not accepted: %w (set it with %s)", q.what, shown(q, answer), err, q.flag)
		}
		if err == nil {
			return got, nil
		}
		// A bad flag value at a terminal: say so and ask.
		fmt.Fprintf(a.out, "%s %s is not accepted: %s\n", q.what, shown(q, answer), err)
	}
	if q.help != "" {
		fmt.Fprintf(a.out, "\n%s\n", q.help)
	}
	for {
		prompt := q.prompt
		if q.hasDef && !q.secret {
			prompt += fmt.Sprintf(" [%s]", q.def)
		}
		fmt.Fprintf(a.out, "%s ", prompt)
		answer, err := a.readLine(ctx, q.secret)
		if err != nil {
			return "", err
		}
		if answer == "" {
			if !q.hasDef {
				fmt.Fprintf(a.out, "  An answer is needed (non-interactively: %s).\n", q.flag)
				continue
			}
			answer = q.def
		}
		got, err := a.checked(ctx, q, answer)
		if err == nil {
			return got, nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		fmt.Fprintf(a.out, "  %s is not accepted: %s\n", shown(q, answer), err)
	}
}

func (a *asker) checked(ctx context.Context, q question, answer string) (string, error) {
	if q.check == nil {
		return answer, nil
	}
	return q.check(ctx, answer)
}

// shown is an answer as messages show it: a secret never.
func shown(q question, answer string) string {
	if q.secret {
		return "(the secret given)"
	}
	return fmt.Sprintf("%q", answer)
}

// readLine reads one answer, ending early when ctx is done (Ctrl-C). A
// secret is read without echo when stdin is a terminal.
func (a *asker) readLine(ctx context.Context, secret bool) (string, error) {
	type line struct {
		s   string
		err error
	}
	got := make(chan line, 1)
	go func() {
		// The goroutine ends when stdin yields a line or EOF; if ctx ends
		// first, the command is about to return anyway.
		if f, ok := a.stdin.(*os.File); ok && secret && term.IsTerminal(int(f.Fd())) {
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(a.out)
			got <- line{string(b), err}
			return
		}
		s, err := a.in.ReadString('\n')
		if err == io.EOF && s != "" {
			err = nil
		}
		got <- line{s, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.out)
		return "", ctx.Err()
	case l := <-got:
		if l.err != nil {
			return "", fmt.Errorf("read the answer: %w", l.err)
		}
		return strings.TrimSpace(l.s), nil
	}
}
