"""The shared contracts: every message that crosses Kafka, its topic and its key.

Commands are in the imperative (what someone asks of the list of speakers);
events are in the past tense (what the list of speakers did). Every message is
an immutable pydantic model carrying its schema version; every topic is keyed
by the meeting id so that one meeting's messages stay in order.
"""

from services.contracts.commands import *  # noqa: F401,F403
from services.contracts.events import *  # noqa: F401,F403
from services.contracts.meeting import *  # noqa: F401,F403
from services.contracts.serialization import decode, encode, message_key  # noqa: F401
from services.contracts.topics import TOPICS, Topic  # noqa: F401
