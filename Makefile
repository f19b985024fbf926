# Every entry point of Rostrum. `make run` brings the stack up; `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
KAFKA_LIBS := var/cache/kafka-libs
SERVICES := queue notifier registration
export ROSTRUM_ENV ?= development

.PHONY: help install run stop logs test unit integration e2e lint demo infra services load status

help:
	@echo "make run    install what is missing, start Kafka, Redis and the three services, load the 2017 meeting"
	@echo "make test   unit, integration and end-to-end tests on the real broker and Redis"
	@echo "make stop   stop everything make run started;  make logs   follow the logs"

# --- installation: each step runs only when its output is missing or stale -------------------

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

$(KAFKA_LIBS)/.fetched: deploy/kafka/pom.xml
	rm -rf $(KAFKA_LIBS)
	mvn --batch-mode --quiet -f deploy/kafka/pom.xml dependency:copy-dependencies \
	    -DoutputDirectory=$(CURDIR)/$(KAFKA_LIBS) -DincludeScope=runtime
	touch $@

/usr/bin/redis-server:
	apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null

# Chromium for the browser tests, with a Chinese font for the display in Chinese.
/usr/bin/chromium /usr/bin/docker-compose:
	apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    chromium fonts-wqy-microhei docker-compose >/dev/null

install: $(VENV)/.installed $(KAFKA_LIBS)/.fetched /usr/bin/redis-server

# --- the stack ----------------------------------------------------------------------------------

infra: install
	deploy/stack.sh redis
	deploy/stack.sh kafka

var/dev-credentials.json: | $(VENV)/.installed
	$(PY) deploy/dev_credentials.py

services: infra var/dev-credentials.json
	deploy/stack.sh mailbox
	@for s in $(SERVICES); do deploy/stack.sh service $$s; done

load: services
	$(PY) deploy/load_meeting.py deploy/meetings/ga-r2p-2017.json --replay-from 2017-09-06T10:45:00-04:00

run: load
	@$(PY) deploy/urls.py

stop:
	deploy/stack.sh stop

logs:
	tail -n 50 -F var/log/*.log

status:
	@$(PY) deploy/urls.py

SPEED ?= 60
demo: services
	$(PY) deploy/demo.py --speed $(SPEED)

# --- tests ---------------------------------------------------------------------------------------

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

test: infra /usr/bin/chromium /usr/bin/docker-compose lint
	$(PY) -m pytest tests -q -p no:cacheprovider
