# The two commands a user needs: `make up` and `make test`. Everything else is installed on demand.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: up down status check test unit sync

$(UV):
	@echo "installing uv (Python package manager) into ~/.local/bin"
	python3 -m pip install --quiet --user uv

sync: $(UV)
	$(UV) sync --frozen --quiet

up: sync
	$(UV) run mailspine up

down: sync
	$(UV) run mailspine down

status: sync
	$(UV) run mailspine status

# Lint and import order (ruff), types (mypy; cache in .mypy_cache) and the import rules between packages
# (import-linter contracts in pyproject.toml). `make test` runs these first; any violation fails it.
check: sync
	$(UV) run ruff check
	$(UV) run mypy
	$(UV) run lint-imports

test: check
	$(UV) run pytest

unit: sync
	$(UV) run pytest -m unit
