package dashboard

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// bar is one run of a stacked chart: its records by action.
type bar struct {
	Label, Href string
	Counts      map[string]int
}

// chart is an SVG picture rendered by the server, with its text
// alternative (the same numbers, for screen readers and without images).
type chart struct {
	Title string
	SVG   template.HTML
	Empty bool
	// Legend names the colours of a chart whose stacks are not actions.
	Legend []legendItem
}

type legendItem struct{ Name, Color string }

// actionColors colour the stacks: failures red, as everywhere. They are
// SVG presentation attributes, which the CSP allows (no inline style).
var actionColors = map[string]string{
	"create": "#2e7d32", "update": "#1565c0", "no_op": "#9e9e9e", "skip": "#bdbdbd",
	"error": "#c62828", "blocked": "#ef6c00", "ignored": "#6d4c41",
}

// series is what a stacked chart stacks: its keys, bottom first, their
// colours, and how a value reads (a count, a duration).
type series struct {
	Keys   []string
	Color  func(key string) string
	Format func(n int) string
}

var actionSeries = series{Keys: actions, Color: func(a string) string { return actionColors[a] }, Format: strconv.Itoa}

// stackedChart draws bars stacked by action, one per run, oldest left.
func stackedChart(title string, bars []bar) chart { return drawStacked(title, actionSeries, bars) }

// drawStacked draws bars stacked by the keys of se, one per run, oldest
// left.
func drawStacked(title string, se series, bars []bar) chart {
	c := chart{Title: title, Empty: len(bars) == 0}
	if c.Empty {
		return c
	}
	const w, h, pad = 600, 160, 24
	max := 1
	for _, b := range bars {
		n := 0
		for _, a := range se.Keys {
			n += b.Counts[a]
		}
		max = maxInt(max, n)
	}
	bw := float64(w-2*pad) / float64(len(bars))
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, template.HTMLEscapeString(title))
	fmt.Fprintf(&sb, `<title>%s</title>`, template.HTMLEscapeString(title))
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="currentColor" stroke-width="1"/>`, pad, h-pad, w-pad, h-pad)
	fmt.Fprintf(&sb, `<text x="%d" y="14" fill="currentColor" font-size="11">%s</text>`, 2, template.HTMLEscapeString(se.Format(max)))
	for i, b := range bars {
		x := float64(pad) + float64(i)*bw
		y := float64(h - pad)
		fmt.Fprintf(&sb, `<a href="%s">`, template.HTMLEscapeString(b.Href))
		for _, a := range se.Keys {
			n := b.Counts[a]
			if n == 0 {
				continue
			}
			bh := float64(h-2*pad) * float64(n) / float64(max)
			y -= bh
			fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				x+1, y, bw-2, bh, se.Color(a), template.HTMLEscapeString(b.Label), template.HTMLEscapeString(a), template.HTMLEscapeString(se.Format(n)))
		}
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" fill="currentColor" font-size="10" text-anchor="middle">%s</text></a>`,
			x+bw/2, h-8, template.HTMLEscapeString(b.Label))
	}
	sb.WriteString(`</svg>`)
	c.SVG = template.HTML(sb.String()) // built from escaped parts above
	return c
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"count":   func(m map[string]int, a string) int { return m[a] },
	"actions": func() []string { return actions },
	"color":   func(a string) string { return actionColors[a] },
	"failure": isFailure,
	"list":    func(s ...string) []string { return s },
	"total": func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	},
}
