package main

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestContract(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "cmd/contract")
}

// The suite runs from the module root, as the README's commands do.
var _ = BeforeSuite(func() {
	Expect(os.Chdir("../..")).To(Succeed())
})
