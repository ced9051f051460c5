# planbot: `make run` sets up and starts the bot, `make test` sets up, checks (ruff, mypy) and runs every test.
.PHONY: setup run test lint bench clean

setup:
	@bash scripts/setup.sh

run: setup
	@if .venv/bin/python -c 'from bot.settings import Settings; raise SystemExit(0 if Settings().telegram_token else 1)'; \
	then .venv/bin/planbot run; else .venv/bin/planbot chat; fi

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

test: setup lint
	.venv/bin/pytest

bench: setup
	@.venv/bin/python -c 'import bm25s' 2>/dev/null || .venv/bin/python -m pip install -q -e '.[dev,bench]'
	.venv/bin/python -m bench

clean:
	rm -rf .venv .pytest_cache .ruff_cache build *.egg-info
