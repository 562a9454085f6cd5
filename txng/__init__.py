"""txng: trace the origin. The command line and the demo (the top layer)."""

from plumbing.version import VERSION as __version__

__all__ = ["__version__"]
