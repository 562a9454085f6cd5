"""A small real filesystem (tmpfs) for tests of a full disk; needs the right to mount."""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_filesystem(mount_point: Path, size_bytes: int) -> Iterator[Path]:
    """A tmpfs of `size_bytes` mounted at `mount_point` for the block; skips if it cannot mount."""
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes},mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a {size_bytes}-byte tmpfs here: {mounted.stderr.strip()}")
    try:
        stat = os.statvfs(mount_point)
        assert stat.f_blocks * stat.f_frsize <= size_bytes, "the tmpfs is bigger than asked"
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)
