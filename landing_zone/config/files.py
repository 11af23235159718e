"""Read the files project.yaml names (itself, GPG keys, SCP documents) safely.

A FIFO or device would block `read()` forever and a huge file would be slurped whole, so
every config file is checked to be a regular file and read with a size limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def read_regular_file(path: Path, limit: int, what: str) -> bytes:
    """The bytes of `path`; ValueError when it is not a regular file or holds more than `limit` bytes.

    OSError (FileNotFoundError, IsADirectoryError, PermissionError) is the caller's to report.
    """
    mode = path.stat().st_mode  # follows symlinks: a link to a key file is fine
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not stat.S_ISREG(mode):
        raise ValueError(f"{KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, not a file: refusing to read it")
    # O_NONBLOCK: should it have become a FIFO since the stat, open() still returns at once
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes, not {what}")
    return data
