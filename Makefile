# One virtualenv for everything local (tests, local platform, CDK). Lambda packages are built
# separately from requirements/lambda.txt by the CDK stack.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt requirements/lambda.txt | cksum | cut -d' ' -f1)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

# Tests run on every core (pytest-xdist); PYTEST_WORKERS=0 runs them in this one process.
PYTEST_WORKERS ?= auto

.PHONY: run test lint format synth bench docs lock clean bootstrap diff deploy destroy console console-api

# The operator console (console/, TypeScript + Vite): `npm ci` when its lockfile changed (a
# stamp like the virtualenv's), a build into console/dist when its sources changed. A checkout
# without console/package.json has no console: the targets then skip it.
CONSOLE_PACKAGE := $(wildcard console/package.json)
ifneq ($(CONSOLE_PACKAGE),)
CONSOLE_DEPS := console/node_modules/.installed-$(shell cat console/package-lock.json 2>/dev/null | cksum | cut -d' ' -f1)
CONSOLE_SOURCES := $(shell find console/src console/public -type f 2>/dev/null) \
	$(wildcard console/package.json console/index.html console/vite.config.* console/tsconfig*.json console/openapi.json)
CONSOLE_BUILD := console/dist/index.html
endif

$(STAMP): requirements/dev.txt requirements/lambda.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	rm -f $(VENV)/.installed-* && touch $@

## run: the local platform on 127.0.0.1:8080 with one demo charger (ARGS="--no-demo" to skip)
run: $(STAMP) console
	$(BIN)/python -m local $(ARGS)

## test: the whole suite (unit, integration, e2e, infrastructure), in parallel; PYTEST_ARGS adds options
test: $(STAMP) console
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## lint: ruff, mypy and the import contracts (pyproject.toml [tool.importlinter]); the console's type check and lint
lint: $(STAMP) $(CONSOLE_DEPS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(if $(CONSOLE_PACKAGE),cd console && npm run lint)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## synth: the CDK app into cdk.out, no Docker; offline once the Lambda layer is in .cache/
## (its first build, and each change of requirements/lambda.txt, needs the package index)
synth: $(STAMP) console
	$(BIN)/python app.py

## bench: benchmarks -> benchmarks/results/last-run/ (ARGS=--publish: also BENCHMARKS.md)
bench: $(STAMP) console
	$(BIN)/python -m benchmarks $(ARGS)

## console: the operator console into console/dist (served by `make run` at /console/)
console: $(CONSOLE_BUILD)
	$(if $(CONSOLE_PACKAGE),,@echo "no console/package.json here: no console to build")

# Named by the lockfile's checksum: a new lockfile means a new stamp, and only that re-installs.
$(CONSOLE_DEPS):
	cd console && npm ci --no-audit --no-fund
	mkdir -p console/node_modules && rm -f console/node_modules/.installed-* && touch $@

$(CONSOLE_BUILD): $(CONSOLE_DEPS) $(CONSOLE_SOURCES)
	cd console && npm run build
	touch $@

## console-api: the console's copy of the operator API's OpenAPI document and its generated types
console-api: $(STAMP) $(CONSOLE_DEPS)
	@test -f console/package.json || { echo "no console/package.json here: no console"; exit 1; }
	$(BIN)/python -m devtools.dump_openapi operator > console/openapi.json.tmp \
		|| { rm -f console/openapi.json.tmp; exit 1; }
	mv console/openapi.json.tmp console/openapi.json
	cd console && npm run gen:api

# The CDK CLI pinned in package.json; `npm ci` needs the npm registry once.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

## bootstrap, diff, deploy, destroy: the pinned CDK CLI against your AWS account (ARGS="-c key=value")
bootstrap diff deploy destroy: $(STAMP) console node_modules/.package-lock.json
	PATH="$(CURDIR)/$(BIN):$$PATH" node_modules/.bin/cdk $@ $(ARGS)

## docs: regenerate what docs/ derives from the code (action index, event schemas)
docs: $(STAMP)
	$(BIN)/python -m devtools.action_index > docs/actions.md
	$(BIN)/python -m shared.models.event_catalogue > docs/events.schema.json
	$(BIN)/python -m devtools.use_cases > docs/ocpp201-use-cases.md

## lock: re-pin requirements/*.txt from requirements/*.in
lock: $(STAMP)
	$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras -o requirements/lambda.txt requirements/lambda.in
	$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras -o requirements/dev.txt requirements/dev.in

clean:
	rm -rf cdk.out .mypy_cache .ruff_cache .pytest_cache console/dist
