# The two commands of the README: `make demo` (main job) and `make test` (every test).
# Both install what they need into .venv first, so a fresh clone needs only Python 3.11,
# Java 17 and Maven; Neo4j and Kafka come from Maven Central (cached in ~/.cache/hausgraph).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint unit integration browser-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hausgraph demo

# Headless Chromium from Debian for the browser test (nothing is downloaded at test time).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "cannot install chromium (needed by tests/browser)"; exit 1; }; }

# Lint first (fast, fails loudly), then every test. The tests' own servers (.hausgraph-test/, their
# own ports) are stopped at the end unless KEEP_SERVERS=1; a user's demo servers are never touched.
test: lint browser-deps
	$(BIN)/python -m pytest tests

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

clean:
	-$(BIN)/hausgraph servers stop
	-HAUSGRAPH_STATE_DIR=.hausgraph-test $(BIN)/hausgraph servers stop
	rm -rf $(VENV) .hausgraph .hausgraph-test out
