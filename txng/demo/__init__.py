"""`txng demo`: the whole pipeline with simulated devices on one machine, with live counts."""

from txng.demo.command import demo_command

__all__ = ["demo_command"]
