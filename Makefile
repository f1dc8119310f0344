# elsa-sim: everything a fresh machine needs goes through this file.
SWIFT        ?= swift
BIN          := .build/release/elsa-sim
# popcnt is a 2x win for Hamming distances on x86_64 (see docs/performance.md); never in Package.swift.
ARCH         := $(shell uname -m)
ifeq ($(ARCH),x86_64)
RELEASE_FLAGS := -Xswiftc -Xcc -Xswiftc -mpopcnt
# AVX2 when the building machine has it (`make build` builds for the machine it runs on): the four-lane
# Double kernels become one instruction each. The compiler fuses no multiply and add by itself, so every
# result is the same bit for bit with or without it (docs/performance.md).
ifneq ($(shell grep -m1 -ow avx2 /proc/cpuinfo 2>/dev/null),)
RELEASE_FLAGS += -Xswiftc -Xcc -Xswiftc -mavx2
endif
# FMA when the building machine has it, used ONLY where the code asks for it under ELSA_FMA: the score
# kernel (HeadScores.mulAdd), whose products are of two float32 values and so exact in Double (48 of 53
# bits): fma(a, b, acc) rounds once, as acc + a*b does, and results do not change (`run --json` identical
# on MiniLM, MPNet and the BERT-large shape). Without ELSA_FMA, addingProduct would be a libm call.
# Measured on the BERT-large shape: the kernel ≈ 18 % faster, the whole run within its noise (docs/performance.md).
ifneq ($(shell grep -m1 -ow fma /proc/cpuinfo 2>/dev/null),)
RELEASE_FLAGS += -Xswiftc -Xcc -Xswiftc -mfma -Xswiftc -DELSA_FMA
endif
endif
# The Swift runtime and Foundation linked into the binary on Linux: process start-up 5.7 -> 3.0 ms CPU
# (no dynamic loading and symbol binding of Foundation and ICU; docs/performance.md). Results do not change.
ifeq ($(shell uname -s),Linux)
RELEASE_FLAGS += --static-swift-stdlib
# Not position-independent: the loader then applies ~900 relocations at start-up instead of ~77 000
# (every process, e.g. `--version`, 4.1 -> 3.2 ms; docs/performance.md). Results do not change.
RELEASE_FLAGS += -Xswiftc -Xclang-linker -Xswiftc -no-pie
endif
VERSION      := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
VERSION_FILE := Sources/SimCLI/GeneratedVersion.swift
SWIFT_FLAGS  := -Xswiftc -DELSA_HAS_VERSION
RUN_TRACE    ?= Traces/mpnet-base-pride-and-prejudice-n384
RUN_CONFIG   ?= Configs/elsa-paper.json
# `make run` simulates RUN_TRACE with thresholds learned on a DIFFERENT shipped trace (held out, as the
# paper learns on training data): `make thresholds` writes RUN_THRESHOLDS by calibrating on
# CALIBRATION_TRACE with p = RUN_P (docs/validation.md, "Which unknowns matter").
CALIBRATION_TRACE ?= Traces/mpnet-base-moby-dick-n384
RUN_THRESHOLDS ?= Traces/thresholds-mpnet-base-moby-dick-p1.json
RUN_P        ?= 1
# Engine equivalence (docs/validation.md): the test target checks seeds 0…999, `make test` continues
# with EQUIVALENCE_CASES more with the release binary (a few ms each), `make soak` checks SOAK_CASES.
EQUIVALENCE_CASES ?= 4000
# Tiled heads (docs/model.md §9): the test target checks 300, `make test` continues with TILED_CASES more.
TILED_CASES  ?= 2000
# Long exact-mode heads (docs/model.md §10, the event engine's fast-forward): the test target checks 160,
# `make test` continues with STEADY_STATE_CASES more.
STEADY_STATE_CASES ?= 1000
SOAK_CASES   ?= 100000
# The fuzz campaign (docs/validation.md, "Fuzzing"): `make fuzz` runs FUZZ_CASES, `make test` a seeded
# subset of FUZZ_QUICK_CASES; each case under CASE_TIMEOUT seconds and CASE_MEMORY bytes of address space.
FUZZ_CASES   ?= 5000
FUZZ_QUICK_CASES ?= 120
FUZZ_SEED    ?= 1

.PHONY: build run thresholds test bench soak fuzz traces traces-check clean version

# Rewritten only when the version changes, so an unchanged tree does not recompile.
version:
	@printf 'let generatedVersion = "%s"\n' "$(VERSION)" > $(VERSION_FILE).tmp
	@cmp -s $(VERSION_FILE).tmp $(VERSION_FILE) && rm $(VERSION_FILE).tmp || mv $(VERSION_FILE).tmp $(VERSION_FILE)

build: version
	$(SWIFT) build -c release $(SWIFT_FLAGS) $(RELEASE_FLAGS)

run: build
	$(BIN) run --config $(RUN_CONFIG) --trace $(RUN_TRACE) --thresholds $(RUN_THRESHOLDS)

thresholds: build
	$(BIN) calibrate --p $(RUN_P) --config $(RUN_CONFIG) --trace $(CALIBRATION_TRACE) -o $(RUN_THRESHOLDS)

test: version
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build $(SWIFT_FLAGS)
	$(MAKE) --no-print-directory build
	$(BIN) validate --cases $(EQUIVALENCE_CASES) --seed-start 1000
	$(BIN) validate --tiled --cases $(TILED_CASES) --seed-start 1000
	$(BIN) validate --steady-state --cases $(STEADY_STATE_CASES) --seed-start 1000
	./scripts/check_sweep.sh
	./scripts/check_resume.sh
	CASE_TIMEOUT=10 ./scripts/fuzz.sh $(FUZZ_QUICK_CASES) 19

bench: build
	./scripts/bench.sh

soak: build
	$(BIN) validate --cases $(SOAK_CASES) --seed-start 0

fuzz: build
	./scripts/fuzz.sh $(FUZZ_CASES) $(FUZZ_SEED)

clean:
	rm -rf .build
include scripts/traces.mk
