import uvicorn

from services.notifier.main import create_app
from services.notifier.settings import NotifierSettings

settings = NotifierSettings()
uvicorn.run(create_app(settings), host=settings.host, port=settings.notifier_port, log_level="info")
