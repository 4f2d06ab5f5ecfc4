package airbyte

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// logHandler is a slog.Handler whose records become LOG messages, so that
// extract's and the Okta client's logs reach Airbyte's log view and never
// break the protocol on stdout.
type logHandler struct {
	em    *Emitter
	level slog.Level
	attrs []slog.Attr
	group string
}

// NewLogger returns a logger whose records at level and above are LOG
// messages on em.
func NewLogger(em *Emitter, level slog.Level) *slog.Logger {
	return slog.New(&logHandler{em: em, level: level})
}

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	write := func(a slog.Attr) {
		if a.Equal(slog.Attr{}) {
			return
		}
		key := a.Key
		if h.group != "" {
			key = h.group + "." + key
		}
		fmt.Fprintf(&b, " %s=%v", key, a.Value.Resolve())
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(func(a slog.Attr) bool { write(a); return true })
	return h.em.Log(airbyteLevel(r.Level), b.String())
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	c := *h
	if c.group != "" {
		name = c.group + "." + name
	}
	c.group = name
	return &c
}

func airbyteLevel(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARN"
	case l >= slog.LevelInfo:
		return "INFO"
	default:
		return "DEBUG"
	}
}
