package problem

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		doc        any
		wantStatus int
		wantBody   string
	}{
		{"members in the caller's order", http.StatusNotFound,
			struct {
				Type   string `json:"type"`
				Status int    `json:"status"`
			}{"urn:x", 404},
			http.StatusNotFound, `{"type":"urn:x","status":404}`},
		{"a map extended by the caller", http.StatusBadRequest, Doc("about:blank", "Bad", 400, "why"),
			http.StatusBadRequest, `{"detail":"why","status":400,"title":"Bad","type":"about:blank"}`},
		{"an unencodable document falls back to 500", http.StatusTeapot, map[string]any{"f": func() {}},
			http.StatusInternalServerError, fallback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.Header().Set("Cache-Control", "no-store")
			if got := Write(rec, tc.status, tc.doc); got != tc.wantStatus {
				t.Errorf("Write returned %d, want %d", got, tc.wantStatus)
			}
			if rec.Code != tc.wantStatus || rec.Body.String() != tc.wantBody {
				t.Errorf("wrote %d %s, want %d %s", rec.Code, rec.Body, tc.wantStatus, tc.wantBody)
			}
			h := rec.Header()
			if h.Get("Content-Type") != ContentType || h.Get("Content-Length") != strconv.Itoa(len(tc.wantBody)) || h.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v: want the problem type, the exact length and the caller's Cache-Control", h)
			}
		})
	}
}
