package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxNoteBody bounds the body of POST /notes.
const maxNoteBody = 64 << 10

// Note is one stored note.
type Note struct {
	ID      int       `json:"id"`
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
}

// Handler serves the notes API of openapi.yaml from memory. It is safe for
// concurrent use.
type Handler struct {
	mux   *http.ServeMux
	now   func() time.Time
	mu    sync.Mutex
	notes []Note
}

// NewHandler returns an empty notes API. now is the clock for Created
// (time.Now when nil).
func NewHandler(now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	h := &Handler{mux: http.NewServeMux(), now: now}
	h.mux.HandleFunc("POST /notes", h.create)
	h.mux.HandleFunc("GET /notes/{id}", h.get)
	return h
}

// ServeHTTP routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNoteBody+1))
	if err != nil || len(body) > maxNoteBody {
		problem(w, http.StatusBadRequest, "the body could not be read or is over 64 KiB")
		return
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Text == "" {
		problem(w, http.StatusBadRequest, `a note is {"text": "..."} with a non-empty text`)
		return
	}
	h.mu.Lock()
	n := Note{ID: len(h.notes) + 1, Text: in.Text, Created: h.now().UTC()}
	h.notes = append(h.notes, n)
	h.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("/notes/%d", n.ID))
	writeJSON(w, http.StatusCreated, "application/json", n)
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil || id < 1 || id > len(h.notes) {
		problem(w, http.StatusNotFound, "no such note")
		return
	}
	writeJSON(w, http.StatusOK, "application/json", h.notes[id-1])
}

func problem(w http.ResponseWriter, status int, title string) {
	writeJSON(w, status, "application/problem+json", map[string]any{"title": title, "status": status})
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
