"""Typed settings of the cloud processes, one module a section, from TXNG_* variables."""
