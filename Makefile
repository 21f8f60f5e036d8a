# PCC: the commands a newcomer needs. `make demo` runs the main job; `make test` the test suite.
# Each target installs and starts what it needs (Node packages, Kafka, registry, Postgres).
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPX := npx --no-install
ARGS ?=

.PHONY: help install up down status test test-unit typecheck demo bench migrate train eval bench-model browser

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

node_modules/.pcc-installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.pcc-installed ## install the Node packages (npm ci) when package-lock.json changed

up: install ## start Kafka, the schema registry and Postgres; create topics, register schemas, migrate
	bash infra/up.sh
	$(NPX) pcc bootstrap

down: ## stop what `make up` started from this checkout
	bash infra/down.sh

migrate: install ## apply database migrations
	$(NPX) pcc migrate

typecheck: install ## TypeScript compiler check
	$(NPX) tsc -p tsconfig.json --noEmit

test-unit: install ## tests that need no services
	$(NPX) mocha --spec 'test/unit/**/*.test.ts'

test: up typecheck browser ## the whole suite against the real Kafka, registry and Postgres (and the dashboard in Chromium)
	$(NPX) mocha 'test/unit/**/*.test.ts' 'test/integration/**/*.test.ts'

# Chromium drives the dashboard test through playwright-core; Debian's build, never a download.
# Never fatal: without apt (or root) the dashboard test is skipped and says how to get Chromium.
browser: ## install Debian's chromium for the dashboard test (apt, when root; skipped otherwise)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "browser: chromium could not be installed; the dashboard test will be skipped"; \
	  else echo "browser: chromium missing (apt-get install chromium); the dashboard test will be skipped"; fi; }

demo: up ## the main job: pipeline, gateway, a synthetic batch and real samples, then a report (ARGS=--once to stop after it)
	$(NPX) pcc demo $(ARGS)

bench: up ## benchmarks against the real services; results in bench/results/
	$(NPX) pcc bench $(ARGS)

-include ml/ml.mk
