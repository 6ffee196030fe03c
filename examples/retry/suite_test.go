package retry_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestRetryExample(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "examples/retry")
}
