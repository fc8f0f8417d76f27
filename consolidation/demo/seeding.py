"""Named random streams: each part of the demo draws from its own, derived from the seed."""

from __future__ import annotations

import random


def stream(seed: int, *labels: str) -> random.Random:
    """A generator for one named part of the demo; string seeds hash stably across runs."""
    # Demo data, not secrets: a reproducible Mersenne Twister is what is wanted here.
    return random.Random(":".join([str(seed), *labels]))  # noqa: S311
