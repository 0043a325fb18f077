# Tandem: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
# Development defaults; production sets DEBUG=0 and SECRET_KEY (see README).
export DEBUG ?= 1
export PORT

.PHONY: run test lint format bench install install-dev shell migrate clean help

help:
	@echo "make run    - install, migrate, seed demo data, start web + Celery worker + beat"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - the benchmark harness on PostgreSQL (ARGS=\"--quick\")"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

migrate: install
	$(MANAGE) migrate --noinput

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) create_demo_users
	$(MANAGE) seed_demo --if-empty
	@echo ""
	@echo "  Tandem is starting at http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password: tandem-demo): maria (marketing), sam (sales), morgan (managers)"
	@echo "  Stop with Ctrl-C."
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

test: install-dev
	$(BIN)/pytest $(ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python -m bench $(ARGS)

shell: install
	$(MANAGE) shell

clean:
	rm -rf $(VENV) var/celery var/mail
