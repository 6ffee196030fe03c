package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mockd/mockd/fault"
)

// maxAdminBody bounds the body of admin requests (fault rule files).
const maxAdminBody = 1 << 20

// adminHandler serves the admin API under AdminPrefix:
//
//	GET    /__mockd/health                  status, seed, uptime, operation and rule counts, goroutines, spec
//	                                        warnings, operations disabled by --lenient
//	GET    /__mockd/requests                journal page (filters: path, method, operation, rule, key, header, since; after=cursor, limit<=MaxJournalPage)
//	DELETE /__mockd/requests                clear the journal
//	GET    /__mockd/faults                  the fault rules in evaluation order
//	POST   /__mockd/faults                  add rules (a fault file, YAML or JSON); ?replace=true replaces all
//	DELETE /__mockd/faults                  remove every rule
//	DELETE /__mockd/faults/{name}           remove one rule
//	POST   /__mockd/faults/{name}/arm       restart a rule's phase and sequences
//	GET    /__mockd/webhooks                the spec's webhooks and callbacks (webhooks_admin.go)
//	POST   /__mockd/webhooks/{name}/fire    send one ({"url": ...} optional)
//	GET    /__mockd/webhooks/deliveries     the delivery journal (?webhook=NAME); DELETE clears it
//	POST   /__mockd/reset                   reset faults, journal, dynamic counters, cassette positions and (--stateful) the initial data
//	GET    /__mockd/state                   (--stateful) the resources and their stored items
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__mockd/health", s.adminHealth)
	mux.HandleFunc("GET /__mockd/requests", s.adminRequests)
	mux.HandleFunc("DELETE /__mockd/requests", func(w http.ResponseWriter, _ *http.Request) {
		s.journal.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__mockd/faults", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"seed": s.faults.Seed(), "rules": s.faults.Rules()})
	})
	mux.HandleFunc("POST /__mockd/faults", s.adminAddFaults)
	mux.HandleFunc("DELETE /__mockd/faults", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.faults.SetRules(&fault.RuleSet{}); err != nil {
			adminError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /__mockd/faults/{name}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.faults.RemoveRule(r.PathValue("name")); err != nil {
			adminError(w, ruleErrorStatus(err), ruleErrorDetail(err, r.PathValue("name")))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /__mockd/faults/{name}/arm", func(w http.ResponseWriter, r *http.Request) {
		if err := s.faults.Arm(r.PathValue("name")); err != nil {
			adminError(w, ruleErrorStatus(err), ruleErrorDetail(err, r.PathValue("name")))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.webhookAdmin(mux)
	mux.HandleFunc("POST /__mockd/reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__mockd/state", s.adminState)
	mux.HandleFunc(AdminPrefix, func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, fmt.Sprintf("no admin endpoint %s %s (see GET /__mockd/health and the README's admin API)", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) adminHealth(w http.ResponseWriter, _ *http.Request) {
	var specFile string
	var ops, interactions int
	if s.spec != nil {
		specFile, ops = s.spec.File, len(s.spec.Operations)
	}
	if s.cfg.Cassettes != nil {
		interactions = s.cfg.Cassettes.Len()
	}
	warnings, disabled := []string{}, []string{}
	if s.spec != nil {
		warnings = append(warnings, s.spec.Warnings...)
		for _, d := range s.spec.Disabled {
			disabled = append(disabled, d.String())
		}
	}
	if ex := s.exampleWarnings.Load(); ex != nil {
		warnings = append(warnings, *ex...)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status":        "ok",
		"warnings":      warnings,
		"disabled":      disabled,
		"spec":          specFile,
		"operations":    ops,
		"interactions":  interactions,
		"seed":          s.seed,
		"fault_seed":    s.faults.Seed(),
		"rules":         len(s.faults.Rules()),
		"journal":       s.journal.Len(),
		"journal_bytes": s.journal.Bytes(),
		"in_flight":     s.journal.InFlight(),
		"uptime_ms":     time.Since(s.started).Milliseconds(),
		"goroutines":    runtime.NumGoroutine(),
	})
}

// MaxJournalPage is the most entries one GET /__mockd/requests returns (and
// its default limit); page on with after=<next>.
const MaxJournalPage = 1000

func (s *Server) adminRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{
		Path: q.Get("path"), Method: q.Get("method"), Operation: q.Get("operation"),
		Rule: q.Get("rule"), Key: q.Get("key"), Header: q.Get("header"),
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("since=%q is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)", v))
			return
		}
		f.Since = t
	}
	limit := MaxJournalPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxJournalPage {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("limit=%q must be an integer from 0 to %d (page on with after=<next>)", v, MaxJournalPage))
			return
		}
		if n > 0 {
			limit = n
		}
	}
	forward := q.Has("after")
	if forward {
		n, err := strconv.ParseUint(q.Get("after"), 10, 64)
		if err != nil {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("after=%q is not a cursor (the \"next\" of the previous page, or 0 for the oldest)", q.Get("after")))
			return
		}
		f.After = n
	}
	streamPage(w, s.journal.Page(f, limit, forward))
}

// streamPage writes a journal page as JSON, encoding the entries one by one
// rather than building the whole document in memory.
func streamPage(w http.ResponseWriter, p Page) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := fmt.Fprintf(w, "{\"count\": %d, \"next\": %d, \"more\": %t, \"requests\": [", len(p.Entries), p.Next, p.More)
	enc := json.NewEncoder(w)
	for i := range p.Entries {
		if err != nil {
			return // the client left: stop encoding
		}
		if i > 0 {
			_, err = io.WriteString(w, ",")
		}
		if err == nil {
			err = enc.Encode(&p.Entries[i])
		}
		p.Entries[i] = Entry{} // let encoded entries go
	}
	_, _ = io.WriteString(w, "]}\n")
}

func (s *Server) adminAddFaults(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil {
		adminError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	if len(body) > maxAdminBody {
		adminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("fault rules larger than %d bytes", maxAdminBody))
		return
	}
	rs, err := fault.ParseRules(body, "POST "+r.URL.Path)
	if err != nil {
		adminError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if replace, _ := strconv.ParseBool(r.URL.Query().Get("replace")); replace {
		err = s.faults.SetRules(rs)
	} else {
		err = s.faults.AddRules(rs)
	}
	if err != nil {
		adminError(w, http.StatusConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"seed": s.faults.Seed(), "rules": s.faults.Rules()})
}

func ruleErrorStatus(err error) int {
	if errors.Is(err, fault.ErrNoRule) {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// ruleErrorDetail says, in the admin API's terms, that no rule has the
// name in the URL; other errors as they are.
func ruleErrorDetail(err error, name string) string {
	if errors.Is(err, fault.ErrNoRule) {
		return fmt.Sprintf("no fault rule named %q (GET /__mockd/faults lists the rules in effect)", name)
	}
	return err.Error()
}

func adminError(w http.ResponseWriter, status int, detail string) {
	writeProblem(w, &Problem{Type: ProblemAdmin, Title: strings.ToLower(http.StatusText(status)), Status: status, Detail: detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		adminError(w, http.StatusInternalServerError, "encoding the answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
