# abtop: the commands a newcomer types. Every target that builds first runs the idempotent setup step.
SWIFT ?= swift

.PHONY: setup build demo test lint format conformance fleet fuzz bench validate-examples fixtures anytime-fixtures clean

setup:
	@./scripts/setup.sh

build: setup
	$(SWIFT) build

# The dashboard on two simulated models: no keys, no network, no files.
demo: build
	.build/debug/abtop demo

test: setup lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest --skip SerialTests
	$(SWIFT) test --skip-build --disable-xctest --filter SerialTests --no-parallel
	./Tests/Conformance/run.sh
	./Tests/Fleet/run.sh
	./scripts/fuzz.sh 40

# The toolchain's formatter, configured in .swift-format: `make lint` checks (part of `make test`), `make format`
# rewrites the files in place.
FORMATTED = Sources Tests Benchmarks
lint:
	$(SWIFT) format lint --strict --recursive $(FORMATTED)

format:
	$(SWIFT) format format --in-place --recursive $(FORMATTED)

# Coverage-guided fuzzing of the JSON, config and SSE parsers from the committed corpus (Tests/Fuzz/Corpus):
# `make fuzz SECONDS=600` runs each target longer than `make test` does.
SECONDS ?= 300
fuzz: setup
	./scripts/fuzz.sh $(SECONDS)

# The official openai and anthropic Python SDKs against `abtop mock-server` (part of `make test`).
conformance: build
	./Tests/Conformance/run.sh

# Three serve replicas behind nginx on a throwaway PostgreSQL and Redis (part of `make test`; docs/DEPLOY.md).
fleet: build
	./Tests/Fleet/run.sh

bench: setup
	$(SWIFT) run -c release Benchmarks

validate-examples: build
	@for f in examples/*.json; do echo "== $$f"; .build/debug/abtop validate "$$f" || exit 1; done

# Regenerates the statistics fixtures with scipy (needs python3 with scipy; not part of `make test`).
fixtures:
	python3 Tests/ABCoreTests/Fixtures/make_fixtures.py

# Regenerates the anytime-valid statistics' fixtures with the methods' authors' packages (confseq, savvi) in a
# virtualenv under .build; confseq compiles C++ against Boost. Not part of `make test`.
STATVENV = .build/statvenv
anytime-fixtures:
	dpkg -s libboost-dev >/dev/null 2>&1 || apt-get install -y -q libboost-dev
	python3 -m venv $(STATVENV)
	$(STATVENV)/bin/pip install -q ninja cmake scikit-build pybind11 setuptools wheel savvi==0.3.1
	PATH=$(CURDIR)/$(STATVENV)/bin:$$PATH $(STATVENV)/bin/pip install -q --no-build-isolation confseq==0.0.11
	$(STATVENV)/bin/python Tests/ABCoreTests/Fixtures/make_anytime_fixtures.py

clean:
	rm -rf .build
