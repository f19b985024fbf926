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
  Room display       {n}/display/ga-r2p-2017        (?lang=ar|zh|en|fr|ru|es)
  Operator console   {r}/console/ga-r2p-2017
  Delegation page    {r}/delegation/ga-r2p-2017
  E-mail intake      smtp://127.0.0.1:2525 (speakers-list address; from mission@ireland.example etc.)
  Mail sent          var/mail/new/ (a Maildir)
  Logs               make logs      Stop: make stop
  Replay the whole day at 600x: make demo SPEED=600

The 2017 meeting runs on a clock that read 10:45 New York time when it was loaded: the floor opens 5 minutes later.
Development tokens (var/dev-tokens.txt), one per role:
""")
print(open("var/dev-tokens.txt").read())
