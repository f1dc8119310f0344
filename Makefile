# elsa-sim: everything a fresh machine needs goes through this file.
SWIFT        ?= swift
BIN          := .build/release/elsa-sim
# popcnt is a 2x win for Hamming distances on x86_64 (see docs/performance.md); never in Package.swift.
ARCH         := $(shell uname -m)
ifeq ($(ARCH),x86_64)
RELEASE_FLAGS := -Xswiftc -Xcc -Xswiftc -mpopcnt
endif
RUN_TRACE    ?= Traces/minilm-l6-gutenberg-n128
RUN_CONFIG   ?= Configs/elsa-paper.json

.PHONY: build run test bench soak traces traces-check clean

build:
	$(SWIFT) build -c release $(RELEASE_FLAGS)

run: build
	$(BIN) run --config $(RUN_CONFIG) --trace $(RUN_TRACE)

test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: build
	./scripts/bench.sh

clean:
	rm -rf .build
include scripts/traces.mk
