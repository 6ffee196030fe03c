package main

import (
	"io"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver/state"
)

// statefulSpec has four resources: notes (offset+limit), tasks
// (page+per_page), events (cursor in the body), logs (cursor in Link).
const statefulSpec = "../../mockserver/testdata/stateful.yaml"

// postNote creates a note with an Idempotency-Key and returns the status
// and the Idempotent-Replayed header.
func postNote(base, key string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodPost, base+"/notes", strings.NewReader(`{"name": "n"}`))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	code, h, body := do(req)
	Expect(code).To(Equal(http.StatusCreated), body)
	return code, h.Get("Idempotent-Replayed")
}

var _ = Describe("serve's stateful flags", func() {
	It("binds --paging and --idempotency-max-bytes into mockserver.Config", func() {
		c := &serveCommand{stdout: io.Discard, stderr: io.Discard}
		Expect(c.parse([]string{"--spec", statefulSpec, "--stateful", "--paging", "tasks=limit", "--paging", " events = none ",
			"--idempotency-max-bytes", "4096"})).To(Succeed())
		Expect(c.cfg.State.Paging).To(Equal(map[string]state.Paging{"tasks": {Style: state.PageLimit}, "events": {Style: state.PageNone}}))
		Expect(c.cfg.State.IdempotencyBytes).To(BeEquivalentTo(4096))

		c = &serveCommand{stdout: io.Discard, stderr: io.Discard}
		Expect(c.parse([]string{"--spec", statefulSpec, "--stateful"})).To(Succeed())
		Expect(c.cfg.State.Paging).To(BeEmpty())
		Expect(c.cfg.State.IdempotencyBytes).To(BeEquivalentTo(state.DefaultIdempotencyBytes))
	})

	DescribeTable("refuses bad values with exit 2, naming the flag and the fix",
		func(want string, args ...string) {
			code, _, stderr := runOnce(append([]string{"serve", "--spec", statefulSpec, "--port", "0"}, args...)...)
			Expect(code).To(Equal(2), stderr)
			Expect(stderr).To(ContainSubstring(want))
		},
		Entry("unknown style", `invalid value "notes=sideways" for --paging: style "sideways": use one of none, limit, offset, page, cursor`,
			"--stateful", "--paging", "notes=sideways"),
		Entry("no style", "for --paging: want RESOURCE=STYLE, e.g. books=cursor", "--stateful", "--paging", "notes"),
		Entry("a resource twice", "notes is paged offset already (give each resource once)", "--stateful", "--paging", "notes=offset", "--paging", "notes=none"),
		Entry("unknown resource", "--paging things: no such resource (use one of the inferred: events, logs, notes, tasks)",
			"--stateful", "--paging", "things=offset"),
		Entry("a style the list cannot page with", "--paging events: style offset needs an offset (offset, skip, start, $skip) query parameter on GET /events, which declares none (use the detected style cursor",
			"--stateful", "--paging", "events=offset"),
		Entry("paging without --stateful", "--paging needs --stateful", "--paging", "notes=offset"),
		Entry("no idempotency bytes", "--idempotency-max-bytes 0 must be positive (default 16777216, 16 MiB)", "--stateful", "--idempotency-max-bytes", "0"),
		Entry("negative idempotency bytes", "--idempotency-max-bytes -5 must be positive", "--stateful", "--idempotency-max-bytes", "-5"),
	)

	It("pages as --paging says and shows the effective paging per resource in the banner", func() {
		inst := startRun("--spec", statefulSpec, "--port", "0", "--seed", "1", "--stateful", "--paging", "tasks=limit")
		banner := string(inst.out.Contents())
		Expect(banner).To(ContainSubstring("tasks: /tasks, /tasks/{taskId} {taskId} (list=GET create=POST get=GET; paging limit per_page, set by --paging)"))
		Expect(banner).To(ContainSubstring("notes: /notes, /notes/{noteId} {noteId} (list=GET create=POST get=GET replace=PUT patch=PATCH delete=DELETE; paging offset offset+limit)"))
		Expect(banner).To(ContainSubstring("events: /events, /events/{eventId} {eventId} (list=GET create=POST get=GET; paging cursor cursor+limit, next in next_cursor)"))
		Expect(banner).To(ContainSubstring(`logs: /logs, /logs/{logId} {logId} (list=GET create=POST get=GET; paging cursor page_token+page_size, next in Link rel="next")`))
		for _, title := range []string{"a", "b", "c"} {
			req, err := http.NewRequest(http.MethodPost, inst.base+"/tasks", strings.NewReader(`{"title": "`+title+`"}`))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/json")
			code, _, body := do(req)
			Expect(code).To(Equal(http.StatusCreated), body)
		}
		// limit style: per_page is the page size, page is no paging parameter.
		code, _, body := get(inst.base + "/tasks?per_page=2&page=2")
		Expect(code).To(Equal(http.StatusOK), body)
		Expect(body).To(And(ContainSubstring(`"title":"a"`), ContainSubstring(`"title":"b"`), Not(ContainSubstring(`"title":"c"`))))
	})

	It("keeps no idempotent answer larger than --idempotency-max-bytes", func() {
		small := startRun("--spec", statefulSpec, "--port", "0", "--stateful", "--idempotency-max-bytes", "64")
		_, replayed := postNote(small.base, "k")
		Expect(replayed).To(BeEmpty())
		_, replayed = postNote(small.base, "k")
		Expect(replayed).To(BeEmpty(), "the answer did not fit in 64 bytes: the retry runs again")

		big := startRun("--spec", statefulSpec, "--port", "0", "--stateful")
		postNote(big.base, "k")
		_, replayed = postNote(big.base, "k")
		Expect(replayed).To(Equal("true"))
	})
})
