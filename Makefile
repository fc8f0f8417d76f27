# The README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
PYTEST_WORKERS ?= 2

.PHONY: install demo test lint unit bench lock clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or later is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

demo: install
	$(BIN)/consolidate demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

unit: install
	$(BIN)/pytest tests/unit

bench: install
	$(BIN)/python -m bench.extract
	$(BIN)/python -m bench.validation
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.load_memory
	$(BIN)/python -m bench.reconcile
	$(BIN)/python -m bench.web
	$(BIN)/python -m bench.scaffold

# constraints.txt pins every package the project installs (what CI and the demo get); `make lock`
# writes it anew from a fresh venv with the newest releases that pyproject.toml allows.
lock:
	rm -rf var/lock-venv
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install -q --upgrade pip
	var/lock-venv/bin/python -m pip install -q -e '.[dev]'
	( echo "# Every package the project installs, pinned (make lock writes this file)."; \
	  var/lock-venv/bin/python -m pip freeze --exclude-editable ) > constraints.txt
	rm -rf var/lock-venv

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
