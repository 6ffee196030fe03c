package mockserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/mockd/mockd/webhook"
)

// webhookAdmin registers the webhook endpoints of the admin API (the admin
// guard applies to them as to the rest):
//
//	GET    /__mockd/webhooks                 the spec's webhooks and callbacks, whether signing is on
//	POST   /__mockd/webhooks/{name}/fire     send one: 200 delivered, 202 held (out_of_order),
//	                                         502 not delivered; body {"url": ..., "body": ...} optional
//	GET    /__mockd/webhooks/deliveries      the delivery journal (?webhook=NAME)
//	DELETE /__mockd/webhooks/deliveries      clear it
func (s *Server) webhookAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /__mockd/webhooks", s.adminWebhooks)
	mux.HandleFunc("POST /__mockd/webhooks/{name}/fire", s.adminFire)
	mux.HandleFunc("GET /__mockd/webhooks/deliveries", func(w http.ResponseWriter, r *http.Request) {
		var at []webhook.Attempt
		if j := s.WebhookDeliveries(); j != nil {
			at = j.Attempts(r.URL.Query().Get("webhook"))
		}
		if at == nil {
			at = []webhook.Attempt{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": len(at), "deliveries": at})
	})
	mux.HandleFunc("DELETE /__mockd/webhooks/deliveries", func(w http.ResponseWriter, _ *http.Request) {
		if j := s.WebhookDeliveries(); j != nil {
			j.Clear()
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// webhookInfo describes one event in GET /__mockd/webhooks.
type webhookInfo struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"` // webhook | callback
	Method     string `json:"method"`
	Operation  string `json:"operation,omitempty"`  // callbacks: the triggering operation
	Expression string `json:"expression,omitempty"` // callbacks: the URL's runtime expression
}

func (s *Server) adminWebhooks(w http.ResponseWriter, _ *http.Request) {
	h := s.hooks
	list := make([]webhookInfo, 0, len(h.names))
	for _, n := range h.names {
		d := h.defs[n]
		info := webhookInfo{Name: n, Kind: "webhook", Method: d.method}
		if !d.isWebhook {
			info.Kind, info.Operation, info.Expression = "callback", d.trigger.ID, d.expr
		}
		list = append(list, info)
	}
	out := map[string]any{"enabled": h.d != nil, "webhooks": list, "url": s.cfg.Redactor.URL(h.url)}
	if h.d != nil {
		out["scheme"] = h.d.Scheme().Name()
	}
	writeJSON(w, http.StatusOK, out)
}

// fireRequest is the optional body of POST /__mockd/webhooks/{name}/fire.
type fireRequest struct {
	URL  string          `json:"url"`
	Body json.RawMessage `json:"body"`
}

func (s *Server) adminFire(w http.ResponseWriter, r *http.Request) {
	var fr fireRequest
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	switch {
	case err != nil:
		adminError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	case len(raw) > maxAdminBody:
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("fire requests larger than %d bytes", maxAdminBody))
		return
	case len(raw) > 0:
		if err := json.Unmarshal(raw, &fr); err != nil {
			adminError(w, http.StatusBadRequest, fmt.Sprintf(`the body must be JSON such as {"url": "http://127.0.0.1:9000/hooks"}: %v`, err))
			return
		}
	}
	opts := FireOptions{URL: fr.URL}
	if len(fr.Body) > 0 {
		opts.Body = fr.Body
	}
	res, err := s.FireWebhook(r.Context(), r.PathValue("name"), opts)
	switch {
	case errors.Is(err, ErrNoWebhook):
		adminError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrWebhooksOff):
		adminError(w, http.StatusConflict, err.Error())
	case errors.Is(err, webhook.ErrUndelivered):
		writeJSON(w, http.StatusBadGateway, map[string]any{"result": res, "error": s.cfg.Redactor.Text(err.Error())})
	case err != nil:
		adminError(w, http.StatusBadRequest, s.cfg.Redactor.Text(err.Error()))
	case res.Held:
		writeJSON(w, http.StatusAccepted, map[string]any{"result": res})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"result": res})
	}
}

// startSchedules runs the webhooks file's schedules until the returned
// stop is called; stop also sends held messages and waits for callbacks.
func (s *Server) startSchedules() func() {
	h := s.hooks
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if h.d != nil && h.file != nil {
		for _, sc := range h.file.Schedule {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sc.Run(ctx, func(ctx context.Context) error {
					_, err := s.FireWebhook(ctx, sc.Webhook, FireOptions{URL: sc.URL})
					return err
				}, func(err error) {
					s.cfg.Logger.Warn("scheduled webhook not delivered", "webhook", sc.Webhook, "err", err)
				})
			}()
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			h.wg.Wait()
			if h.d != nil {
				h.d.Close()
			}
		})
	}
}
