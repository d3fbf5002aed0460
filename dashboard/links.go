package dashboard

import (
	"context"

	"github.com/kopla-dev/kopla/engine/state"
)

// linkView is a link of a record with the address of its target record.
type linkView struct {
	state.Link
	URL string
}

// flow returns the project's flow named name (zero when there is none).
func (s *server) flow(name string) Flow {
	for _, f := range s.opts.Project.Flows {
		if f.Name == name {
			return f
		}
	}
	return Flow{}
}

// recordURL is Options.RecordURL, "" without one.
func (s *server) recordURL(ctx context.Context, object, id string) string {
	if s.opts.RecordURL == nil || object == "" || id == "" {
		return ""
	}
	return s.opts.RecordURL(ctx, object, id)
}
