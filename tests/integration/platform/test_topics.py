"""The contract's topics on the real broker: made under a prefix, and removed with it."""

from aiokafka.admin import AIOKafkaAdminClient

from services.contracts import TOPICS
from services.platform.kafka import create_topics, delete_topics
from tests.support.stack import KAFKA, unique


async def topic_names() -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def test_a_prefix_s_topics_are_deleted_and_no_one_else_s():
    mine, theirs = unique("mine"), unique("theirs")
    await create_topics(KAFKA, mine)
    await create_topics(KAFKA, theirs)
    try:
        contract = {t.name(mine) for t in TOPICS.values()}
        assert contract <= await topic_names()

        assert set(await delete_topics(KAFKA, mine)) == contract

        left = await topic_names()
        assert not {name for name in left if name.startswith(mine)}
        assert {t.name(theirs) for t in TOPICS.values()} <= left
    finally:
        await delete_topics(KAFKA, theirs)
