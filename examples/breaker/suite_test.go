package breaker_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestBreakerExample(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "examples/breaker")
}
