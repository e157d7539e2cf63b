# crowdcare: `make demo` runs the product on SQLite with live simulated traffic;
# `make test` runs the whole suite on SQLite and on PostgreSQL.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST := $(BIN)/pytest -p no:cacheprovider
export CROWDCARE_TEST_DATABASE_URL ?= postgresql://127.0.0.1:5432/test

.PHONY: install demo test test-sqlite test-postgres lint lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: install
	$(BIN)/crowdcare demo

# The two legs run side by side (one core each; each leg's output is printed when it ends).
test: install
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	CROWDCARE_TEST_BACKEND=sqlite $(PYTEST) tests

test-postgres: install
	CROWDCARE_TEST_BACKEND=postgresql $(PYTEST) tests

lint: install
	$(BIN)/ruff check src tests

# Re-pin every dependency after changing pyproject.toml.
lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^crowdcare' > requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache
