# Two commands on a fresh machine: `make run` and `make test`. Every Python package comes from requirements.lock.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
APT_TEST := chromium nginx-light ffmpeg fonts-dejavu-core hunspell-kk iproute2 libnss3-tools
APT_BENCH := wrk kiwix-tools hunspell-kk  # hunspell-kk: bench.kazakh_morphology's inflection tables
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_POSTER := zbar-tools poppler-utils librsvg2-bin  # the poster's test: render its PDF and SVG, read the QR codes
# Two workers: these machines have two cores; tests that share a port or a namespace name take their own.
# A failed test runs again (twice at most) so that one scheduling hiccup of a loaded machine does not fail CI;
# -rR names every test that needed it in the summary, so a flaky test is seen and fixed, not hidden.
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 -rsR --reruns 2 --reruns-delay 1
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--extra test --extra bench --extra dev --extra build --generate-hashes -q

.PHONY: run test test-fast bench soak lint lock deps-check fuzz venv system-deps bench-deps translations i18n-update clean

# The lock pins the whole tree with hashes (pip refuses anything else); the project itself goes in without
# dependencies and without build isolation, so setuptools also comes from the lock.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $@

venv: $(STAMP)

# After changing dependencies in pyproject.toml (or to take upstream fixes on purpose): regenerate the lock,
# review its diff, run `make test`, commit both files together.
lock: $(STAMP)
	$(UV_COMPILE) -o $(LOCK)

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

# Debian packages the tests drive for real: headless Chromium, nginx as the hub, ffmpeg for media fixtures,
# the Kazakh Hunspell dictionary the stemmer's lexicon is checked against, iproute2's tc for the weak link and
# the namespaces of the mDNS test; APT_POSTER: zbarimg reads the poster's QR codes back from a PNG that
# pdftoppm (poppler) or rsvg-convert (librsvg) made of its PDF or SVG.
# npm (for axe-core) only where no npm is on the PATH: a machine with its own Node has one that Debian's would break.
system-deps:
	$(call apt-install,$(APT_TEST) $(APT_POSTER))
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }

# The benchmarks' own packages (wrk as the load generator, kiwix-serve as the peer); none of the test packages.
bench-deps:
	$(call apt-install,$(APT_BENCH))

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: venv translations system-deps
	$(PYTEST)

# The inner loop: no browser, nothing marked slow.
test-fast: venv translations
	$(PYTEST) -m "not browser and not slow"

# Property-based fuzzing of every parser of outside input with many examples (a few run in `make test`).
fuzz: venv translations
	HYPOTHESIS_PROFILE=fuzz $(PYTEST) -m fuzz

# By hand or from a scheduler: the newest versions pyproject.toml allows, in a scratch venv, through the fast
# tests, so an upstream release that breaks us is seen here before a school's install meets it.
deps-check:
	rm -rf .deps-check && $(PYTHON) -m venv .deps-check
	.deps-check/bin/pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	.deps-check/bin/python -m contentserver.i18n_catalogs build
	.deps-check/bin/python -m pytest -q -p no:cacheprovider -n 2 -rs -m "not browser and not slow"
	rm -rf .deps-check

bench: venv translations bench-deps
	$(BIN)/python -m bench

# 30 minutes of browsing, searching, teacher edits, sync pulls and pushes, and SIGKILLs (docs/reliability.md).
soak: venv translations system-deps
	$(BIN)/python -m bench.soak --minutes 30

clean:
	rm -rf $(VENV) .deps-check instance
