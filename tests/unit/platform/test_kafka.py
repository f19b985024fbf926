"""The Kafka helpers every service shares."""

from aiokafka.partitioner import DefaultPartitioner

from services.platform.kafka import partitioner


def test_the_partitioner_places_a_key_as_the_producer_would():
    default = DefaultPartitioner()
    for partitions in ([0], [0, 1, 2, 3, 4, 5], [0, 1, 2]):
        for meeting in (b"ga-r2p-2017", b"bench-meeting", b"m" * 63):
            assert partitioner(meeting, partitions, partitions) == default(meeting, partitions, partitions)
    assert partitioner(None, [0, 1, 2], [1]) == 1  # no key: any available partition, as the producer's own
