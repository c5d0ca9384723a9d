# weiwang: `make demo` serves the demo community, `make test` runs the whole suite.
# Both create the virtual environment in .venv when it is missing.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: demo test lint deps test-deps browser redis translations migrate serve clean

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "weiwang needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.base-installed: requirements/base.txt pyproject.toml | $(PY)
	$(PIP) install -q -r requirements/base.txt
	$(PIP) install -q --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements/test.txt $(VENV)/.base-installed
	$(PIP) install -q -r requirements/test.txt
	touch $@

deps: $(VENV)/.base-installed translations

test-deps: $(VENV)/.test-installed translations browser redis

# Compiled .mo files are build output (see weiwang/management/commands/compile_translations.py).
translations: $(VENV)/.base-installed
	$(PY) manage.py compile_translations

# Browser tests drive Debian's Chromium, with a Chinese font for the screenshots they take;
# install both when we can (root with apt-get).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/wqy ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  elif [ ! -x /usr/bin/chromium ]; then \
	    echo "Browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium fonts-wqy-microhei'." >&2; exit 1; \
	  fi; \
	fi

# The Celery tests start their own Redis server (production's broker and cache).
redis:
	@if ! command -v redis-server >/dev/null && [ ! -x /usr/bin/redis-server ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else echo "The Celery tests need redis-server: run 'sudo apt-get install redis-server'." >&2; exit 1; fi; \
	fi

migrate: deps
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py demo_logins
	@echo "weiwang demo: open http://127.0.0.1:$(PORT)/ and log in with one of the accounts above."
	$(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

test: test-deps
	$(VENV)/bin/pytest

lint: test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var/*.sqlite3*
