# elsa-sim: everything a fresh machine needs goes through this file.
SWIFT        ?= swift
BIN          := .build/release/elsa-sim
# popcnt is a 2x win for Hamming distances on x86_64 (see docs/performance.md); never in Package.swift.
ARCH         := $(shell uname -m)
ifeq ($(ARCH),x86_64)
RELEASE_FLAGS := -Xswiftc -Xcc -Xswiftc -mpopcnt
endif
VERSION      := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
VERSION_FILE := Sources/SimCLI/GeneratedVersion.swift
SWIFT_FLAGS  := -Xswiftc -DELSA_HAS_VERSION
RUN_TRACE    ?= Traces/minilm-l6-gutenberg-n128
RUN_CONFIG   ?= Configs/elsa-paper.json

.PHONY: build run test bench soak traces traces-check clean version

# Rewritten only when the version changes, so an unchanged tree does not recompile.
version:
	@printf 'let generatedVersion = "%s"\n' "$(VERSION)" > $(VERSION_FILE).tmp
	@cmp -s $(VERSION_FILE).tmp $(VERSION_FILE) && rm $(VERSION_FILE).tmp || mv $(VERSION_FILE).tmp $(VERSION_FILE)

build: version
	$(SWIFT) build -c release $(SWIFT_FLAGS) $(RELEASE_FLAGS)

run: build
	$(BIN) run --config $(RUN_CONFIG) --trace $(RUN_TRACE)

test: version
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build $(SWIFT_FLAGS)

bench: build
	./scripts/bench.sh

clean:
	rm -rf .build
include scripts/traces.mk
