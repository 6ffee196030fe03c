package mockserver

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/mockd/mockd/fault"
)

// ProblemBodyUnreadable is the problem type of a request whose body could
// not be read in full (timed out, malformed chunking).
const ProblemBodyUnreadable = "urn:mockd:problem:request-body-unreadable"

// bodyReadFailed answers (or abandons) a request whose body could not be
// read in full, and journals it with the error: an incomplete body is never
// validated, matched, recorded or hashed as if it were the request. A client
// that went away (unexpected EOF, reset) gets nothing; a read that timed out
// gets 408 and a body that is too large 413; any other read error 400. The
// connection is closed after the answer, as its framing is now unknown.
func (s *Server) bodyReadFailed(w http.ResponseWriter, r *http.Request, e *Entry, got int, err error) {
	want := "unknown"
	if r.ContentLength >= 0 {
		want = fmt.Sprint(r.ContentLength)
	}
	e.BodyBytes = int64(got)
	e.Error = fmt.Sprintf("reading the request body: %v after %d of %s bytes (not served: the body is incomplete)", err, got, want)
	s.cfg.Logger.Warn("request body read failed", "method", r.Method, "path", e.Path, "read", got, "declared", want, "err", err)

	var maxErr *http.MaxBytesError
	var netErr net.Error
	status, title := http.StatusBadRequest, "Request body could not be read"
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		e.Finished = time.Now()
		e.Elapsed, e.End, e.Source = e.Finished.Sub(e.Received), fault.EndClientAborted.String(), SourceBodyError
		s.journal.add(*e)
		return
	case errors.As(err, &maxErr):
		status, title = http.StatusRequestEntityTooLarge, "Request body too large"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		status, title = http.StatusRequestTimeout, "Request body read timed out"
	}
	w.Header().Set("Connection", "close")
	writeProblem(w, &Problem{Type: ProblemBodyUnreadable, Title: title, Status: status,
		Detail: fmt.Sprintf("mockd read %d of %s body bytes, then: %v. Send the whole body (and a Content-Length that matches it).", got, want, err)})
	s.journalEarly(e, status, SourceBodyError)
}
