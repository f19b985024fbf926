import resource

import uvicorn

from services.notifier.main import create_app
from services.notifier.settings import NotifierSettings

# Every room display and every page following a meeting holds a connection: use all the file descriptors the
# system allows this process (the soft limit is often 1,024), not just the default.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if _soft < _hard:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))

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
