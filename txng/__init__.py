"""txng: trace the origin. Command line and process-wide helpers."""

__version__ = "0.1.0"
