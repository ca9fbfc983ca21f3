# make demo: JupyterLab on notebooks/ against the built-in demo catalogue.
# make app: the explorer (notebooks/05-explorer.ipynb) as a standalone Voila web app.
# make test: the whole suite (unit tests, nbval over every notebook, browser tests).
# Both create .venv and install the pinned environment on first use; only Python 3.10+ and pip needed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8888

.PHONY: demo app test lint bench docs notebooks install clean

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
app: PORT = 8866
app: $(STAMP)
	@echo "The explorer app: http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	cd notebooks && $(if $(SHAREDCLOUD_TOKEN),,SHAREDCLOUD_DEMO=1) ../$(PY) -m voila 05-explorer.ipynb \
		--no-browser --Voila.ip=127.0.0.1 --port=$(PORT) --strip_sources=True --show_tracebacks=False

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

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
