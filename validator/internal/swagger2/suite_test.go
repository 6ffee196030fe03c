package swagger2

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSwagger2(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "swagger2 suite")
}
