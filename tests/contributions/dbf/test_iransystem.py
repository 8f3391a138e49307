"""The Iran System codec: the spec's byte examples, round trips, and the block decoder's agreement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tamin.contributions.dbf import iransystem
from tamin.contributions.dbf.encoding import CP1256, IRAN_SYSTEM, detect
from tamin.core.text import normalize

LETTERS = "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیئء"


@pytest.mark.parametrize(
    ("text", "hexbytes"),
    [
        ("مرد", "a2 a4 f5"),
        ("زن", "f6 a5"),
        ("شاپرک", "ed a4 95 91 aa"),
        ("احمدی", "fd a2 f5 9f 90"),  # ListDisk: ا after a non-joiner 0x90, lone ی 0xFD
        ("ایرانی", "fc f7 90 a4 fe 90"),
        ("جلالی", "fc f3 f2 9b"),  # لا is the ligature 0xF2
        ("پلاک 40", "84 80 20 ed f2 95"),  # digits keep their order, as ListDisk writes ۴۰
        ("اپراتور(1)", "28 81 29 a4 f8 97 90 a4 95 90"),  # the TXT sample: brackets mirrored
        ("علی", "fc f3 e4"),
        ("معراج", "9a 90 a4 e3 f5"),
        ("4", "34"),  # no Persian letter: plain ASCII, as ListDisk writes DSK_DISC
    ],
)
def test_known_bytes(text, hexbytes):
    raw = bytes.fromhex(hexbytes)
    assert iransystem.encode(text) == raw
    assert iransystem.decode(raw) == normalize(text)


def test_decode_normalises_and_pads():
    assert iransystem.decode(b"\xa2\xa4\xf5" + b" " * 10) == "مرد"
    assert iransystem.decode(b"\xf6\xa5\x00\x00") == "زن"
    assert iransystem.decode(b"\xf9\xf7\xf8\xf5\xf7   \xfd\x91\xf5") == "مای نمونه"  # spaces squeezed
    assert iransystem.decode(b"") == ""
    with pytest.raises(ValueError):
        iransystem.decode(b"\xb3\xa2")  # box drawing is not text
    with pytest.raises(ValueError):
        iransystem.decode(b"\x07\xa2")


def test_encode_folds_and_refuses():
    assert iransystem.encode("ي") == iransystem.encode("ی")
    assert iransystem.encode("مدرسة") == iransystem.encode("مدرسه")
    assert iransystem.decode(iransystem.encode("می\u200cروم")) == "می روم"  # ZWNJ has no code
    with pytest.raises(iransystem.EncodeError) as err:
        iransystem.encode("علی€")
    assert err.value.char == "€"


def test_truncation_happens_before_encoding():
    text = "کارگاه تولیدی نمونه شماره یک"
    raw = iransystem.encode(text, width=11)
    assert len(raw) <= 11
    decoded = iransystem.decode(raw)
    assert text.startswith(decoded) and decoded  # the *beginning* of the text survives
    # the cut word's last letter takes its final form: "کارگاه تولی" ends in ی final (0xFC)
    assert raw[0] == 0xFC
    # a ligature lets one more letter in than bytes
    assert iransystem.decode(iransystem.encode("جلال", width=3)) == "جلال"


persian_text = st.lists(
    st.sampled_from(LETTERS + "0123456789" + "۰۱۲۳۴۵۶۷۸۹" + "  "), min_size=0, max_size=40
).map("".join)


@settings(max_examples=300, deadline=None)
@given(persian_text)
def test_round_trip(text):
    assert iransystem.decode(iransystem.encode(text)) == normalize(text)


@settings(max_examples=200, deadline=None)
@given(persian_text, st.integers(min_value=1, max_value=30))
def test_round_trip_with_width(text, width):
    raw = iransystem.encode(text, width)
    assert len(raw) <= width
    assert normalize(text).startswith(iransystem.decode(raw))


# Valid Iran System field bytes: letters, digits, spaces, NUL/NBSP padding, ASCII punctuation.
_VALID = [b for b in range(256) if not (0xB0 <= b < 0xE0 or b < 0x20 or b == 0x7F)] + [0x00]
rows = st.lists(
    st.lists(st.sampled_from(_VALID + [0x20] * 40 + [0xF2] * 5), min_size=6, max_size=6),
    min_size=1, max_size=30,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(rows)
def test_block_decoder_agrees_with_scalar(data):
    block = np.array(data, dtype=np.uint8)
    assert not iransystem.bad_rows(block).any()
    fast = iransystem.decode_block(block)
    assert list(fast) == [iransystem.decode(row.tobytes()) for row in block]


def test_block_decoder_on_sample_column():
    names = ["مرد", "زن", "ایرانی", "جلالی", "اپراتور(1)", "", "مای  نمونه"]
    block = np.full((len(names), 20), 0x20, dtype=np.uint8)
    for i, name in enumerate(names):
        raw = iransystem.encode(name) if "  " not in name else b"\xf9\xf7\xf8\xf5\xf7  \xfd\x91\xf5"
        block[i, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    assert list(iransystem.decode_block(block)) == [normalize(n) for n in names]


def test_detect_encoding():
    def hist(data: bytes) -> np.ndarray:
        return np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)

    persian = "کارگاه نمونه آزمایشی محمد رضایی"
    assert detect(hist(iransystem.encode(persian))) == IRAN_SYSTEM
    assert detect(hist(persian.replace("ی", "ي").encode("cp1256"))) == CP1256
    assert detect(hist(b"ABC 123")) == "ascii"
    assert detect(hist(bytes(range(0x80, 0x100)) * 3)) is None  # every high byte: neither
