"""Prints where to go once `make run` is done."""

from services.notifier.settings import NotifierSettings
from services.queue.settings import QueueSettings
from services.registration.settings import RegistrationSettings

reg, queue, notifier = RegistrationSettings(), QueueSettings(), NotifierSettings()
r = f"http://{reg.host}:{reg.registration_port}"
n = f"http://{notifier.host}:{notifier.notifier_port}"
print(f"""
Rostrum is running (meeting ga-r2p-2017 loaded).
  Registration API   {r}/docs
  Rolling list       {n}/v1/meetings/ga-r2p-2017/list
  Queue health       http://{queue.host}:{queue.queue_port}/healthz
  Notifier health    {n}/healthz
  Credentials        var/dev-tokens.txt (development only)
  Mail sent          var/mail/new/ (a Maildir)
  Logs               make logs      Stop: make stop
""")
