# The two commands of the README:
#   make demo   set up everything and run the end-to-end demo
#   make test   set up everything, start a throw-away Neo4j, run ruff, mypy and pytest
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint typecheck pytest neo4j-start neo4j-stop clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/fraudgraph demo

lint: install
	$(VENV)/bin/ruff check fraudgraph tests benchmarks
	$(VENV)/bin/ruff format --check fraudgraph tests benchmarks

typecheck: install
	$(VENV)/bin/mypy

# pytest starts its own Neo4j on a free port with a temporary data folder (tests/conftest.py)
# and stops it at the end, so a developer's server is never touched.
pytest: install
	$(VENV)/bin/pytest

test: lint typecheck pytest

neo4j-start: install
	$(VENV)/bin/fraudgraph neo4j start

neo4j-stop: install
	$(VENV)/bin/fraudgraph neo4j stop

clean:
	rm -rf $(VENV) deploy/neo4j/target .pytest_cache .mypy_cache .ruff_cache
