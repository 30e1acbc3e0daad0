# Two commands on a fresh Debian/Ubuntu machine: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ENGINE ?=

.PHONY: build test test-fast golden bench lint system system-test clean help

help:
	@echo "make build   set up (system packages, .venv) and build the show into audio_out/"
	@echo "make test    set up with test tools and run the whole test suite"
	@echo "make bench   run the benchmark, writing bench/results.md"
	@echo "make test-fast  the tests that neither synthesise nor encode (< 30 s)"
	@echo "make lint    ruff and mypy"
	@echo "make golden  rewrite tests/golden/ from a fresh build of tests/fixtures/mini"
	@echo "ENGINE=pyttsx3 make build build with espeak-ng instead of the show's engine"

# The shipped show speaks with Piper (scripts/show.yml), so the build installs the piper extra.
# A machine that cannot install it gets one line here; the build then uses the show's
# `fallback_engine` if it names one, and otherwise stops with one line saying what is missing.
build: system $(VENV)/.installed $(VENV)/.installed-piper
	$(BIN)/rtr-audio build $(if $(ENGINE),--engine $(ENGINE))

test: system-test $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

# Everything that neither synthesises speech, encodes audio nor drives a browser.
test-fast: system-test $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -m "not slow and not browser"

# After an intended change to the feed, page or transcripts: review with `git diff tests/golden`.
golden: system-test $(VENV)/.installed-test
	$(BIN)/python -m tests.golden --update

bench: system $(VENV)/.installed-test
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

system:
	@tools/setup-system.sh

system-test:
	@tools/setup-system.sh --test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-piper: pyproject.toml | $(VENV)/.installed
	@$(BIN)/python -m pip install -q -e '.[piper]' > $(VENV)/piper-install.log 2>&1 \
		&& touch '$@' \
		|| echo "make: the piper extra could not be installed (details in $(VENV)/piper-install.log); building with show.yml's fallback_engine if it has one"

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e '.[test,piper]'
	@touch $@

clean:
	rm -rf audio_out/episodes audio_out/.cache audio_out/*.xml audio_out/*.html audio_out/*.jpg
