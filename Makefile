# The two commands that matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := models/current.tar.gz
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore
# No usage data or crash reports leave the machine (Rasa sends both by default).
export RASA_TELEMETRY_ENABLED := false

# Everything the trained model is made from: retrain when one of these changes.
# (The entity extractor's code and vocabularies are loaded when the server starts,
# so changing them needs a restart, not a retrain.)
MODEL_INPUTS := config.yml domain.yml $(shell find data components -name '*.yml' -o -name '*.py' 2>/dev/null)

.PHONY: run run-cluster test train eval bench bench-load validate lock clean staff golden

WIDGET_DEPS := widget/node_modules/.package-lock.json

run: $(STAMP) $(MODEL) $(WIDGET_DEPS)
	$(BIN)/python -m scripts.serve

# Two replicas, two action servers and nginx, on the local PostgreSQL and Redis (README).
run-cluster: $(STAMP) $(MODEL) $(WIDGET_DEPS)
	scripts/ensure-debian-package.sh /usr/sbin/nginx nginx
	$(BIN)/python -m scripts.cluster

test: $(STAMP) $(MODEL) $(WIDGET_DEPS)
	scripts/ensure-debian-package.sh $${CHROMIUM:-/usr/bin/chromium} chromium
	scripts/ensure-debian-package.sh /usr/sbin/nginx nginx
	$(BIN)/pytest

# The widget's one browser library (socket.io-client), exactly as widget/package-lock.json says.
$(WIDGET_DEPS): widget/package.json widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund --loglevel=error

train: $(MODEL)

$(MODEL): $(STAMP) $(MODEL_INPUTS)
	@echo "Training the model (about 10 minutes on 2 cores; progress below)..."
	$(BIN)/rasa train --fixed-model-name current --out models
	@touch $(MODEL)

$(STAMP): requirements.lock requirements.in
	@PY=$$(scripts/find-python.sh) && echo "Using $$PY" && \
	  ( [ -x $(BIN)/python ] || $$PY -m venv $(VENV) )
	$(BIN)/pip install --quiet --upgrade "pip<25"
	@echo "Installing pinned dependencies (about 3 minutes, 2.8 GB, the first time)..."
	$(BIN)/pip install --quiet --progress-bar off -c requirements.lock -r requirements.in
	@touch $(STAMP)

validate: $(STAMP)
	$(BIN)/rasa data validate --fail-on-warnings

# Trains on data/nlu only and scores the test set, the dev set and the old held-out set
# (make eval ARGS="--sets dev" while tuning: the test set is never used for decisions).
eval: $(STAMP)
	$(BIN)/python -m scripts.evaluate_nlu $(ARGS)

# Rewrites tests/golden/engine_answers.txt after a deliberate change to rules or knowledge: review its diff.
golden: $(STAMP)
	UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden_answers.py

bench: $(STAMP) $(MODEL)
	$(BIN)/python -m scripts.bench

# Staff command line: make staff ARGS="leads list" (see README).
staff: $(STAMP)
	$(BIN)/python -m bot.cli $(ARGS)

# Load at 8, 32 and 64 concurrent applicants: one replica, two, and the `rasa init` bot.
bench-load: $(STAMP) $(MODEL) $(WIDGET_DEPS)
	scripts/ensure-debian-package.sh /usr/sbin/nginx nginx
	$(BIN)/python -m scripts.bench_load

# Re-resolve requirements.in and freeze every version into requirements.lock.
lock:
	@PY=$$(scripts/find-python.sh) && rm -rf /tmp/lock-venv && $$PY -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -r requirements.in
	/tmp/lock-venv/bin/pip freeze | grep -v '^-e ' > requirements.lock

clean:
	rm -rf models results .pytest_cache
