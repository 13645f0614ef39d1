# The two commands of the README:
#   make demo   set up everything and run the end-to-end demo
#   make test   set up everything, start a throw-away Neo4j, run linters, type checks and tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROTOS := $(wildcard proto/fraudgraph/v1/*.proto)
PROTO_STAMP := fraudgraph/_proto/.generated
NODE_STAMP  := clients/node/node_modules/.installed
CHROMIUM_STAMP := $(VENV)/.chromium

.PHONY: demo test install lint typecheck buf-lint pytest neo4j-start neo4j-stop clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# gRPC code is generated from the protos by the build, never edited by hand.
$(PROTO_STAMP): $(STAMP) $(PROTOS)
	$(PY) -m fraudgraph.service.codegen
	touch $(PROTO_STAMP)

# buf (proto lint) and the Node client of the cross-language test, from the npm lock file.
$(NODE_STAMP): clients/node/package.json clients/node/package-lock.json
	cd clients/node && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Debian's Chromium (and a CJK font for screenshots) for the console's browser test; Playwright
# drives /usr/bin/chromium, never a downloaded browser. Without root the test skips (CI fails it).
$(CHROMIUM_STAMP): $(STAMP)
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium fonts-wqy-microhei) || echo "warning: chromium not installed"
	touch $(CHROMIUM_STAMP)

install: $(STAMP) $(PROTO_STAMP) $(NODE_STAMP) $(CHROMIUM_STAMP)

demo: install
	$(VENV)/bin/fraudgraph demo

lint: install
	$(VENV)/bin/ruff check fraudgraph tests benchmarks
	$(VENV)/bin/ruff format --check fraudgraph tests benchmarks

buf-lint: install
	clients/node/node_modules/.bin/buf lint proto

typecheck: install
	$(VENV)/bin/mypy

# pytest starts its own Neo4j on a free port with a temporary data folder (tests/conftest.py)
# and stops it at the end, so a developer's server is never touched.
pytest: install
	$(VENV)/bin/pytest

test: lint buf-lint typecheck pytest

neo4j-start: install
	$(VENV)/bin/fraudgraph neo4j start

neo4j-stop: install
	$(VENV)/bin/fraudgraph neo4j stop

clean:
	rm -rf $(VENV) deploy/neo4j/target fraudgraph/_proto clients/node/node_modules \
	  .pytest_cache .mypy_cache .ruff_cache test-artifacts
