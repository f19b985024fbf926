"""Adapters every service wires the same way: settings, Kafka clients, Redis, logging.

Holds no meeting data and no service's keys: services still meet only through the
contracts and the topics.
"""
