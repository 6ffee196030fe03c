package mockserver_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

// failingBody yields data, then err.
type failingBody struct {
	data io.Reader
	err  error
}

func (b *failingBody) Read(p []byte) (int, error) {
	n, err := b.data.Read(p)
	if err == io.EOF {
		return n, b.err
	}
	return n, err
}

func (b *failingBody) Close() error { return nil }

var _ = Describe("A request body that cannot be read in full", func() {
	It("is neither served nor journalled as complete when the client closes early", func() {
		srv := newServer(mockserver.SpecFile(bookstore))
		in, err := srv.Start("127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Close)
		conn, err := net.DialTimeout("tcp", in.Addr(), 2*time.Second)
		Expect(err).NotTo(HaveOccurred())
		_, err = fmt.Fprintf(conn, "POST /books HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer t\r\n"+
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"isbn\":12", in.Addr())
		Expect(err).NotTo(HaveOccurred())
		Expect(conn.Close()).To(Succeed())

		Eventually(srv.Journal().Len).Should(Equal(1))
		e := srv.Journal().Entries(mockserver.Filter{})[0]
		Expect(e.Error).To(ContainSubstring("unexpected EOF after 10 of 1000 bytes"))
		Expect(e.BodyHash).To(BeEmpty(), "a partial body must not be hashed as the request's")
		Expect(e.BodyBytes).To(BeNumerically("==", 10))
		Expect(e.Status).To(BeZero())
		Expect(e.End).To(Equal("client_aborted"))
		Expect(e.Source.String()).To(Equal("body-error"))
	})

	It("answers 408 when the body read times out, and journals the error", func() {
		srv := newServer(mockserver.SpecFile(bookstore))
		req := httptest.NewRequest("POST", "/books", nil)
		req.Body = &failingBody{data: strings.NewReader(`{"isbn":"9`), err: os.ErrDeadlineExceeded}
		req.ContentLength = 1000
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		resp := rec.Result()
		Expect(resp.StatusCode).To(Equal(http.StatusRequestTimeout))
		Expect(resp.Header.Get("Connection")).To(Equal("close"))
		Expect(problemOf(resp)["detail"]).To(ContainSubstring("read 10 of 1000 body bytes"))
		e := srv.Journal().Entries(mockserver.Filter{})[0]
		Expect(e.Status).To(Equal(http.StatusRequestTimeout))
		Expect(e.BodyHash).To(BeEmpty())
		Expect(e.Error).To(ContainSubstring("i/o timeout after 10 of 1000 bytes"))
	})
})
