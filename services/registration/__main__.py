import uvicorn

from services.registration.main import create_app
from services.registration.settings import RegistrationSettings

settings = RegistrationSettings()
uvicorn.run(create_app(settings), host=settings.host, port=settings.registration_port, log_level="info")
