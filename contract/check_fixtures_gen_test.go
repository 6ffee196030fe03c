package contract_test

import (
	"os"
	"testing"
)

// TestGenerateContractFixtures rewrites fixtures/contract from the tables in
// check_fixtures_test.go when CONTRACT_UPDATE_FIXTURES=1.
func TestGenerateContractFixtures(t *testing.T) {
	if os.Getenv("CONTRACT_UPDATE_FIXTURES") != "1" {
		t.Skip("set CONTRACT_UPDATE_FIXTURES=1 to rewrite fixtures/contract")
	}
	if err := writeFixtures(); err != nil {
		t.Fatal(err)
	}
}
