"""Writing files so that readers only ever see the old content or the complete new one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PART_SUFFIX = ".part"


def stage(target: Path, content: bytes) -> Path:
    """Write ``content`` in full to a hidden temporary file beside ``target``; return its path."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, kept on disk)
        dir=target.parent, prefix=f".{target.name}.", suffix=PART_SUFFIX, delete=False
    )
    path = Path(handle.name)
    try:
        with handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(path, 0o666 & ~current_umask())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def write_atomically(target: Path, content: bytes) -> None:
    """Replace ``target`` with ``content`` through a temporary file and a rename."""
    staged = stage(target, content)
    try:
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)


def remove_stale_parts(folder: Path, pattern: str = f".*{PART_SUFFIX}") -> list[Path]:
    """Delete the hidden partial files (``.*.part``) that a killed run left in ``folder``."""
    removed = []
    for path in folder.glob(pattern) if folder.is_dir() else ():
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def current_umask() -> int:
    """The process's umask (reading it means setting it; it is set back at once)."""
    current = os.umask(0)
    os.umask(current)
    return current
