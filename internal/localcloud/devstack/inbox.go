package devstack

import (
	"fmt"
	"log/slog"
	"net/http"

	"ossdirect/internal/localcloud/inbox"
	"ossdirect/shared/webhook"
)

// Where the event inbox (Config.Inbox) is mounted on the API listener.
const (
	// InboxPath is the stack's own webhook receiver (POST).
	InboxPath = "/_dev/webhook"
	// EventsPath lists the deliveries (GET; JSON or Server-Sent Events).
	EventsPath = "/events"
)

// startInbox sets up the event inbox when cfg.Inbox is on. Without a
// WebhookURL it makes the stack its own receiver: a fresh whsec_ secret,
// and cfg's WebhookURL and WebhookSecrets pointing at InboxPath, so the
// functions built from cfg deliver there. With one, the inbox only says
// where events go.
func (s *Stack) startInbox(cfg *Config, log *slog.Logger) error {
	if !cfg.Inbox {
		return nil
	}
	icfg := inbox.Config{CORSOrigins: cfg.CORSOrigins, Logger: log.With("component", "inbox")}
	if cfg.WebhookURL != "" {
		icfg.ForwardTo = cfg.WebhookURL
	} else {
		cfg.WebhookURL = s.API + InboxPath
		cfg.WebhookSecrets = []string{webhook.NewSecret()}
		icfg.Receiver, icfg.Secrets = cfg.WebhookURL, cfg.WebhookSecrets
		s.inboxReceives = true
	}
	ib, err := inbox.New(icfg)
	if err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	s.inbox, s.Events = ib, s.API+EventsPath
	return nil
}

// mountInbox adds the inbox's routes to mux, if there is an inbox.
func (s *Stack) mountInbox(mux *http.ServeMux) {
	if s.inbox == nil {
		return
	}
	if s.inboxReceives {
		mux.HandleFunc("POST "+InboxPath, s.inbox.Receive)
	}
	mux.HandleFunc("GET "+EventsPath, s.inbox.Events)
	mux.HandleFunc("OPTIONS "+EventsPath, s.inbox.Events) // CORS preflight (Config.CORSOrigins)
}

// receiver is what the status page says about the inbox's receiver.
func (s *Stack) receiver() string {
	if s.inbox == nil {
		return ""
	}
	return s.inbox.Receiver()
}
