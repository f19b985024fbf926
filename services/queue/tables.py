"""Each meeting's state, as the domain's snapshot, in a changelog-backed table.

use_partitioner: the changelog partition follows the key (the meeting), like the commands
topic, so the table may be written from a batch spanning partitions and from the clock."""

from services.contracts.topics import MAX_EVENT_BYTES
from services.queue.app import app

meetings_table = app.Table(
    "meetings",
    partitions=6,
    key_type=str,
    use_partitioner=True,
    # A meeting with a list of thousands of speakers has a snapshot of several megabytes.
    extra_topic_configs={"max.message.bytes": str(MAX_EVENT_BYTES)},
)
