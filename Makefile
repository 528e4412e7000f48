# The README's commands. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/continuite
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/15

.PHONY: demo test lint install bench-search bench-booking bench-closure bench-cases bench-outreach messages clean

$(STAMP): requirements/lock.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## Embedded SQLite, real directory, synthetic crisis, served on http://127.0.0.1:8000
	mkdir -p var
	CONTINUITE_DEMO=true $(BIN)/python manage.py migrate --no-input -v 0
	CONTINUITE_DEMO=true $(BIN)/python manage.py demo_setup
	CONTINUITE_DEMO=true $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint continuite --lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m continuite.core.lockaudit requirements/lock.txt
	CONTINUITE_ENV=production SECRET_KEY=check-deploy-key-$$(printf '%050d' 0) ALLOWED_HOSTS=example.org \
		DATABASE_URL=$(PG_URL) REDIS_URL=redis://127.0.0.1:6379/0 SITE_URL=https://example.org \
		SMS_API_URL=https://sms.example.org/send SMS_API_TOKEN=check SMS_WEBHOOK_SECRET=check \
		EMAIL_HOST=smtp.example.org DEFAULT_FROM_EMAIL=ne-pas-repondre@example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Test processes per database (pytest-xdist): one per core. Each process has its own test
# database, Celery queue and live server port; a test module stays in one process.
TEST_PROCESSES ?= auto
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_PROCESSES) --dist loadgroup

test: $(STAMP) lint  ## Lint, then the whole suite on PostgreSQL and on the embedded SQLite
	DATABASE_URL=$(PG_URL) $(PYTEST)
	env -u DATABASE_URL $(PYTEST)

bench-search: $(STAMP)  ## 20 nearest open counters for 1,000 random postcodes, national directory in PostgreSQL
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuite_bench $(BIN)/python bench/search.py

bench-booking: $(STAMP)  ## earliest slots, booking throughput (service, HTTP) against raw SQL, overbooking count
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuite_bench $(BIN)/python bench/booking.py

bench-closure: $(STAMP)  ## 5,000 appointments of a closed counter rehomed among 20 neighbours, none lost
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'continuite_bench_closure'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE continuite_bench_closure"
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuite_bench_closure $(BIN)/python bench/closure.py

bench-cases: $(STAMP)  ## at-risk list p95, daily sweep and 8-week forecast over 10 million cases (BENCH_CASES=100000 for a quick run)
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'continuite_bench_cases'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE continuite_bench_cases"
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuite_bench_cases $(BIN)/python bench/cases.py

bench-outreach: $(STAMP)  ## today's call lists and national coverage over 1 million registered people and 5,000 callers (BENCH_PEOPLE=100000 BENCH_CALLERS=500 for a quick run)
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'continuite_bench_outreach'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE continuite_bench_outreach"
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuite_bench_outreach $(BIN)/python bench/outreach.py

messages: $(STAMP)
	cd continuite && ../$(BIN)/python ../manage.py makemessages -l fr -l en -e html,txt,py --no-obsolete --ignore '*/tests/*' --ignore 'tests_browser/*' && ../$(BIN)/python ../manage.py compilemessages -l fr -l en

clean:
	rm -rf $(VENV) var
