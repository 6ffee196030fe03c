# mockd — two commands set everything up on a fresh machine with Go installed:
#   make run    build mockd and contract into bin/ and serve the bundled example spec (fixtures/bookstore.yaml)
#   make test   run every test (go vet, the tracked-files check, go test -race ./...; installs curl if missing)
# make install puts mockd and contract where `go install` does: $(go env GOBIN),
# or $(go env GOPATH)/bin when GOBIN is unset.
# The other targets are for benchmarks, load runs and the compatibility suites.

GO        ?= go
HOST      ?= 127.0.0.1
PORT      ?= 4010
SPEC      ?= fixtures/bookstore.yaml
BIN       := bin
CACHE     ?= $(CURDIR)/.cache
BENCHTIME ?= 1s

.PHONY: all build install run test vet lint conformance contract-perf contract-real bench bench-real harness load fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# Installs mockd and contract with go install and says where they are.
install:
	$(GO) install ./cmd/mockd ./cmd/contract
	@dir="$$($(GO) env GOBIN)"; [ -n "$$dir" ] || dir="$$($(GO) env GOPATH | cut -d: -f1)/bin"; \
	test -x "$$dir/mockd" && test -x "$$dir/contract" && \
	echo "mockd and contract are installed in $$dir (put it on your PATH)"

run: build
	@echo "Try (in another terminal):"
	@echo "  curl -i http://$(HOST):$(PORT)/v1/books"
	@echo "  curl -i -H 'Prefer: example=tlcl' http://$(HOST):$(PORT)/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f"
	@echo "  curl -i -H 'Prefer: dynamic=true' http://$(HOST):$(PORT)/categories"
	@echo "  curl -i -X POST http://$(HOST):$(PORT)/books -H 'Content-Type: application/json' -d '{}'"
	$(BIN)/mockd serve --spec $(SPEC) --host $(HOST) --port $(PORT) $(if $(FAULTS),--faults $(FAULTS))

vet:
	$(GO) vet ./...

# golangci-lint with .golangci.yml, installed with go install into
# $(CACHE)/bin at the pinned version the first time.
LINT_VERSION ?= v2.15.0
LINT         := $(CACHE)/bin/golangci-lint
lint: $(LINT)
	$(LINT) run --allow-serial-runners ./...

$(LINT):
	GOBIN=$(CACHE)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(LINT_VERSION)

# -race: the fault engine, journal, cassette sink and player are concurrent.
# curl: internal/readmetest runs the README's curl lines as written.
test: vet
	./scripts/check-tree.sh
	command -v curl >/dev/null || (apt-get update -qq && apt-get install -y -qq curl)
	$(GO) test -race ./...

# Real-world specs (APIs-guru directory sample + GitHub's REST spec), installed
# with npm into $(CACHE) by the tests themselves.
conformance:
	MOCKD_CONFORMANCE=1 MOCKD_CACHE=$(CACHE) $(GO) test -run Conformance -count=1 -timeout 40m -v ./mockserver/

# 100,000 recorded interactions through contract check's worker pool.
contract-perf:
	CONTRACT_PERF=1 $(GO) test -run TestContractPerf -count=1 -v ./contract/

# GitHub's REST spec (installed with npm into $(CACHE) the first time; skipped
# without it): 1,050 interactions over 350 operations recorded from mockd's
# request generator against mockd, then checked like `contract check` in a
# fresh process; prints time, CPU, peak RSS and compile counts next to goals.
contract-real:
	MOCKD_CONTRACT_REAL=1 MOCKD_CACHE=$(CACHE) $(GO) test -run '^TestContractRealGitHub$$' -count=1 -timeout 30m -v ./mockserver/

bench:
	MOCKD_CACHE=$(CACHE) $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

# Large real specs (GitHub, Stripe) served by mockd: first answer, a later
# request to an unused operation and peak RSS, each printed next to its goal.
# The specs are installed with npm into $(CACHE) the first time.
bench-real: build
	./scripts/bench-real.sh $(BIN)/mockd $(CACHE)

# Stoplight Prism's black-box harness (needs ../shared beside the project).
harness: build
	cd ../shared/tools/prismharness && $(GO) run . -mockd $(CURDIR)/$(BIN)/mockd -types oas2,oas3.0,oas3.1 -j 2 $(HARNESS_FLAGS)

# Load run with wrk (Debian package) on loopback: mockd serving the example
# spec and a bare net/http server sending the same bytes, in alternating
# rounds; prints the throughput and p99 ratios next to their goals.
load: build
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(GO) build -o $(BIN)/bareserver ./internal/bareserver
	BARE=$(BIN)/bareserver ./scripts/load.sh $(BIN)/mockd $(SPEC)

# Every fuzz target (spec, cassette, HAR, fault file, header, pattern parsers
# and the contract checker), FUZZTIME each.
FUZZTIME ?= 20s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf $(BIN) $(CACHE)
