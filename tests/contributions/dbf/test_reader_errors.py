"""Broken, hostile and odd files: every one is a WageList or a DbfError naming file, record, field."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tamin.contributions.dbf import DbfError, list_bytes, read_list, read_txt_list
from tamin.contributions.dbf.iransystem import encode
from tamin.contributions.dbf.layouts import LAYOUTS
from tamin.contributions.dbf.synthetic import synthetic_list
from tamin.contributions.wagelist import WageList
from tests.contributions.dbf.conftest import EXTENDED, KOSHA, LISTDISK, TXT

KAR, WOR = list_bytes(synthetic_list(6, seed=9))
HEADER_LEN = 961
RECORD_LEN = 469
OFFSET = {}
_pos = 1
for _name, _, _width in LAYOUTS["B"].wor:
    OFFSET[_name] = (_pos, _width)
    _pos += _width


def read(kar: bytes = KAR, wor: bytes = WOR) -> WageList:
    return read_list(("DSKKAR00.DBF", kar), ("DSKWOR00.DBF", wor))


def codes(err: pytest.ExceptionInfo[DbfError]) -> set[tuple]:
    return {(p.code, p.file, p.field, p.record) for p in err.value.problems}


def put(data: bytes, record: int, field: str, value: bytes) -> bytes:
    """`value` into `field` of `record` (from 1), padded with spaces."""
    start, width = OFFSET[field]
    assert len(value) <= width
    at = HEADER_LEN + (record - 1) * RECORD_LEN + start
    out = bytearray(data)
    out[at : at + width] = value.ljust(width)
    return bytes(out)


def test_empty_and_truncated():
    with pytest.raises(DbfError) as err:
        read(wor=b"")
    assert ("dbf.empty", "DSKWOR00.DBF", None, None) in codes(err)
    with pytest.raises(DbfError) as err:
        read(wor=WOR[:20])
    assert err.value.code == "dbf.truncated"
    with pytest.raises(DbfError) as err:
        read(wor=WOR[: HEADER_LEN + 3 * RECORD_LEN + 10])  # header says 6 records
    assert err.value.code == "dbf.truncated" and "6" in err.value.message
    with pytest.raises(DbfError) as err:
        read(wor=WOR[:500])  # inside the field descriptors
    assert err.value.code == "dbf.truncated"


def test_huge_claimed_count_allocates_nothing():
    # 4 billion records claimed in a 2 KB file: refused by size before any allocation.
    data = bytearray(WOR)
    data[4:8] = struct.pack("<I", 0xFFFFFFFF)
    with pytest.raises(DbfError) as err:
        read(wor=bytes(data))
    assert err.value.code == "dbf.truncated"


def test_bad_header_and_record_length():
    data = bytearray(WOR)
    data[10:12] = struct.pack("<H", RECORD_LEN + 1)
    with pytest.raises(DbfError) as err:
        read(wor=bytes(data))
    assert err.value.code == "dbf.record_length"
    data = bytearray(WOR)
    data[32:43] = b"D\xffX\x00" + bytes(7)  # a field name that is not a name
    with pytest.raises(DbfError) as err:
        read(wor=bytes(data))
    assert err.value.code == "dbf.bad_header"
    data = bytearray(WOR)
    data[64:75] = b"DSW_ID".ljust(11, b"\x00")  # two fields called DSW_ID
    with pytest.raises(DbfError) as err:
        read(wor=bytes(data))
    assert ("dbf.bad_header", "DSKWOR00.DBF", "DSW_ID", None) in codes(err)


def test_every_non_numeric_cell_is_reported_at_once():
    data = put(WOR, 2, "DSW_MASH", b"12a45")
    data = put(data, 5, "DSW_DD", b"-3")
    data = put(data, 6, "DSW_ROOZ", b"-100")
    with pytest.raises(DbfError) as err:
        read(wor=data)
    assert codes(err) == {
        ("dbf.not_numeric", "DSKWOR00.DBF", "DSW_MASH", 2),
        ("dbf.not_numeric", "DSKWOR00.DBF", "DSW_DD", 5),
        ("dbf.not_numeric", "DSKWOR00.DBF", "DSW_ROOZ", 6),
    }
    assert all("عدد" in p.message for p in err.value.problems)


def test_problems_are_bounded():
    data = bytearray(list_bytes(synthetic_list(300))[1])
    for r in range(300):
        at = HEADER_LEN + r * RECORD_LEN + OFFSET["DSW_DD"][0]
        data[at : at + 2] = b"xx"
    with pytest.raises(DbfError) as err:
        read(wor=bytes(data))
    assert len(err.value.problems) == 100


def test_numbers_zero_padded_blank_and_left_aligned():
    data = put(WOR, 1, "DSW_MAZ", b"000000012345".rjust(12))
    data = put(data, 2, "DSW_MAZ", b"")
    data = put(data, 3, "DSW_MAZ", b"777")  # left aligned
    data = put(data, 4, "DSW_MAZ", b"\x00" * 12)
    wl = read(wor=data)
    assert list(wl.rows["DSW_MAZ"][:4]) == [12345, 0, 777, 0]
    assert list(wl.blank["DSW_MAZ"][:4]) == [False, True, False, True]


def test_too_large_number():
    data = put(WOR, 3, "DSW_INC", b"")  # N12 cannot overflow; use an all-C 19-digit field instead
    wl = read(wor=data)
    assert wl.rows["DSW_INC"][2] == 0
    d_kar, d_wor = list_bytes(synthetic_list(2), "D")
    start = HEADER_LEN  # recompute for D: DSW_INC is N19
    header_len = int.from_bytes(d_wor[8:10], "little")
    pos = 1 + sum(w for n, _, w in LAYOUTS["D"].wor[:29])
    raw = bytearray(d_wor)
    raw[header_len + pos : header_len + pos + 19] = b"9" * 19
    with pytest.raises(DbfError) as err:
        read_list(("k", d_kar), ("w", bytes(raw)))
    assert codes(err) == {("dbf.number_too_large", "w", "DSW_INC", 1)}
    assert start


def test_deleted_records_are_skipped_and_no_eof_needed():
    data = bytearray(WOR)
    data[HEADER_LEN + 1 * RECORD_LEN] = 0x2A  # record 2 deleted
    wl = read(wor=bytes(data) + b"\x1a")
    assert wl.n == 5
    assert list(wl.rows["PER_NATCOD"]) == [c for i, c in enumerate(read().rows["PER_NATCOD"]) if i != 1]
    data[HEADER_LEN + 2 * RECORD_LEN] = 0x41  # not a deletion flag: the file is out of step
    with pytest.raises(DbfError) as err:
        read(wor=bytes(data))
    assert ("dbf.bad_record", "DSKWOR00.DBF", None, 3) in codes(err)


def test_workshop_file_needs_exactly_one_record():
    kar2 = bytearray(KAR)
    kar2[4:8] = struct.pack("<I", 2)
    kar2 += KAR[833:]
    with pytest.raises(DbfError) as err:
        read(kar=bytes(kar2))
    assert err.value.code == "dbf.record_count"


def test_missing_fields_and_swapped_files():
    with pytest.raises(DbfError) as err:
        read(kar=WOR, wor=KAR)
    found = codes(err)
    assert ("dbf.missing_field", "DSKKAR00.DBF", "DSK_ID", None) in found
    assert ("dbf.missing_field", "DSKWOR00.DBF", "PER_NATCOD", None) in found


def test_unrecognisable_text_and_bad_bytes():
    garbage = bytes(range(0xB0, 0xE0)) + bytes(range(0x80, 0x8C))
    data = WOR
    for r in range(1, 7):
        data = put(data, r, "DSW_FNAME", garbage)
    with pytest.raises(DbfError) as err:
        read(wor=data)
    assert ("dbf.encoding", "DSKWOR00.DBF", None, None) in codes(err)
    # one control byte in otherwise clean Iran System: that cell is named
    with pytest.raises(DbfError) as err:
        read(wor=put(WOR, 4, "DSW_LNAME", b"\xa2\x07\xf5"))
    assert codes(err) == {("dbf.bad_text", "DSKWOR00.DBF", "DSW_LNAME", 4)}


def test_cp1256_file_is_read_too():
    data = WOR
    # Windows writes Arabic ي and ك (cp1256 has no Persian ی); the reader normalises them.
    names = ["محمد", "زهرا", "علي", "كيانا", "مريم", "رضا"]
    for r, name in enumerate(names, start=1):
        data = put(data, r, "DSW_FNAME", name.encode("cp1256"))
    for r in range(1, 7):
        data = put(data, r, "DSW_SEX", "مرد".encode("cp1256"))
        data = put(data, r, "DSW_NAT", "ايراني".encode("cp1256"))
        data = put(data, r, "DSW_LNAME", "احمدي".encode("cp1256"))
        data = put(data, r, "DSW_DNAME", b"")
        data = put(data, r, "DSW_IDPLC", "تهران".encode("cp1256"))
        data = put(data, r, "DSW_OCP", "كارگر".encode("cp1256"))
    wl = read(wor=data)
    assert wl.wor.encoding == "cp1256" and wl.kar.encoding == "iran_system"
    assert list(wl.rows["DSW_FNAME"]) == ["محمد", "زهرا", "علی", "کیانا", "مریم", "رضا"]
    assert set(wl.rows["DSW_LNAME"]) == {"احمدی"} and set(wl.rows["DSW_NAT"]) == {"ایرانی"}


def test_persian_digits_in_an_ascii_field():
    wl = read(wor=put(WOR, 2, "DSW_SDATE", encode("۱۴۰۳۰۹۰۱") + b""))
    assert wl.rows["DSW_SDATE"][1] == "14030901"


def test_missing_path():
    with pytest.raises(DbfError) as err:
        read_list("/nonexistent/DSKKAR00.DBF", "/nonexistent/DSKWOR00.DBF")
    assert err.value.code == "dbf.missing_file"


def test_txt_column_count():
    kar = TXT[0].read_bytes()
    wor = TXT[1].read_bytes().replace(b",", b";", 1)
    with pytest.raises(DbfError) as err:
        read_txt_list(("DSKKAR00.TXT", kar), ("DSKWOR00.TXT", wor))
    assert ("dbf.column_count", "DSKWOR00.TXT", None, 1) in codes(err)
    with pytest.raises(DbfError) as err:
        read_txt_list(("DSKKAR00.TXT", b"\r\n"), ("DSKWOR00.TXT", wor))
    assert ("dbf.empty", "DSKKAR00.TXT", None, None) in codes(err)


# --- fuzz: whatever the bytes, a WageList or a DbfError --------------------------------------------

SAMPLES = [(p[0].read_bytes(), p[1].read_bytes()) for p in (LISTDISK, KOSHA, EXTENDED)] + [(KAR, WOR)]


def _outcome(kar: bytes, wor: bytes, txt: bool = False) -> None:
    try:
        result = (read_txt_list if txt else read_list)(("DSKKAR00", kar), ("DSKWOR00", wor))
    except DbfError as err:
        assert err.problems and all(p.code.startswith("dbf.") and p.message for p in err.problems)
        assert len(err.problems) <= 100
        return
    assert isinstance(result, WageList)
    for column in result.rows.values():
        assert len(column) == result.n


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.binary(max_size=4000))
def test_fuzz_random_bytes(kar, wor):
    _outcome(kar, wor)
    _outcome(kar, wor, txt=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(len(SAMPLES))),
    st.sampled_from(["kar", "wor"]),
    st.lists(st.tuples(st.integers(min_value=0, max_value=10**6), st.integers(0, 255)), max_size=12),
    st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
)
def test_fuzz_mutated_samples(which, side, flips, cut):
    kar, wor = SAMPLES[which]
    data = bytearray(kar if side == "kar" else wor)
    for pos, value in flips:
        data[pos % len(data)] = value
    if cut is not None:
        del data[cut % (len(data) + 1) :]
    if side == "kar":
        _outcome(bytes(data), wor)
    else:
        _outcome(kar, bytes(data))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**5), st.integers(0, 255)), max_size=8))
def test_fuzz_mutated_txt(flips):
    data = bytearray(TXT[1].read_bytes())
    for pos, value in flips:
        data[pos % len(data)] = value
    _outcome(TXT[0].read_bytes(), bytes(data), txt=True)


def test_fuzz_targets_header_fields():
    # The header fields that steer allocation and slicing, set to their extremes.
    for offset, fmt in ((4, "<I"), (8, "<H"), (10, "<H")):
        for value in (0, 1, 31, 32, 33, 0xFFFF if fmt == "<H" else 0xFFFFFFFF):
            data = bytearray(WOR)
            struct.pack_into(fmt, data, offset, value)
            _outcome(KAR, bytes(data))
    # every descriptor's width byte set to 0 and to 255
    for i in range(29):
        for value in (0, 255):
            data = bytearray(WOR)
            data[32 + 32 * i + 16] = value
            _outcome(KAR, bytes(data))
    assert np.frombuffer(WOR[:1], dtype=np.uint8)[0] == 0x03
