package mockserver_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

var _ = Describe("Config", func() {
	var spec *validator.Spec
	BeforeEach(func() {
		var err error
		spec, err = validator.Load(bookstore, validator.WithFormatAssertions())
		Expect(err).NotTo(HaveOccurred())
	})

	It("builds the same server from a filled Config as from the Option setters", func() {
		seed := uint64(42)
		cfg := mockserver.DefaultConfig()
		cfg.Spec, cfg.Seed, cfg.Dynamic = spec, &seed, true
		fromConfig, err := mockserver.NewFromConfig(cfg)
		Expect(err).NotTo(HaveOccurred())
		fromOptions, err := mockserver.New(mockserver.WithSpec(spec), mockserver.Seed(42), mockserver.Dynamic(true))
		Expect(err).NotTo(HaveOccurred())

		Expect(fromConfig.Seed()).To(Equal(uint64(42)))
		Expect(fromConfig.Spec()).To(BeIdenticalTo(spec))
		a, b := call(fromConfig, "GET", "/books", ""), call(fromOptions, "GET", "/books", "")
		Expect(a.StatusCode).To(Equal(200))
		Expect(bodyOf(a)).To(Equal(bodyOf(b)), "dynamic bodies with the same seed")
		Expect(a.Header.Get("Access-Control-Allow-Origin")).To(Equal("*"), "DefaultConfig turns CORS on")
	})

	It("leaves CORS off in the zero Config", func() {
		srv, err := mockserver.NewFromConfig(mockserver.Config{Spec: spec})
		Expect(err).NotTo(HaveOccurred())
		Expect(call(srv, "GET", "/books", "", "Origin", "http://a.example").Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
	})

	DescribeTable("refuses an invalid field with the fix",
		func(edit func(*mockserver.Config), want string) {
			cfg := mockserver.DefaultConfig()
			cfg.Spec = spec
			edit(&cfg)
			_, err := mockserver.NewFromConfig(cfg)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("journal size", func(c *mockserver.Config) { c.JournalSize = -1 }, "journal size -1 must not be negative"),
		Entry("journal bytes", func(c *mockserver.Config) { c.JournalBytes = -1 }, "fix: 0 for the default"),
		Entry("refuse max", func(c *mockserver.Config) { c.RefuseMax = -1 }, "refuse max -1ns must not be negative"),
		Entry("CORS origin", func(c *mockserver.Config) { c.CORSOrigins = []string{"a.example"} }, "is not an origin (fix: scheme://host"),
		Entry("miss mode", func(c *mockserver.Config) { c.OnMiss = "maybe" }, `on-miss "maybe": use error, spec, proxy or record`),
		Entry("problem bodies", func(c *mockserver.Config) { c.ProblemBodies = "xml" }, `problem bodies "xml"`),
		Entry("no spec", func(c *mockserver.Config) { c.Spec = nil }, "set Config.Spec or Config.Cassettes"),
	)

	It("keeps the setters' errors: a bad option value fails New", func() {
		_, err := mockserver.New(mockserver.WithSpec(spec), mockserver.JournalSize(-2))
		Expect(err).To(MatchError(ContainSubstring("journal size -2 must not be negative")))
		_, err = mockserver.New(mockserver.WithSpec(spec), mockserver.Upstream("not a url"))
		Expect(err).To(MatchError(ContainSubstring("want an absolute URL")))
	})
})
