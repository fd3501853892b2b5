"""Files that can hold raw identifiers are private: a process umask of 077, and 0700 state folders.

``hausgraph``'s entry point applies :func:`private_umask` before anything runs, so the server
processes it starts (Kafka log segments, Neo4j store, their logs) and every file it writes are
created 0600 / 0700. Code that starts servers some other way should pass ``umask=PRIVATE_UMASK``
to :class:`subprocess.Popen`.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PRIVATE_UMASK", "private_dir", "private_umask"]

#: no permission for group or others on anything created
PRIVATE_UMASK = 0o077


def private_umask() -> int:
    """Set the process umask to :data:`PRIVATE_UMASK`; returns the previous one."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it ``0700``, also when it existed with a wider mode."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
