"""Runs the registration service: the HTTP API and, in the same process, the e-mail intake."""

import logging

import uvicorn

from services.registration.main import create_app
from services.registration.settings import RegistrationSettings

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("aiokafka").setLevel(logging.WARNING)
settings = RegistrationSettings()
uvicorn.run(create_app(settings), host=settings.host, port=settings.registration_port, log_level="info")
