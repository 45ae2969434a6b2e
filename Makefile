# The two commands a reader needs:
#   make book   build the book (installs everything first) and print where to open it
#   make test   run every test: lint (ruff), types (mypy), unit tests, notebooks on the smoke preset, browser test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install book serve test bench clean-book

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-nodeps.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-nodeps.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (enhancelib)" > /dev/null
	touch $@

# Chromium for the browser test (Debian package; needs root, as in CI).
browser:
	@command -v chromium > /dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium > /dev/null; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium) for the browser test."; fi; }

book: install
	$(BIN)/python scripts/build_book.py

serve: book
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html 8000

test: install browser
	$(BIN)/ruff check enhancelib tests scripts
	$(BIN)/mypy
	ENHANCELIB_PRESET=smoke $(BIN)/python -m pytest tests notebooks --nbval-lax

bench: install
	for script in scripts/bench_*.py; do $(BIN)/python $$script; done

clean-book:
	rm -rf _build
