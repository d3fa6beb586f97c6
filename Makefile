# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app app
STAMP := $(VENV)/.installed-stamp
MO := translations/zh_Hans_CN/LC_MESSAGES/messages.mo

.PHONY: install system-deps run serve test bench translations-update clean

NODE_STAMP := node_modules/.installed-stamp

install: system-deps $(STAMP) $(MO) instance/config.py

system-deps:
	@sh scripts/system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Test tools from the npm registry (axe-core), pinned by package-lock.json; never fetched at run time.
# Only `make test` needs them (and Node.js): `make run` stays Python and Debian packages.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(MO): translations/zh_Hans_CN/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -d translations

# A per-installation secret key, made once; never committed.
instance/config.py:
	mkdir -p instance
	$(PY) -c "import secrets; print('SECRET_KEY = %r' % secrets.token_hex(32))" > $@

run: install
	$(FLASK) init-db
	@# The demo's users have a published password: only an installation run as a development one takes them.
	INSPECTION_ENV_NAME=development $(FLASK) demo
	@# Collect photo files a crash left unreferenced; a lost file is reported, not fatal.
	-$(FLASK) media check --repair
	@echo "Serving on http://127.0.0.1:5000"
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production: gunicorn workers (gunicorn.conf.py) on INSPECTION_BIND (127.0.0.1:8000), JSON logs. No demo users;
# the secret key comes from instance/config.py (made by install) or INSPECTION_SECRET_KEY.
serve: install
	$(FLASK) init-db
	$(VENV)/bin/gunicorn -c gunicorn.conf.py app:app

test: install $(NODE_STAMP)
	$(VENV)/bin/ruff check inspection tests bench migrations
	$(VENV)/bin/lint-imports
	@# Two workers, given whole modules: a module's cases share its seeded world (the route table counts them).
	$(PY) -m pytest -n 2 --dist loadfile

bench: install
	$(PY) bench/run.py

# Problems are raised with an English template that is also their catalogue key.
BABEL_KEYWORDS := _l BadRequest Unauthorized Forbidden NotFound Conflict TooLarge TooManyRequests Unavailable Invalid PhotoError UserError

translations-update: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg $(addprefix -k ,$(BABEL_KEYWORDS)) -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations
	$(PY) scripts/translations_zh.py
	$(VENV)/bin/pybabel compile -d translations

clean:
	rm -rf $(VENV) instance/inspection.sqlite3* instance/media
