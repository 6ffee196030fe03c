package fault_test

import (
	"bytes"
	"context"
	"log/slog"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/fault"
)

var _ = Describe("Listener refuse max", func() {
	It("cuts a refuse window to the maximum and says so", func() {
		l, err := fault.NewListener("127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(l.Close)
		var logs bytes.Buffer
		l.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
		l.SetRefuseMax(50 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		Expect(l.RefuseFor(ctx, time.Hour)).To(Succeed())
		Expect(ctx.Err()).NotTo(HaveOccurred(), "RefuseFor returned because of the max, not the context")
		Expect(l.Refusing()).To(BeFalse())
		Expect(logs.String()).To(ContainSubstring("refuse window cut to the maximum"))
	})

})
