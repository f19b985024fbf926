"""The topics the queue reads and writes: raw bytes, decoded by the shared contracts."""

from services.queue.app import app, settings

commands_topic = app.topic(
    settings.commands_topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
)
events_topic = app.topic(
    settings.events_topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
)
