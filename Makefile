# The two commands that matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := models/current.tar.gz
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
# No usage data or crash reports leave the machine (Rasa sends both by default).
export RASA_TELEMETRY_ENABLED := false

# Everything the trained model is made from: retrain when one of these changes.
# (The entity extractor's code and vocabularies are loaded when the server starts,
# so changing them needs a restart, not a retrain. The channels and the tracker store
# are not part of the model: changing them costs no 10-minute retrain.)
MODEL_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) \
  components/question_focus.py components/spacy_entities.py components/linear_intent.py

.PHONY: help run run-cluster test test-fast check train eval bench bench-load validate lock clean staff golden fuzz parse

WIDGET_DEPS := widget/node_modules/.package-lock.json

help:  ## This list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

test-fast: $(STAMP)  ## The unit tests only (no servers, no model): about a minute
	$(BIN)/pytest -m "not slow"

# .ci/run runs this before the tests.
check: $(STAMP)  ## ruff (lint, format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

run: $(STAMP) $(MODEL) $(WIDGET_DEPS)  ## Start the assistant on http://localhost:5005 and the staff dashboard on :8000 (installs and trains first if needed)
	$(BIN)/python -m scripts.serve

# Two replicas, two action servers and nginx, on the local PostgreSQL and Redis (README).
run-cluster: $(STAMP) $(MODEL) $(WIDGET_DEPS)  ## Two replicas, two action servers and nginx on the local PostgreSQL and Redis
	scripts/ensure-debian-package.sh /usr/sbin/nginx nginx
	$(BIN)/python -m scripts.cluster

test: $(STAMP) $(MODEL) $(WIDGET_DEPS)  ## Every test (installs and trains first if needed)
	scripts/ensure-debian-package.sh $${CHROMIUM:-/usr/bin/chromium} chromium
	scripts/ensure-debian-package.sh /usr/sbin/nginx nginx
	$(BIN)/pytest

# The widget's one browser library (socket.io-client), exactly as widget/package-lock.json says.
$(WIDGET_DEPS): widget/package.json widget/package-lock.json | $(STAMP)
	$(BIN)/python scripts/stage.py "Installing the widget's browser library" 15 -- \
	  sh -c 'cd widget && npm ci --no-audit --no-fund --loglevel=error'

train: $(MODEL)  ## Train the model when its inputs changed

$(MODEL): $(STAMP) $(MODEL_INPUTS)
	$(BIN)/python scripts/stage.py "Training the model" 30 -- $(BIN)/rasa train --fixed-model-name current --out models
	@touch $(MODEL)

$(STAMP): requirements.lock requirements.in
	@PY=$$(scripts/find-python.sh) && echo "Using $$PY" && \
	  ( [ -x $(BIN)/python ] || $$PY -m venv $(VENV) )
	$(BIN)/pip install --quiet --upgrade "pip<25"
	@# 2.8 GB the first time (Rasa brings TensorFlow): about 90 s from a warm package cache.
	$(BIN)/python scripts/stage.py "Installing pinned dependencies" 150 -- \
	  $(BIN)/pip install --quiet --progress-bar off -c requirements.lock -r requirements.in
	@touch $(STAMP)

validate: $(STAMP)  ## rasa data validate
	$(BIN)/rasa data validate --fail-on-warnings

# Trains on data/nlu only and scores the test set, the dev set and the old held-out set
# (make eval ARGS="--sets dev" while tuning: the test set is never used for decisions).
eval: $(STAMP)  ## NLU scores on the test, dev and old held-out sets
	$(BIN)/python -m scripts.evaluate_nlu $(ARGS)

# One conversation's messages on standard input, one per line: make parse < messages.txt (see scripts/parse.py).
# Installing and training (when needed) report on standard error: standard output is the JSON lines only.
parse:  ## Read messages on standard input, print what the model understood (one JSON line each)
	@$(MAKE) --no-print-directory $(MODEL) >&2
	@$(BIN)/python -m scripts.parse $(ARGS)

# 500 conversations off the script against the real servers (a fixed-seed 60 run in `make test`);
# failing ones go to results/ (replay: python -m scripts.fuzz --replay results/fuzz-.../N.json).
fuzz: $(STAMP) $(MODEL)  ## Dialogue fuzzing: 500 conversations, violations by invariant (must be 0)
	$(BIN)/python -m scripts.fuzz $(ARGS)

# Rewrites tests/golden/engine_answers.txt after a deliberate change to rules or knowledge: review its diff.
golden: $(STAMP)  ## Rewrite the golden engine answers after a deliberate change (review the diff)
	UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/rules/test_golden_answers.py

bench: $(STAMP) $(MODEL)  ## Latency, throughput, memory and training time beside the `rasa init` example bot; sign-ins
	$(BIN)/python -m scripts.bench $(ARGS)
	$(BIN)/python -m scripts.bench_signin

# Staff command line: make staff ARGS="leads list" (see README).
staff: $(STAMP)  ## The staff command line: make staff ARGS="leads list" or ARGS="users add EMAIL --role attorney"
	$(BIN)/python -m bot.backoffice.cli $(ARGS)

# Load at 8, 32 and 64 concurrent applicants: one replica, two, and the `rasa init` bot.
bench-load: $(STAMP) $(MODEL) $(WIDGET_DEPS)  ## Load at 8, 32 and 64 concurrent applicants
	scripts/ensure-debian-package.sh /usr/sbin/nginx nginx
	$(BIN)/python -m scripts.bench_load $(ARGS)

# Re-resolve requirements.in and freeze every version into requirements.lock.
lock:  ## Re-resolve requirements.in into requirements.lock
	@PY=$$(scripts/find-python.sh) && rm -rf /tmp/lock-venv && $$PY -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -r requirements.in
	/tmp/lock-venv/bin/pip freeze | grep -v '^-e ' > requirements.lock

clean:  ## Remove models, results and the pytest cache
	rm -rf models results .pytest_cache
