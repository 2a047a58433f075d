# Quick start (a machine with only python3):
#   make annotate   # venv + pinned install + annotate the bundled corpus into out/ and score it
#   make test       # venv + pinned install (with test extras) + the test suite
# More:
#   make dist       # dist/: wheels of the library (imr-pipeline) and of the packaged pipeline (en_imr_pipeline)
#   make render     # one corpus letter as HTML (displaCy span view + decisions): out/letter.html
#   make report     # corpus report (inline CSS/SVG) out/report.html + CSV files in out/report/
#   make lock       # regenerate requirements/py3.X.lock for this Python from pyproject.toml
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
LETTER ?= corpus/seeds/000_be903013f77bdc94.txt
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
LOCK ?= requirements/py$(PY_VERSION).lock
VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' pipeline/about.py)

.PHONY: annotate evaluate test test-slow install install-test dist assemble render report lock clean

$(BIN)/python:
	@test -f $(LOCK) || { echo "no lock file $(LOCK): supported Pythons are 3.11, 3.12 and 3.13 (PYTHON=python3.12 make ...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"

$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/pip install --quiet -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c $(LOCK) -e ".[test,dev]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

annotate: install
	$(BIN)/imr annotate corpus/seeds corpus/dev corpus/synthetic -o $(OUT)/annotations.jsonl --overwrite
	$(BIN)/imr evaluate $(OUT)/annotations.jsonl --gold corpus/gold

evaluate: install
	$(BIN)/imr evaluate $(OUT)/annotations.jsonl --gold corpus/gold

$(OUT)/annotations.jsonl:
	$(MAKE) annotate

render: install
	$(BIN)/imr render $(LETTER) -o $(OUT)/letter.html

report: install $(OUT)/annotations.jsonl
	$(BIN)/imr report $(OUT)/annotations.jsonl -o $(OUT)/report.html --csv $(OUT)/report

test: install-test
	$(BIN)/python -m pytest -q

# The slow tests: wheels installed into fresh venvs (Python 3.11 + spaCy 3.7, Python 3.12 + spaCy 3.8).
test-slow: install-test
	$(BIN)/python -m pytest -q -m slow

assemble: install
	$(BIN)/python -m spacy assemble configs/imr.cfg build/imr_pipeline

# Two wheels: the library, and the rule pipeline packaged by `spacy package`
# (its meta requires imr-pipeline and admits spaCy 3.7 and 3.8: the pipeline has no weights).
dist: install-test
	rm -rf dist build/imr_pipeline build/package
	mkdir -p dist build/package
	$(BIN)/python -m build --wheel --outdir dist . >/dev/null
	$(BIN)/python -m spacy assemble configs/imr.cfg build/imr_pipeline >/dev/null
	sed 's/@VERSION@/$(VERSION)/g' configs/package_meta.json > build/package_meta.json
	$(BIN)/python -m spacy package build/imr_pipeline build/package --meta-path build/package_meta.json \
		--name imr_pipeline --version $(VERSION) --build wheel --force >/dev/null
	cp build/package/en_imr_pipeline-$(VERSION)/dist/*.whl dist/
	@ls dist

lock:
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet --upgrade "pip==26.3"
	build/lock-venv/bin/pip install --quiet ".[test,dev]"
	( echo "# Pinned versions CI tests on Python $(PY_VERSION) (make lock regenerates this file)."; \
	  build/lock-venv/bin/pip freeze --exclude imr-pipeline ) > requirements/py$(PY_VERSION).lock
	rm -rf build/lock-venv

clean:
	rm -rf $(VENV) $(OUT) build dist
