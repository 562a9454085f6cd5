"""Derived data: a worker drains the work queue that ingestion fills (presence, cold chain…)."""
