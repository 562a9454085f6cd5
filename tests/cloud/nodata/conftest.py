"""Fixtures of the notification tests."""

from tests.cloud.notify.people_support import db, sims

__all__ = ["db", "sims"]
