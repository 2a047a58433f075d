# Quick start (a machine with only python3):
#   make annotate   # venv + pinned install + annotate the bundled corpus into out/
#   make test       # venv + pinned install (with test extras) + the test suite
#   make render     # one corpus letter as HTML (displaCy span view + decisions): out/letter.html
#   make report     # corpus report (inline CSS/SVG) out/report.html + CSV files in out/report/
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
LETTER ?= corpus/seeds/000_be903013f77bdc94.txt

.PHONY: annotate evaluate test install install-test assemble render report clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c requirements.lock -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

annotate: install
	$(BIN)/imr annotate corpus/seeds corpus/dev -o $(OUT)/annotations.jsonl
	$(BIN)/imr evaluate $(OUT)/annotations.jsonl --gold corpus/gold

evaluate: install
	$(BIN)/imr evaluate $(OUT)/annotations.jsonl --gold corpus/gold

$(OUT)/annotations.jsonl:
	$(MAKE) annotate

render: install
	$(BIN)/imr render $(LETTER) -o $(OUT)/letter.html

report: install $(OUT)/annotations.jsonl
	$(BIN)/imr report $(OUT)/annotations.jsonl -o $(OUT)/report.html --csv $(OUT)/report

assemble: install
	$(BIN)/python -m spacy assemble configs/imr.cfg build/imr_pipeline

test: install-test
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(OUT) build dist
