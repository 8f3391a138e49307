"""Same seed, same data; another seed, other data."""

from __future__ import annotations

import datetime as dt

from tamin.demo.build import BuildOptions, build, clear_population, persons_digest
from tamin.registry.models import Person

REFERENCE = dt.date(2025, 10, 1)


def _digest(seed: int) -> str:
    clear_population()
    build(BuildOptions(scale=0.0005, seed=seed, province="18", today=REFERENCE))
    assert Person.objects.exists()
    return persons_digest()


def test_same_seed_same_persons_other_seed_other_persons(db):
    first = _digest(7)
    assert _digest(7) == first
    assert _digest(8) != first
