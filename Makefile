# ossdirect — see README.md. Every target installs what it needs (Go modules
# via the module proxy) or says precisely what is missing.

GO        ?= go
BIN       := build/bin
PKGS      := ./...
STATICCHECK_VERSION := v0.8.2
FUZZTIME  ?= 10s
# make test runs every fuzz target for this many inputs (a count, not a
# time: the same work on any machine); make fuzz for FUZZTIME each.
FUZZSMOKE ?= 300x
BENCHCOUNT ?= 5

# Function Compute packages: one static linux/amd64 binary per function
# (FC3 runtime go1 runs x86_64 only), build/fc/<function>/main, zipped with
# its exec bit as build/fc/<function>.zip. s.yaml deploys the directories.
FUNCTIONS := post-signature presigned-url sts-token callback
FC_DIR    := build/fc
FC_ENV    := GOOS=linux GOARCH=amd64 CGO_ENABLED=0
FC_FLAGS  := -trimpath -buildvcs=false -ldflags "-s -w"
FC_TARGETS := $(addprefix fc-,$(FUNCTIONS))
# Serverless Devs CLI and extra `s deploy` flags, e.g. DEPLOY_FLAGS="-a myalias".
SDEVS     ?= s
DEPLOY_FLAGS ?=
# The CLI make deploy runs for its preflight and its summary, and the page
# origins the summary's CORS rule is for (default: CORS_ALLOWED_ORIGINS).
OSSDIRECT ?= $(BIN)/ossdirect
PAGE_ORIGINS ?=
# What make deploy builds after the preflight (tests that stand in for s pass
# a target that builds nothing).
DEPLOY_BUILD ?= build-fc
# Where make deploy keeps s info's output and the summary.
DEPLOY_OUT ?= build
# The Serverless Devs application (templates/fc-app), packaged by make fc-app.
FC_APP    := build/fc-app

.PHONY: all test test-go fuzz-smoke test-e2e e2e-deps build build-cli build-fc $(FC_TARGETS) deploy preflight fc-app check-s lint bench bench-go bench-peers loadtest fuzz run deps check-go check-node check-chromium check-redis web-deps clean

all: lint test build

check-go:
	@command -v $(GO) >/dev/null 2>&1 || { echo "Go is not installed: install Go 1.26 or newer from https://go.dev/dl/ and make sure 'go' is on PATH" >&2; exit 1; }

deps: check-go
	$(GO) mod download

## test: vet, formatting, every Go test (race detector on), every fuzz target briefly, then the end-to-end tests
test: test-go fuzz-smoke test-e2e

## fuzz-smoke: every fuzz target for FUZZSMOKE inputs beyond its seed corpus
fuzz-smoke: deps
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSMOKE)

## test-go: gofmt, go vet, go test -race ./...; e2e-deps first, for the pinned Serverless Devs CLI that renders s.yaml
test-go: deps e2e-deps check-redis
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:" $$unformatted >&2; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

check-node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { echo "Node.js 20+ and npm are needed for the end-to-end tests (official JS SDK ali-oss): install them, e.g. 'apt-get install nodejs npm'" >&2; exit 1; }

## check-redis: the rate-limit tests start a private redis-server; without one they are skipped (a warning here),
## and fail when CI=true
check-redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "redis-server is needed for the Redis rate-limit tests (REDIS_URL): install Debian's package ('apt-get install redis-server'); without it they are skipped" >&2; \
	  if [ "$${CI:-}" = "true" ]; then exit 1; fi; }

CHROMIUM ?= /usr/bin/chromium

check-chromium:
	@test -x $(CHROMIUM) || { echo "Chromium is needed for the browser tests: install Debian's package ('apt-get install chromium'), or set CHROMIUM=/path/to/chromium" >&2; exit 1; }

## test-e2e: official clients (ali-oss in Node), the web page in headless Chromium and the mini-program helper, against `ossdirect dev`
test-e2e: build check-node check-chromium web-deps e2e-deps
	cd e2e && CHROMIUM=$(CHROMIUM) npm test

## e2e-deps: e2e/node_modules from e2e/package-lock.json (npm ci, again only when the lock file changes):
## ali-oss and playwright-core for test-e2e, and Serverless Devs' `s` (@serverless-devs/s), which
## functions/fc_test.go runs (`s preview`) in test-go. Without Node.js it only warns: test-e2e then stops
## at check-node, and the Go test fails when CI=true and is skipped otherwise.
E2E_DEPS := e2e/node_modules/.package-lock.json
e2e-deps: $(E2E_DEPS)

$(E2E_DEPS): e2e/package.json e2e/package-lock.json
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  echo "cd e2e && npm ci --no-audit --no-fund"; \
	  cd e2e && npm ci --no-audit --no-fund && touch node_modules/.package-lock.json; \
	else \
	  echo "WARNING: Node.js and npm are not installed, so e2e/node_modules (Serverless Devs' s, ali-oss, playwright-core) cannot be installed:" >&2; \
	  echo "WARNING: TestSYAMLRendersWithServerlessDevs will NOT render s.yaml (a failure when CI=true, a skip otherwise)." >&2; \
	  echo "WARNING: install Node.js 20+ and npm, e.g. 'apt-get install nodejs npm'." >&2; \
	fi

## web-deps: the web page's npm packages (ali-oss browser build, Uppy), pinned by templates/web/package-lock.json
## (npm ci, again only when the lock file changes)
WEB_DEPS := templates/web/node_modules/.package-lock.json
web-deps: check-node $(WEB_DEPS)

$(WEB_DEPS): templates/web/package.json templates/web/package-lock.json
	cd templates/web && npm ci --no-audit --no-fund && touch node_modules/.package-lock.json

## build: the host CLI in build/bin/ossdirect and the four FC packages in build/fc/
build: build-cli build-fc

## build-cli: build/bin/ossdirect, whose `ossdirect version` names the commit and says whether the tree was
## modified. Go records vcs.revision/modified/time itself (go build's -buildvcs, on by default; -trimpath
## keeps them) in a checkout whose .git is a directory; in a git worktree (.git is a file Go does not
## follow) or with GOFLAGS=-buildvcs=false, the -X values from git stand in. CLI_VERSION overrides the version.
build-cli: deps
	$(GO) build -trimpath -ldflags "$(CLI_LDFLAGS)" -o $(BIN)/ossdirect ./cmd/ossdirect

# Expanded only by build-cli; empty outside a git checkout (the CLI then says "(devel)").
CLI_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
CLI_LDFLAGS = -X main.buildVersion=$(CLI_VERSION) \
  -X main.buildCommit=$(shell git rev-parse HEAD 2>/dev/null) \
  -X main.buildModified=$(shell git rev-parse --git-dir >/dev/null 2>&1 && { test -z "$$(git status --porcelain 2>/dev/null)" && echo false || echo true; })

## build-fc: build/fc/<function>/main (linux/amd64, static, stripped) and build/fc/<function>.zip
build-fc: $(FC_TARGETS)

$(FC_TARGETS): fc-%: deps
	@mkdir -p $(FC_DIR)/$*
	$(FC_ENV) $(GO) build $(FC_FLAGS) -o $(FC_DIR)/$*/main ./functions/$*
	$(GO) run ./cmd/fczip $(FC_DIR)/$*.zip $(FC_DIR)/$*/main

check-s:
	@command -v $(SDEVS) >/dev/null 2>&1 || { echo "Serverless Devs ('$(SDEVS)') is not installed: install it with 'npm install -g @serverless-devs/s' (needs Node.js and npm) or use the pinned copy ('make e2e-deps', then SDEVS=e2e/node_modules/.bin/s), add credentials with 's config add', then run 'make deploy' again" >&2; exit 1; }

## preflight: the offline checks of the deployment's inputs (ossdirect preflight: every required input present and
## well formed, the functions' own configuration rules, role ARNs in ALIBABA_CLOUD_ACCOUNT_ID's account, custom
## domains, FC's 4 KB environment); one line per problem, exit 1
preflight: build-cli
	@$(OSSDIRECT) preflight >/dev/null

## deploy: preflight, build, deploy the four functions with Serverless Devs (s.yaml lists the inputs: OSS_BUCKET,
## OSS_REGION, AUTH_MODE, FC_ROLE_ARN, STS_ROLE_ARN, ALIBABA_CLOUD_ACCOUNT_ID), then print the function URLs, the
## bucket's CORS rule for PAGE_ORIGINS and the mini-program domains (from `s info -o json`; also in
## build/deploy-summary.json). Nothing reaches s when preflight finds a problem. Not `s deploy -o json`: with it,
## s 3.1.10 deploys even when the pre-deploy action (make build) fails.
deploy: check-s build-cli
	@$(OSSDIRECT) preflight >/dev/null
	@$(MAKE) --no-print-directory $(DEPLOY_BUILD)
	$(SDEVS) deploy -y $(DEPLOY_FLAGS)
	@mkdir -p $(DEPLOY_OUT)
	@$(SDEVS) info -o json $(DEPLOY_FLAGS) > $(DEPLOY_OUT)/deploy-info.txt
	@$(OSSDIRECT) preflight --after $(DEPLOY_OUT)/deploy-info.txt $(foreach o,$(PAGE_ORIGINS),--page-origin $(o)) > $(DEPLOY_OUT)/deploy-summary.json
	@cat $(DEPLOY_OUT)/deploy-summary.json

## fc-app: the Serverless Devs 3 application, build/fc-app.zip (and unzipped in build/fc-app/): templates/fc-app with
## each function's binary in src/code/<function>/main and the linux/amd64 CLI in src/bin/ossdirect for the
## pre-deploy preflight. Upload it in the FC console (Applications) or `s init --uri` a copy of build/fc-app.
fc-app: build-fc
	rm -rf $(FC_APP)
	@mkdir -p $(FC_APP)
	cp -R templates/fc-app/. $(FC_APP)/
	@for f in $(FUNCTIONS); do mkdir -p $(FC_APP)/src/code/$$f && cp $(FC_DIR)/$$f/main $(FC_APP)/src/code/$$f/main || exit 1; done
	$(FC_ENV) $(GO) build $(FC_FLAGS) -o $(FC_APP)/src/bin/ossdirect ./cmd/ossdirect
	$(GO) run ./cmd/fczip build/fc-app.zip -C $(FC_APP)

## lint: gofmt, go vet and staticcheck
lint: deps
	@test -z "$$(gofmt -l .)" || { gofmt -l . >&2; echo "run gofmt -w on the files above" >&2; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)

## bench: the Go benchmarks (bench-go), then post-signature against Alibaba's seed samples (bench-peers)
bench: bench-go bench-peers

## bench-go: every Go benchmark, BENCHCOUNT runs each; output in build/bench.txt (record it in docs/BENCHMARKS.md)
bench-go: deps
	@mkdir -p build
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) ./shared/... ./internal/... | tee build/bench.txt

## bench-peers: post-signature (V4 and seed routes) against the Node (express + ali-oss) and Go seed samples:
## throughput in interleaved rounds, cold start, bytes per upload vs a proxy (scripts/bench-peers.sh;
## ROUNDS, SECS, CONNS, WARMUP, COLD_RUNS); output in build/bench-peers.txt, Markdown rows at its end
bench-peers: deps check-node
	@mkdir -p build
	bash -o pipefail -c "scripts/bench-peers.sh 2>&1 | tee build/bench-peers.txt"

## loadtest: the local stack under LOADTEST_CONNS (256) connections for LOADTEST_SECS (60) against post-signature,
## presigned-url and sts-token at once; fails on any error, RSS still growing after warm-up, or goroutines
## not back to their baseline (scripts/loadtest.sh); output in build/loadtest.txt
loadtest: deps
	@mkdir -p build
	bash -o pipefail -c "scripts/loadtest.sh 2>&1 | tee build/loadtest.txt"

## fuzz: run every fuzz target for FUZZTIME each
fuzz: deps
	@for pkg in $$($(GO) list ./shared/... ./internal/...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## run: the local stack (OSS and STS emulators, the functions, the upload page) on loopback, data in ./.data.
## Builds only the CLI (the FC packages are for deploying), installs the page's npm packages only when
## their lock file changed, and prints the addresses once every listener is bound.
DEV_FLAGS ?=
run: check-go
	@echo "==> building the CLI (build/bin/ossdirect; the first time also downloads Go modules)" >&2
	@$(GO) build -trimpath -o $(BIN)/ossdirect ./cmd/ossdirect
	@$(MAKE) --no-print-directory -q $(WEB_DEPS) 2>/dev/null || { \
	  echo "==> installing the upload page's npm packages (templates/web; again only when package-lock.json changes)" >&2; \
	  $(MAKE) --no-print-directory web-deps >&2 || echo "warning: the web page's npm packages are missing (need Node.js + npm): the API and emulators run, the page's STS multipart and Uppy modes will not load" >&2; }
	@echo "==> starting the local stack (ossdirect dev $(DEV_FLAGS))" >&2
	@$(BIN)/ossdirect dev $(DEV_FLAGS)

clean:
	rm -rf build
