package engine

import (
	"context"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

// RecordURL returns the address of record id of object ("kind.name.object",
// as a flow names its source or target) in its system's web app, when the
// connection knows one (connectors.RecordLinker); "" otherwise.
func (p *Project) RecordURL(ctx context.Context, object, id string) string {
	i := strings.LastIndexByte(object, '.')
	if i < 0 || id == "" {
		return ""
	}
	c, ok := p.conns[object[:i]]
	if !ok {
		return ""
	}
	conn, err := c.open(ctx)
	if err != nil {
		return ""
	}
	l, ok := conn.(connectors.RecordLinker)
	if !ok {
		return ""
	}
	return l.RecordURL(ctx, object[i+1:], id)
}
