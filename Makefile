# gongkai: every target installs what it needs on a fresh Debian machine.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/gongkai
APT_RUN := fonts-noto-cjk poppler-utils
APT_TEST := chromium

.PHONY: install run test test-sqlite test-nodb test-sqlite-db test-postgres bench worker clean

# Debian packages are installed only when missing (root on these machines; sudo elsewhere).
define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

.venv/.installed: pyproject.toml
	$(call apt_ensure,$(APT_RUN))
	test -x $(PY) || python3.11 -m venv .venv || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

install: .venv/.installed

run: install
	$(PY) -m gongkai.cli migrate --noinput
	$(PY) -m gongkai.cli demo
	$(PY) -m gongkai.cli serve --host $(HOST) --port $(PORT)

worker: install
	$(PY) -m gongkai.cli worker

# Three independent parts (own GONGKAI_VAR, own database) side by side: the tests that touch no
# database, the database tests on SQLite, and the database tests on PostgreSQL. Each part waits much of
# its time (browser, servers, subprocesses), so three keep two cores busy. Each part's output is printed
# whole when it ends; any failing part fails the target.
test: install
	$(call apt_ensure,$(APT_RUN) $(APT_TEST))
	@$(MAKE) --no-print-directory -j3 --output-sync=target test-nodb test-sqlite-db test-postgres

# The whole suite on SQLite in one run (what the first two parts of make test do).
test-sqlite:
	GONGKAI_VAR=$$(mktemp -d) $(PY) -m pytest

test-nodb:
	@echo "== tests without a database =="
	GONGKAI_VAR=$$(mktemp -d) GONGKAI_NO_DB_TESTS=1 $(PY) -m pytest

test-sqlite-db:
	@echo "== database tests on SQLite =="
	GONGKAI_VAR=$$(mktemp -d) GONGKAI_DB_TESTS_ONLY=1 $(PY) -m pytest

# The database tests once more on PostgreSQL. Under CI an unreachable server is a failure;
# on a fresh machine without one it is skipped with a notice.
test-postgres:
	@if $(PY) -m gongkai.cli dbcheck --url "$(PG_URL)" >/dev/null 2>&1; then \
	  echo "== database tests on PostgreSQL =="; \
	  GONGKAI_VAR=$$(mktemp -d) DATABASE_URL="$(PG_URL)" GONGKAI_DB_TESTS_ONLY=1 $(PY) -m pytest; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL at $(PG_URL) is unreachable: required under CI" >&2; exit 1; \
	else \
	  echo "注意：PostgreSQL ($(PG_URL)) 不可用，已跳过 PostgreSQL 上的数据库测试。"; \
	fi

bench: install
	GONGKAI_VAR=$$(mktemp -d) $(PY) -m pytest -m long
	$(PY) -m bench

clean:
	rm -rf .venv var build *.egg-info
