"""batch.content_hashes is posting.content_hash, list by list, for any mix of lists in one batch."""

from __future__ import annotations

import numpy as np
import pytest

from tamin.contributions import batch, posting
from tamin.contributions.wagelist import SourceFile, WageList

_SOURCE = SourceFile("DSKWOR00.DBF", "B", "ascii")
# Persian (with a ZWNJ), the separators themselves, format-like text, empty values.
_WORDS = ["", "علی", "کارگر‌نمونه", "a\x1fb", "\x1f", "x\x1ey", "۱۴۰۳/۰۹", "0012345678", "a%sb", "{0}"]
_NUMBER_TYPES = [np.int64, np.int32, np.uint8, ">i8", bool]


def _text(rng: np.random.Generator, n: int, width: int | None = None) -> np.ndarray:
    values = [str(_WORDS[k]) for k in rng.integers(0, len(_WORDS), n)]
    width = width or max([1, *map(len, values)])
    return np.array(values, dtype=f"<U{width}")


def _list(rng: np.random.Generator, n: int, names: list[str], texts: set[str], header: list[str]) -> WageList:
    rows = {}
    for name in names:
        if name in texts:
            rows[name] = _text(rng, n, width=int(rng.integers(12, 20)) if rng.random() < 0.3 else None)
        else:
            values = rng.integers(-(10**12), 10**12, n)
            kind = _NUMBER_TYPES[int(rng.integers(0, len(_NUMBER_TYPES)))] if rng.random() < 0.2 else np.int64
            rows[name] = (values > 0) if kind is bool else values.astype(kind)
    head: dict[str, int | str] = {}
    for k, name in enumerate(header):
        head[name] = int(rng.integers(-5, 10**9)) if k % 2 else str(_text(rng, 1)[0])
    return WageList(kar=_SOURCE, wor=_SOURCE, header=head, rows=rows)


def _layouts(rng: np.random.Generator) -> list[tuple[list[str], set[str], list[str]]]:
    names = [f"DSW_C{k:02d}" for k in range(29)]
    texts = set(names[::2])
    header = [f"DSK_F{k:02d}" for k in range(25)]
    shuffled = list(rng.permutation(names))
    return [
        (names, texts, header),
        (shuffled, texts, list(reversed(header))),  # same fields, other order as held
        (names[:3], {names[0]}, header[:1]),
        (["PER_NATCOD"], {"PER_NATCOD"}, []),
        ([], set(), header[:4]),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_random_batches_hash_as_posting_does(seed):
    rng = np.random.default_rng(seed)
    layouts = _layouts(rng)
    sizes = [0, 1, 1, 2, 3, 5, 40]
    lists = [
        _list(rng, sizes[int(rng.integers(0, len(sizes)))], *layouts[int(rng.integers(0, len(layouts)))])
        for _ in range(300)
    ]
    assert batch.content_hashes(lists) == [posting.content_hash(wl) for wl in lists]


def test_widths_types_and_views_in_one_group():
    rng = np.random.default_rng(7)
    names, texts, header = _layouts(rng)[0]
    lists = [_list(rng, n, names, texts, header) for n in (0, 1, 2, 3, 5)]
    big = np.arange(40, dtype=np.int64)
    lists[1].rows["DSW_C01"] = big[5:6]  # a slice of a larger array, as the benchmark makes them
    lists[2].rows["DSW_C01"] = big[::20]  # a strided view
    lists[3].rows["DSW_C00"] = lists[3].rows["DSW_C00"].astype(object)  # text as Python objects
    lists[4].rows["DSW_C00"] = np.array(["ab\x00c", "", "\x00x", "علی\x00", "z"])  # NULs inside values
    lists[4].header["DSK_F01"] = np.int64(12)  # a numpy number in one header: format(), not str()
    lists.append(_list(rng, 3, names, texts, header))
    lists[-1].header["DSK_F03"] = True
    lists[-1].header["DSK_F05"] = None
    assert batch.content_hashes(lists) == [posting.content_hash(wl) for wl in lists]
    # Changing one value of one list changes that list's hash only.
    before = batch.content_hashes(lists)
    lists[3].rows["DSW_C02"] = lists[3].rows["DSW_C02"].copy()
    lists[3].rows["DSW_C02"][0] = "changed"
    after = batch.content_hashes(lists)
    assert [a != b for a, b in zip(before, after, strict=True)] == [k == 3 for k in range(len(lists))]


def test_text_that_only_differs_in_how_it_splits_hashes_differently():
    # "\x1f" inside a value and "\x1f" between values are the same bytes: as posting.content_hash says.
    one = WageList(_SOURCE, _SOURCE, {}, {"T": np.array(["a\x1fb"])})
    two = WageList(_SOURCE, _SOURCE, {}, {"T": np.array(["a", "b"])})
    other = WageList(_SOURCE, _SOURCE, {}, {"T": np.array(["a", "c"])})
    got = batch.content_hashes([one, two, other])
    assert got == [posting.content_hash(wl) for wl in (one, two, other)]
    assert got[0] == got[1] != got[2]


def test_a_header_value_whose_format_is_not_its_str():
    class Odd(int):
        def __format__(self, spec: str) -> str:
            return "formatted"

        def __str__(self) -> str:
            return "str"

    wl = WageList(_SOURCE, _SOURCE, {"A": Odd(1), "B": "x"}, {"N": np.arange(2, dtype=np.int64)})
    plain = WageList(_SOURCE, _SOURCE, {"A": 1, "B": "x"}, {"N": np.arange(2, dtype=np.int64)})
    got = batch.content_hashes([wl, plain])
    assert got == [posting.content_hash(wl), posting.content_hash(plain)]
    assert got[0] != got[1]


def test_no_lists():
    assert batch.content_hashes([]) == []
