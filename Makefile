# Hotline — the two commands: `make run` and `make test` (both do all set-up first).
#
#   make run    apt packages, .venv, Cython build, then start the box (simulated board,
#               web UI http://127.0.0.1:8080, data in var/hotline)
#   make test   the same set-up, then the test suite (tests/heavy excluded)
#   make soak   the long soak/load runs in tests/heavy
#   make bench  `hotline bench dsp` (ours vs spandsp) and `hotline bench engine`

PYTHON    ?= python3
VENV      := .venv
PY        := $(VENV)/bin/python
PIP       := $(VENV)/bin/pip
# Debian packages the build, the tests and the benchmarks need.
APT_PKGS  := build-essential libspandsp-dev espeak-ng sox sip-tester baresip chromium fonts-noto-cjk
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all setup apt venv build run test soak bench clean distclean

all: build

setup: build

# Install only what is missing; apt-get update runs only when something is.
apt:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.deps: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: apt $(VENV)/.deps

# Cython build in place, then an editable install for the `hotline` command.
build: venv
	$(PY) setup.py -q build_ext --inplace -j $(JOBS)
	$(PY) -m firmware.prompts.build
	@[ -x $(VENV)/bin/hotline ] || $(PIP) install -q --no-build-isolation --no-deps -e .

# The box on the simulated board; web UI on http://127.0.0.1:8080 (first login admin/admin), data in ./var/hotline.
RUN_ARGS  ?= --sim --data var/hotline --web 127.0.0.1:8080
run: build
	$(VENV)/bin/hotline run $(RUN_ARGS)

test: build
	$(PY) -m pytest -n $(JOBS) -q $(PYTEST_ARGS)

soak: build
	$(PY) -m pytest -q -m heavy tests/heavy $(PYTEST_ARGS)

bench: build
	$(VENV)/bin/hotline bench dsp
	$(VENV)/bin/hotline bench engine

clean:
	rm -rf build dsp/*.c dsp/*.so dsp/*.html *.egg-info

distclean: clean
	rm -rf $(VENV)
