"""Process plumbing shared by every txng process: logs, settings, URLs, signals, workers.

The bottom layer: it imports nothing of txng's own (only the standard library and pydantic).
"""
