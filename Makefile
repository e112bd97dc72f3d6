# Two commands: `make run` (set up, build the embedded data if missing, serve) and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
LUCKY := $(VENV)/bin/lucky
DATA ?= data/full
PORT ?= 8000

.PHONY: run test venv data lint typecheck report load load-mysql wrk clean browser

$(UV):
	$(PY) -m venv .tools && .tools/bin/pip install -q uv==0.13.9

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --quiet
	touch $@

venv: $(VENV)/.synced

$(DATA)/lucky.duckdb: | venv
	LUCKY_DATA_DIR=$(DATA) $(LUCKY) data build --out $(DATA)

data: $(DATA)/lucky.duckdb

run: venv data
	LUCKY_DATA_DIR=$(DATA) $(LUCKY) serve --port $(PORT)

# The web chat's end-to-end test drives Debian's headless Chromium; install it when missing (root + apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } || \
	  echo "chromium is not installed: the web end-to-end test will fail"

test: venv browser lint
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check . && $(VENV)/bin/mypy .

report: venv data
	$(LUCKY) data report --data $(DATA)

load-mysql: venv data
	$(LUCKY) data load-mysql --data $(DATA)

# Load test of POST /v1/ask: uvicorn (LOAD_WORKERS workers) on loopback, wrk at each of LOAD_LEVELS
# connections, cached and uncached questions (app/bench/load.py; figures in app/api/README_SECTION_LOAD.md).
LOAD_WORKERS ?= 2
LOAD_LEVELS ?= 4,16,64
LOAD_SECONDS ?= 15
load: venv data wrk
	LUCKY_DATA_DIR=$(DATA) $(LUCKY) bench-load --workers $(LOAD_WORKERS) --levels $(LOAD_LEVELS) \
	  --seconds $(LOAD_SECONDS) --out .cache/load-report.json

wrk:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; } || \
	  { echo "wrk is not installed and could not be (apt-get install wrk)"; exit 1; }

clean:
	rm -rf $(VENV) .tools .cache
