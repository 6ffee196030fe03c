# mockd — two commands set everything up on a fresh machine with Go installed:
#   make run    build mockd and serve the bundled example spec (fixtures/bookstore.yaml)
#   make test   run every test (go vet, the tracked-files check, go test -race ./...; installs curl if missing)
# The other targets are for benchmarks, load runs and the compatibility suites.

GO        ?= go
HOST      ?= 127.0.0.1
PORT      ?= 4010
SPEC      ?= fixtures/bookstore.yaml
BIN       := bin
CACHE     ?= $(CURDIR)/.cache
BENCHTIME ?= 1s

.PHONY: all build run test vet conformance contract-perf bench bench-real harness load fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

run: build
	@echo "Try (in another terminal):"
	@echo "  curl -i http://$(HOST):$(PORT)/v1/books"
	@echo "  curl -i -H 'Prefer: example=tlcl' http://$(HOST):$(PORT)/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f"
	@echo "  curl -i -H 'Prefer: dynamic=true' http://$(HOST):$(PORT)/categories"
	@echo "  curl -i -X POST http://$(HOST):$(PORT)/books -H 'Content-Type: application/json' -d '{}'"
	$(BIN)/mockd serve --spec $(SPEC) --host $(HOST) --port $(PORT) $(if $(FAULTS),--faults $(FAULTS))

vet:
	$(GO) vet ./...

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

# Load run with wrk (Debian package) against the example spec on loopback.
load: build
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	./scripts/load.sh $(BIN)/mockd $(SPEC)

# Every fuzz target (spec, cassette, HAR, fault file, header, pattern parsers
# and the contract checker), FUZZTIME each.
FUZZTIME ?= 20s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf $(BIN) $(CACHE)
