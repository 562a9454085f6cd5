"""Embedded services for `txng demo`: a private PostgreSQL (pgserver's binaries) and amqtt."""

from txng.embedded.base import EmbeddedServiceError, free_port
from txng.embedded.broker import EmbeddedBroker
from txng.embedded.postgres import EmbeddedPostgres

__all__ = ["EmbeddedBroker", "EmbeddedPostgres", "EmbeddedServiceError", "free_port"]
