"""Process memory: keep the C allocator's arenas few, so large batches stay flat.

glibc's malloc gives each thread that contends for it an arena of its own, up to eight per core,
and memory freed in one arena is not reused by another. The pipeline's threads (the database
lane beside the Python work, the spill and Arrow helpers) each allocate and free chunk-sized
buffers, so over a long batch the freed space scatters across arenas and the resident size
creeps up with the number of chunks: measured on 5M journal lines, 951-964 MiB with the default
arenas, 910 MiB with two, at the same speed (docs/benchmarks.md).
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform

log = logging.getLogger(__name__)

ARENAS = 2
"""The cap; an explicit ``MALLOC_ARENA_MAX`` in the environment wins."""

_M_ARENA_MAX = -8  # glibc <malloc.h>
_done: list[bool] = []


def cap_malloc_arenas(limit: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process (once; arenas made later obey it). Returns
    whether the cap is in force; on another C library, or when the environment already sets
    ``MALLOC_ARENA_MAX``, it changes nothing."""
    if _done:
        return _done[0]
    applied = False
    if "MALLOC_ARENA_MAX" not in os.environ and platform.libc_ver()[0] == "glibc":
        try:
            applied = ctypes.CDLL(None).mallopt(_M_ARENA_MAX, limit) == 1
        except (OSError, AttributeError):
            applied = False
        if not applied:
            log.debug("could not cap malloc arenas; continuing with the defaults")
    _done.append(applied)
    return applied
