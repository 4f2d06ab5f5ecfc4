# oktalake: `make demo` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO ?= go
TOOLS_DIR ?= $(HOME)/.cache/oktalake/bin
# MinIO, built with build/minio/flush.go.in added: from commit 52eee5a2f
# (PR #21651) on, the server never flushes ListenBucketNotification streams
# (build/minio/README.md, lake/notifyprobe.go).
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
STATICCHECK_VERSION := v0.8.2
MINIO := $(TOOLS_DIR)/minio-$(MINIO_VERSION)-flush
STATICCHECK := $(TOOLS_DIR)/staticcheck
MINIO_DATA ?= .minio-data
MINIO_ADDRESS ?= 127.0.0.1:9000
MINIO_CONSOLE ?= 127.0.0.1:9001
MINIO_ROOT_USER ?= oktalake
MINIO_ROOT_PASSWORD ?= oktalake-secret
MINIO_BUCKET ?= okta-lake
TEST_TIMEOUT ?= 15m
# Release identity: the tag (or commit) and the commit it names. The commit is
# passed by -ldflags because the toolchain stamps none in a git worktree.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
COMMIT_TIME ?= $(shell git log -1 --format=%cI 2>/dev/null)
MODIFIED := $(if $(findstring -dirty,$(VERSION)),true,false)
VERSION_LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.commitTime=$(COMMIT_TIME) -X main.modified=$(MODIFIED)
RELEASE_LDFLAGS := -s -w $(VERSION_LDFLAGS)
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64

.PHONY: all build release demo test bench lint minio jq tools minio-server clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(VERSION_LDFLAGS)" -o bin/oktalake ./cmd/oktalake

## release: static binaries for $(RELEASE_PLATFORMS) into dist/, with dist/SHA256SUMS
##   (pure Go, CGO_ENABLED=0: cross-compiles offline; darwin binaries link only libSystem, as every darwin binary must)
release:
	rm -rf dist && mkdir -p dist
	@for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/oktalake-$(VERSION)-$$os-$$arch; \
		echo "building $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(RELEASE_LDFLAGS)" -o $$out ./cmd/oktalake || exit 1; \
	done
	cd dist && sha256sum oktalake-* > SHA256SUMS
	@cat dist/SHA256SUMS

## demo: the whole pipeline on embedded defaults (simulated Okta org, ./lake, simulated Port)
demo:
	$(GO) run ./cmd/oktalake demo

## test: every test, against a real MinIO server on loopback (built once, cached in $(TOOLS_DIR))
##   and a real DuckDB (the Go binding's prebuilt engine, linked with cgo: needs gcc)
test: minio jq
	OKTALAKE_MINIO_BIN=$(MINIO) OKTALAKE_REQUIRE_MINIO=1 OKTALAKE_REQUIRE_JQ=1 OKTALAKE_REQUIRE_DUCKDB=1 \
		$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

## bench: benchmarks; each reports ratios against a baseline measured in the same run
##   micro: writer, mapping (vs the jq CLI), Port upserts, governor; Parquet (one run each: size and write
##   speed vs jsonl.gz, peak RSS writing $(BENCH_PARQUET_USERS) users, DuckDB count by status vs jsonl.gz); macro (one run each):
##   extract and backfill against Enterprise-like limits (vs the rate-limit floor), load into Port,
##   live freshness (oktatest change → Port through serve) and deliveries/s one serve sustains.
BENCH_SCALE ?= 1
# users written by the Parquet peak-memory and DuckDB count-by-status benchmarks
BENCH_PARQUET_USERS ?= 1000000
BENCH_CLOCK ?= 10
bench: minio jq
	@rm -f bench.out
	$(GO) test -run '^$$' -bench . -benchmem ./lake ./load/mapping ./load/port ./extract/okta 2>&1 | tee -a bench.out
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./lake/parquetfmt -args -bench.users $(BENCH_PARQUET_USERS) 2>&1 | tee -a bench.out
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./extract \
		-args -bench.scale $(BENCH_SCALE) -bench.clock $(BENCH_CLOCK) 2>&1 | tee -a bench.out
	OKTALAKE_MINIO_BIN=$(MINIO) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./load ./load/ledger ./extract/oktatest ./serve 2>&1 | tee -a bench.out
	@echo; echo "== summary (custom metrics; ratios are against baselines from the same run)"; \
		grep -E '^Benchmark' bench.out | sed -E 's/[[:space:]]+/ /g'

## lint: gofmt, go vet, staticcheck, go.mod/go.sum exactly as `go mod tidy` leaves them, no large tracked files
lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }
	@big=$$(git ls-files -z | xargs -0 wc -c 2>/dev/null | awk '$$2 != "total" && $$1 > 4194304 {print "  " $$2 " (" $$1 " bytes)"}'); \
		if [ -n "$$big" ]; then echo "tracked files over 4 MiB (build outputs and data belong in .gitignore):"; echo "$$big"; exit 1; fi

## minio: build the pinned MinIO server once (a few minutes on a fresh machine)
## (kept as minio-<version>; $(TOOLS_DIR)/minio, the tests' default, links to it)
minio: $(MINIO)
	@ln -sfn $(notdir $(MINIO)) $(TOOLS_DIR)/minio
$(MINIO): build/minio/flush.go.in
	@mkdir -p $(TOOLS_DIR)
	@echo "building MinIO $(MINIO_VERSION) (with build/minio/flush.go.in) into $(TOOLS_DIR) (once; takes a few minutes)"
	@src=$$(cd /tmp && GOFLAGS= $(GO) mod download -json github.com/minio/minio@$(MINIO_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
		test -n "$$src" || { echo "could not download MinIO $(MINIO_VERSION)"; exit 1; }; \
		work=$$(mktemp -d); trap 'chmod -R u+w "$$work"; rm -rf "$$work"' EXIT; \
		cp -R "$$src/." "$$work/" && chmod -R u+w "$$work" && \
		cp build/minio/flush.go.in "$$work/cmd/oktalake_flush.go" && \
		cd "$$work" && GOFLAGS=-mod=mod GOTOOLCHAIN=local $(GO) build -trimpath -o $(abspath $@).tmp . && \
		mv $(abspath $@).tmp $(abspath $@)

$(STATICCHECK):
	@mkdir -p $(TOOLS_DIR)
	cd /tmp && GOBIN=$(TOOLS_DIR) GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## jq: the reference for the differential mapping tests
jq:
	@command -v jq >/dev/null || { echo "installing jq"; (apt-get update -qq && apt-get install -y -qq jq) >/dev/null || sudo apt-get install -y -qq jq; }

tools: minio jq $(STATICCHECK)

## minio-server: MinIO on $(MINIO_ADDRESS) without Docker (what docker-compose.yml runs)
minio-server: minio
	mkdir -p $(MINIO_DATA)
	@echo "then: oktalake check --skip-okta --create-bucket --bucket s3://$(MINIO_BUCKET) --s3-endpoint http://$(MINIO_ADDRESS)"
	MINIO_ROOT_USER=$(MINIO_ROOT_USER) MINIO_ROOT_PASSWORD=$(MINIO_ROOT_PASSWORD) \
		$(MINIO) server $(MINIO_DATA) --address $(MINIO_ADDRESS) --console-address $(MINIO_CONSOLE)

clean:
	rm -rf bin dist lake bench.out
