# The two commands a new user needs: `make demo` (the main job, end to end) and `make test`.
# Both create .venv and install align into it on first use; later runs reuse it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install browser demo test lint clean

TORCH_VERSION ?= 2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

# torch first, its CPU build from PyTorch's own index: on plain PyPI the same pin is the multi-GB CUDA
# build (plus ~15 nvidia-* packages and triton). The index is probed first: pip would retry an
# unreachable one for minutes, and still succeed from any other index it is configured with.
# Where it cannot be reached, the plain pin (some pips are configured to resolve it to a CPU build).
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@if $(BIN)/python -c "import urllib.request; urllib.request.urlopen('$(TORCH_CPU_INDEX)/torch/', timeout=20)" 2>/dev/null \
		&& $(BIN)/pip install --quiet --timeout 20 --index-url $(TORCH_CPU_INDEX) torch==$(TORCH_VERSION); then \
		echo "torch $(TORCH_VERSION): installed from PyTorch's CPU index, $(TORCH_CPU_INDEX)"; \
	else \
		echo "torch $(TORCH_VERSION): $(TORCH_CPU_INDEX) could not be used; installing the plain pin torch==$(TORCH_VERSION)"; \
		$(BIN)/pip install --quiet torch==$(TORCH_VERSION); \
	fi
	$(BIN)/pip install --quiet -e ".[dev]"
	@$(BIN)/python -c "import torch; print('torch', torch.__version__, 'installed:', 'CPU build' if torch.version.cuda is None else f'CUDA {torch.version.cuda} build')"
	touch $(INSTALLED)

install: $(INSTALLED)

demo: $(INSTALLED)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/quickstart.sh

# The browser tests drive align serve's page in Debian's chromium (Playwright's own browser download
# needs the internet), with a CJK font for the screenshots. Installed where apt-get can (as root or
# through sudo); elsewhere those tests skip, saying so in one line.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
		APT="$$([ "$$(id -u)" = 0 ] || echo sudo -n) env DEBIAN_FRONTEND=noninteractive apt-get -y -q"; \
		echo "browser tests: installing Debian's chromium with apt-get"; \
		{ $$APT install chromium fonts-wqy-zenhei >/dev/null 2>&1 \
		  || { $$APT update >/dev/null 2>&1 && $$APT install chromium fonts-wqy-zenhei >/dev/null 2>&1; }; } \
		|| echo "browser tests: apt-get could not install chromium; they will skip"; \
	else \
		echo "browser tests: no chromium and no apt-get to install it with; they will skip"; \
	fi

test: $(INSTALLED) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) runs
