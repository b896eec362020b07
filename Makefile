# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_TEST := chromium nginx-light ffmpeg fonts-dejavu-core
APT_BENCH := wrk kiwix-tools
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench venv system-deps bench-deps translations i18n-update clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(STAMP)

# UI catalogs (docs/i18n.md): kk@latin is generated from kk by the search transliterator, every .po compiled.
translations: $(STAMP)
	$(BIN)/python -m contentserver.i18n_catalogs build

# After UI text changed: extract every string and merge it into the kk, ru and en catalogs (then translate).
i18n-update: $(STAMP)
	$(BIN)/python -m contentserver.i18n_catalogs update

run: venv translations
	$(BIN)/python run.py

# Install the Debian packages of a list that are missing: $(call apt-install,PACKAGES).
define apt-install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
endef

# Debian packages the tests drive for real: headless Chromium, nginx as the hub, ffmpeg for media fixtures.
# npm (for axe-core) only where no npm is on the PATH: a machine with its own Node has one that Debian's would break.
system-deps:
	$(call apt-install,$(APT_TEST))
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }

# The benchmarks' own packages (wrk as the load generator, kiwix-serve as the peer); none of the test packages.
bench-deps:
	$(call apt-install,$(APT_BENCH))

test: venv translations system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: venv translations bench-deps
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance
