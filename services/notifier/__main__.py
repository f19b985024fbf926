import uvicorn

from services.notifier.main import create_app
from services.notifier.settings import NotifierSettings

settings = NotifierSettings()
uvicorn.run(
    create_app(settings),
    host=settings.host,
    port=settings.notifier_port,
    log_level="info",
    access_log=settings.access_log,
    backlog=settings.listen_backlog,  # displays reconnect all at once after a network blip
    ws="websockets-sansio",
    timeout_graceful_shutdown=5,  # live streams never end by themselves
)
