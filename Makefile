# make demo: JupyterLab on notebooks/ against the built-in demo catalogue.
# make app: the explorer (notebooks/05-explorer.ipynb) as a standalone Voila web app.
# make test: the whole suite (unit tests, nbval over every notebook, browser tests).
# Both create .venv and install the pinned environment on first use; only Python 3.10+ and pip needed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8888

.PHONY: demo app test test-floors lint bench docs notebooks install clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[notebook,test,lint,docs]"
	@touch $(STAMP)

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# SHAREDCLOUD_DEMO=1 makes sc.connect() use the demo catalogue even where a token is configured.
demo: $(STAMP)
	cd notebooks && SHAREDCLOUD_DEMO=1 ../$(PY) -m jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) $(ALLOW_ROOT) 01-quickstart.ipynb

# The explorer as a web app: Voila runs notebooks/05-explorer.ipynb and shows its outputs, never its
# code nor a traceback. The demo catalogue, unless SHAREDCLOUD_TOKEN is in the environment: then the
# app shows that account (the token stays in the environment, never in the notebook). Voila's own
# default port, so that make demo and make app can run side by side; make app PORT=N to choose.
# The page is share/jupyter/voila/templates/sharedcloud (found through JUPYTER_PATH): Voila's lab
# template without its CDN links, so that the app works offline.
app: PORT = 8866
app: $(STAMP)
	@echo "The explorer app: http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	cd notebooks && $(if $(SHAREDCLOUD_TOKEN),,SHAREDCLOUD_DEMO=1) JUPYTER_PATH="$(CURDIR)/share/jupyter$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))" ../$(PY) -m voila 05-explorer.ipynb \
		--template=sharedcloud --no-browser --Voila.ip=127.0.0.1 --port=$(PORT) --strip_sources=True --show_tracebacks=False

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

# The declared floors are true: the lowest release series of each core dependency that pyproject.toml
# declares (tools/floors.py reads them: numpy>=1.26 installs numpy==1.26.*), in a fresh venv of their
# own, with the package installed without its dependencies, running the tests of the core (frames,
# dates, files, client, transport, store; no widgets, plots, notebooks or browser). About two minutes.
FLOORS_VENV  := .venv-floors
FLOORS_TESTS := tests/test_schema.py tests/test_frames.py tests/test_frames_fast.py tests/test_frames_json.py \
	tests/test_frames_export.py tests/test_data_hardening.py tests/test_warnings.py tests/test_load.py \
	tests/test_client.py tests/test_client_streaming.py tests/test_connect.py tests/test_transport_hardening.py \
	tests/test_token_safety.py tests/test_demo_api.py tests/test_demo_server.py tests/test_faults.py \
	tests/test_store.py tests/test_timeline.py tests/test_listing_stream.py tests/test_missing_uuid.py
PIP_QUIET    := --quiet --disable-pip-version-check

test-floors:
	rm -rf $(FLOORS_VENV)
	$(PYTHON) -m venv $(FLOORS_VENV)
	$(FLOORS_VENV)/bin/python -m pip install $(PIP_QUIET) $$($(PYTHON) tools/floors.py) "pytest>=8" "orjson>=3.9"
	$(FLOORS_VENV)/bin/python -m pip install $(PIP_QUIET) --no-deps -e .
	$(FLOORS_VENV)/bin/python -m pip list --disable-pip-version-check | grep -iE '^(numpy|pandas|pyarrow|requests|urllib3|tqdm) '
	$(FLOORS_VENV)/bin/python -m pytest -p no:cacheprovider -o addopts="" -q $(FLOORS_TESTS)

# ruff (lint and format) and mypy, configured in pyproject.toml; make test runs it first.
lint: $(STAMP)
	$(VENV)/bin/ruff check sharedcloud_nb tests benchmarks tools docs conftest.py
	$(VENV)/bin/ruff format --check sharedcloud_nb tests benchmarks tools docs conftest.py
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# The documentation site (notebooks as committed, API reference, links checked offline): build/docs/index.html.
docs: $(STAMP)
	$(PY) tools/build_docs.py --notebooks notebooks --out build/docs

# Re-run the notebooks in place against the demo catalogue (then commit them with their outputs).
notebooks: $(STAMP)
	SHAREDCLOUD_DEMO=1 MPLBACKEND=Agg $(PY) -m jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.store_widget_state=False notebooks/*.ipynb

clean:
	rm -rf build .pytest_cache
