# Two commands for a fresh clone:
#   make demo   crawl the bundled demo portal, build the archive, print a summary
#   make test   run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test lint serve bench clean

$(BIN)/nianbao: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e '.[test]'
	@touch $@

demo: $(BIN)/nianbao
	$(BIN)/nianbao demo
	@echo "(nianbao is installed in $(VENV): \`make serve\` or \`$(BIN)/nianbao serve\` to browse it)"

test: $(BIN)/nianbao
	$(BIN)/python -m pytest -q

lint: $(BIN)/nianbao
	$(BIN)/ruff check .

serve: $(BIN)/nianbao
	$(BIN)/nianbao serve

bench: $(BIN)/nianbao
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) data export .pytest_cache
