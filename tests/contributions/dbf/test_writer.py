"""The writer: ListDisk's own bytes, round trips in every layout through three readers, refusals."""

from __future__ import annotations

import dataclasses

import dbf as dbf_package
import numpy as np
import pytest
from dbfread import DBF

from tamin.contributions.dbf import LAYOUTS, DbfError, list_bytes, read_list, write_list
from tamin.contributions.dbf.iransystem import decode
from tamin.contributions.dbf.layouts import PERSIAN_TEXT
from tamin.contributions.dbf.synthetic import synthetic_list
from tamin.contributions.wagelist import HEADER_NUMBERS, ROW_NUMBERS
from tests.contributions.dbf.conftest import EXTENDED, KOSHA, LISTDISK, TEMPLATE

NUMBERS = set(HEADER_NUMBERS) | set(ROW_NUMBERS)


def _records(data: bytes, fields) -> list[bytes]:
    header_len = int.from_bytes(data[8:10], "little")
    record_len = 1 + sum(w for _, _, w in fields)
    return [data[i : i + record_len] for i in range(header_len, len(data), record_len)]


def test_listdisk_list_rewrites_byte_for_byte():
    """Re-writing ListDisk's own list through our reader and writer gives ListDisk's bytes, except for
    runs of spaces inside DSW_OCP (ListDisk's job title has double spaces, which normalisation
    collapses)."""
    kar, wor = list_bytes(read_list(*LISTDISK))
    original_kar, original_wor = LISTDISK[0].read_bytes(), LISTDISK[1].read_bytes()
    assert kar == original_kar
    assert len(wor) == len(original_wor)
    assert wor[:961] == original_wor[:961]
    ocp = 1 + sum(w for n, _, w in LAYOUTS["B"].wor[:14])  # DSW_OCP's offset in the record
    differing = 0
    pairs = zip(_records(wor, LAYOUTS["B"].wor), _records(original_wor, LAYOUTS["B"].wor), strict=True)
    for ours, theirs in pairs:
        assert ours[:ocp] == theirs[:ocp] and ours[ocp + 50 :] == theirs[ocp + 50 :]
        if ours != theirs:
            differing += 1
            squeezed = b" ".join(theirs[ocp : ocp + 50].split())
            assert ours[ocp : ocp + 50] == squeezed.ljust(50)
    assert differing == 19  # of 22 rows; the other 3 are byte-identical


def test_header_bytes_are_the_templates():
    kar, wor = list_bytes(synthetic_list(3))
    for ours, template in ((kar, TEMPLATE[0].read_bytes()), (wor, TEMPLATE[1].read_bytes())):
        header_len = int.from_bytes(template[8:10], "little")
        assert ours[:4] == template[:4] and ours[8:header_len] == template[8:header_len]
        assert ours[29] == 0x7E and ours[-1] != 0x1A  # LDID cp1256 as the template; no EOF byte
    assert int.from_bytes(wor[4:8], "little") == 3


def _same(a, b):
    assert a.header == b.header
    assert a.n == b.n
    for name, column in a.rows.items():
        assert np.array_equal(np.asarray(column), b.rows[name]), name


LAYOUT_NAMES = ["A", "B", "C", "C-all-C", "D"]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_every_layout_reads_back_identically(layout, tmp_path):
    wl = synthetic_list(40, seed=3)
    kar_path, wor_path = write_list(wl, tmp_path, layout=layout)
    back = read_list(kar_path, wor_path)
    assert back.wor.layout == LAYOUTS[layout].family
    fields = {n for n, _, _ in LAYOUTS[layout].wor}
    expected = dataclasses.replace(
        wl,
        rows={k: v for k, v in wl.rows.items() if k in fields},
        # fields the list lacks (D's DSK_TBIM20) are written as 0
        header={n: wl.header.get(n, 0) for n, _, _ in LAYOUTS[layout].kar},
    )
    _same(expected, back)
    # and what we read, we write again to the same bytes
    assert list_bytes(back, layout) == (kar_path.read_bytes(), wor_path.read_bytes())


def test_ten_digit_insurance_numbers_do_not_fit_v6():
    # Kosha writes DSW_ID1 as 10 digits; v6 has C8. Cutting an ID would file a wrong list.
    with pytest.raises(DbfError) as err:
        list_bytes(read_list(*KOSHA))
    assert {(p.code, p.field) for p in err.value.problems} == {("dbf.too_long", "DSW_ID1")}
    assert len(err.value.problems) == 100  # bounded: 123 rows, the first 100 reported
    list_bytes(read_list(*KOSHA), "C")  # its own layout takes them


@pytest.mark.parametrize("paths", [LISTDISK, EXTENDED], ids=["B", "D"])
def test_real_lists_convert_to_v6_and_back(paths):
    wl = read_list(*paths)
    kar, wor = list_bytes(wl)
    back = read_list(("DSKKAR00.DBF", kar), ("DSKWOR00.DBF", wor))
    assert back.wor.layout == "B"
    for name, column in back.rows.items():
        if name in wl.rows:
            assert np.array_equal(wl.rows[name], column) or name in PERSIAN_TEXT, name


def _value(name: str, raw: bytes):
    if name in NUMBERS:
        text = raw.strip()
        return int(text) if text else 0
    if name in PERSIAN_TEXT:
        return decode(raw)
    return raw.decode("ascii").strip()


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_dbfread_and_dbf_read_what_we_write(layout, tmp_path):
    wl = synthetic_list(25, seed=5)
    kar_path, wor_path = write_list(wl, tmp_path, layout=layout)
    ours = read_list(kar_path, wor_path)

    records = list(DBF(str(wor_path), raw=True))
    assert len(records) == 25
    for name, column in ours.rows.items():
        assert [_value(name, r[name]) for r in records] == list(column), name
    (head,) = list(DBF(str(kar_path), raw=True))
    assert {n: _value(n, raw) for n, raw in head.items()} == ours.header

    table = dbf_package.Table(str(wor_path), codepage="cp1256")
    table.open(dbf_package.READ_ONLY)
    try:
        assert len(table) == 25
        for name, column in ours.rows.items():
            values = [rec[name] for rec in table]
            if name in NUMBERS:
                got = [int(v) if v not in (None, "") and str(v).strip() else 0 for v in values]
                got = [int(str(v).strip() or 0) if isinstance(v, str) else v for v in got]
            elif name in PERSIAN_TEXT:
                got = [decode(v.encode("cp1256")) for v in values]
            else:
                got = [v.strip() for v in values]
            assert got == list(column), name
    finally:
        table.close()


def test_blank_numbers_stay_blank():
    wl = read_list(*EXTENDED)
    _, wor = list_bytes(wl, "D")
    back = read_list(("k.dbf", list_bytes(wl, "D")[0]), ("w.dbf", wor))
    assert back.blank["DSW_KOSO"].all() and back.header_blank["DSK_BIMH"]


def test_too_wide_number_names_record_and_field():
    wl = synthetic_list(5)
    wl.rows["DSW_MASH"] = wl.rows["DSW_MASH"].copy()
    wl.rows["DSW_MASH"][3] = 10**12  # 13 digits in N12
    wl.rows["DSW_DD"] = wl.rows["DSW_DD"].copy()
    wl.rows["DSW_DD"][1] = -1
    wl.header["DSK_ID"] = "12345678901"  # 11 characters in C10: IDs are never cut
    with pytest.raises(DbfError) as err:
        list_bytes(wl)
    found = {(p.code, p.field, p.record, p.file) for p in err.value.problems}
    assert ("dbf.too_wide", "DSW_MASH", 4, "DSKWOR00.DBF") in found
    assert ("dbf.negative", "DSW_DD", 2, "DSKWOR00.DBF") in found
    assert ("dbf.too_long", "DSK_ID", 1, "DSKKAR00.DBF") in found
    assert all(p.message for p in err.value.problems)


def test_long_text_is_cut_before_encoding():
    wl = synthetic_list(2)
    wl.header["DSK_NAME"] = "شرکت تولیدی و بازرگانی نمونه آزمایشی سهامی خاص"  # 47 letters in C30
    back = read_list(*(("k", b) for b in list_bytes(wl)))
    assert wl.header["DSK_NAME"].startswith(back.header["DSK_NAME"])
    assert 25 <= len(back.header["DSK_NAME"]) <= 30


def test_unencodable_text_is_refused():
    wl = synthetic_list(2)
    wl.rows["DSW_LNAME"] = np.array(["احمدی", "Müller"])
    with pytest.raises(DbfError) as err:
        list_bytes(wl)
    assert (err.value.code, err.value.problems[0].record, err.value.field) == (
        "dbf.unencodable",
        2,
        "DSW_LNAME",
    )


def test_unknown_layout():
    with pytest.raises(DbfError) as err:
        list_bytes(synthetic_list(1), "Z")
    assert err.value.code == "dbf.unknown_layout"
