# One virtualenv for everything local (tests, local platform, CDK). Lambda packages are built
# separately from requirements/lambda.txt by the CDK stack.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt requirements/lambda.txt | cksum | cut -d' ' -f1)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: run test lint format synth bench docs lock clean

$(STAMP): requirements/dev.txt requirements/lambda.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	rm -f $(VENV)/.installed-* && touch $@

## run: the local platform on 127.0.0.1:8080 with one demo charger (ARGS="--no-demo" to skip)
run: $(STAMP)
	$(BIN)/python -m local $(ARGS)

## test: the whole suite (unit, integration, e2e, infrastructure)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff, mypy and the import contracts (pyproject.toml [tool.importlinter])
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## synth: the CDK app, offline (Lambda dependencies come from the package index, no Docker)
synth: $(STAMP)
	$(BIN)/python app.py

## bench: benchmarks -> benchmarks/results/latest.json and BENCHMARKS.md
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## docs: regenerate what docs/ derives from the code (action index, event schemas)
docs: $(STAMP)
	$(BIN)/python -m devtools.action_index > docs/actions.md
	$(BIN)/python -m shared.models.event_catalogue > docs/events.schema.json

## lock: re-pin requirements/*.txt from requirements/*.in
lock: $(STAMP)
	$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras -o requirements/lambda.txt requirements/lambda.in
	$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras -o requirements/dev.txt requirements/dev.in

clean:
	rm -rf cdk.out .mypy_cache .ruff_cache .pytest_cache
