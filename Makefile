# Kiosk's commands. Each one installs what it needs first (scripts/setup.sh).
.PHONY: help setup demo test build bench size fmt lint export

help: ## List the commands
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  make %-6s %s\n", $$1, $$2 }'

setup: ## Install every tool and package the project needs (idempotent)
	@scripts/setup.sh

demo: ## Run the platform on SQLite with the demo store and the publisher page
	@scripts/demo.sh

test: ## Run every test: lints, native, WebDriver end-to-end, wasm in Chrome
	@scripts/test.sh

build: setup ## Build the release ad creative into dist/
	@scripts/build.sh

bench: setup ## Print benchmark figures (bundle sizes against the budgets)
	@scripts/bench.sh

size: bench ## Same as bench

fmt: ## Format all Rust code
	@cargo fmt --all

lint: setup ## cargo fmt --check and clippy -D warnings, native and wasm
	@scripts/lint.sh

export: build ## Package the creative for ad servers (HTML5 zips + third-party tags) into exports/
	@scripts/export.sh
