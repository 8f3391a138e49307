"""Every real sample list reads: layout, counts, header = Σ rows, decoded names, sexes, codes."""

from __future__ import annotations

import numpy as np
import pytest

from tamin.contributions.dbf import DbfError, find_lists, read_list, read_table, read_txt_list
from tamin.contributions.dbf.layouts import LAYOUTS, family
from tests.contributions.dbf.conftest import DBF_LISTS, EXTENDED, KOSHA, LISTDISK, SAMPLES, TEMPLATE, TXT, key

EXPECTED = {  # layout, workers, encoding (every real file is Iran System, whatever its LDID says)
    "B": (LISTDISK, 22),
    "C": (KOSHA, 123),
    "D": (EXTENDED, 652),
}

SUMS = {  # header field = Σ row field (spec §1.3)
    "DSK_TDD": "DSW_DD", "DSK_TROOZ": "DSW_ROOZ", "DSK_TMAH": "DSW_MAH", "DSK_TMAZ": "DSW_MAZ",
    "DSK_TMASH": "DSW_MASH", "DSK_TTOTL": "DSW_TOTL", "DSK_TBIME": "DSW_BIME",
}  # fmt: skip


def _all_lists():
    for layout, (paths, n) in EXPECTED.items():
        yield layout, read_list(*paths), n
    yield "TXT", read_txt_list(*TXT), 18


@pytest.fixture(scope="module")
def lists():
    return list(_all_lists())


@pytest.mark.parametrize("layout", ["B", "C", "D"])
def test_layout_and_count(layout):
    paths, n = EXPECTED[layout]
    wl = read_list(*paths)
    assert (wl.kar.layout, wl.wor.layout) == (layout, layout)
    assert (wl.kar.encoding, wl.wor.encoding) == ("iran_system", "iran_system")
    assert wl.n == n == wl.header["DSK_NUM"]
    assert len(wl.wor.fields) == {"B": 29, "C": 27, "D": 31}[layout]


def test_layout_constants_match_the_real_descriptors():
    # Our writable layouts are the ones real files declare, field for field.
    assert read_table(TEMPLATE[0]).fields == LAYOUTS["B"].kar
    assert read_table(TEMPLATE[1]).fields == LAYOUTS["B"].wor
    assert read_table(KOSHA[0]).fields == LAYOUTS["C"].kar
    assert read_table(KOSHA[1]).fields == LAYOUTS["C"].wor
    assert read_table(EXTENDED[0]).fields == LAYOUTS["D"].kar
    assert read_table(EXTENDED[1]).fields == LAYOUTS["D"].wor
    assert family(LAYOUTS["A"].kar) == "A" and family(LAYOUTS["C-all-C"].kar) == "C"
    assert family((("DSK_ID", "C", 10),)) == "other"


def test_header_totals_equal_row_sums(lists):
    for layout, wl, _ in lists:
        for head, row in SUMS.items():
            total = int(wl.rows[row].sum())
            if layout == "C" and head == "DSK_TBIME":
                # Kosha rounds its own way: one rial off (spec §1.3)
                assert abs(wl.header[head] - total) <= 1
            else:
                assert wl.header[head] == total, (layout, head)
        if "DSW_INC" in wl.rows:
            assert wl.header["DSK_INC"] == int((wl.rows["DSW_INC"] * wl.rows["DSW_DD"]).sum())
            assert wl.header["DSK_SPOUSE"] == int(wl.rows["DSW_SPOUSE"].sum())


def test_rows_agree_with_header_identity(lists):
    for _, wl, _ in lists:
        assert set(wl.rows["DSW_ID"]) == {wl.header["DSK_ID"]}
        assert set(wl.rows["DSW_YY"]) == {wl.header["DSK_YY"]}
        assert set(wl.rows["DSW_MM"]) == {wl.header["DSK_MM"]}
        assert set(wl.rows["DSW_LISTNO"]) == {wl.header["DSK_LISTNO"]}


def test_decoded_names_are_real_names(lists, given_names, surnames):
    for layout, wl, _ in lists:
        for field, pool in (("DSW_FNAME", given_names), ("DSW_LNAME", surnames), ("DSW_DNAME", given_names)):
            values = [v for v in wl.rows[field] if v]
            assert values, (layout, field)
            unknown = [v for v in values if key(v) not in pool]
            assert not unknown, (layout, field, unknown[:5])


def test_sexes_nationalities_and_codes(lists):
    for layout, wl, _ in lists:
        assert set(wl.rows["DSW_SEX"]) <= {"مرد", "زن"}, layout
        assert "ایرانی" in set(wl.rows["DSW_NAT"])
        codes = wl.rows["PER_NATCOD"]
        assert all(len(c) == 10 and c.isdigit() for c in codes), layout
        assert wl.rows["DSW_DD"].dtype == np.int64 and wl.rows["DSW_DD"].max() <= 31


def test_known_values(lists):
    by = {layout: wl for layout, wl, _ in lists}
    b = by["B"]
    assert b.header["DSK_NAME"] == "کارگاه نمونه آزمایشی"
    assert b.header["DSK_ADRS"] == "تهران خیابان نمونه پلاک 1"  # Persian digit ۱ in the file
    assert b.header["DSK_DISC"] == "4" and b.header["DSK_YY"] == 3 and b.header["DSK_MM"] == 9
    assert b.rows["DSW_BDATE"][0] == "64/06/19" and b.rows["DSW_IDATE"][0] == "0"
    assert b.rows["DSW_SPOUSE"][0] == 5_000_000  # C10, left aligned
    assert not b.blank["DSW_SPOUSE"][1] and b.rows["DSW_SPOUSE"][1] == 0
    assert b.rows["DSW_OCP"][0] == "مشاور فنی پروژه ها"
    assert b.month.year == 1403
    assert by["TXT"].rows["DSW_OCP"][0] == "اپراتور(1)"  # mirrored brackets, digit run kept
    assert by["TXT"].rows["DSW_JOB"][0] == "OA4163"
    d = by["D"]
    assert (d.rows["DSW_DD"] == 0).sum() == 32  # accepted list with 0-day rows
    assert d.header["DSK_KIND"] == 1
    assert d.blank["DSW_KOSO"].all() and (d.rows["DSW_KOSO"] == 0).all()  # all-blank numbers read 0
    assert d.header_blank["DSK_BIMH"] and d.header["DSK_BIMH"] == 0


def test_template_reads_as_empty_list():
    table = read_table(TEMPLATE[1])
    assert (table.layout, table.n) == ("B", 0)
    with pytest.raises(DbfError) as err:
        read_list(*TEMPLATE)
    assert err.value.code == "dbf.empty"
    assert err.value.problems[0].file == str(TEMPLATE[0])


def test_find_lists(tmp_path):
    pairs = find_lists(SAMPLES)
    assert len(pairs) == 5
    assert (LISTDISK[0], LISTDISK[1]) in pairs and (TXT[0], TXT[1]) in pairs
    # official names, any case, nested; a lone file pairs with nothing
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "dskkar00.dbf").write_bytes(b"")
    (tmp_path / "a" / "b" / "DSKWOR00.DBF").write_bytes(b"")
    (tmp_path / "a" / "DSKKAR00.TXT").write_bytes(b"")
    assert find_lists(tmp_path) == [
        (tmp_path / "a" / "b" / "dskkar00.dbf", tmp_path / "a" / "b" / "DSKWOR00.DBF")
    ]


def test_bytes_sources_read_like_paths():
    from_paths = read_list(*LISTDISK)
    from_bytes = read_list(
        ("DSKKAR00.DBF", LISTDISK[0].read_bytes()), ("DSKWOR00.DBF", LISTDISK[1].read_bytes())
    )
    assert from_bytes.header == from_paths.header
    for name, column in from_paths.rows.items():
        assert np.array_equal(column, from_bytes.rows[name])
    assert from_bytes.wor.name == "DSKWOR00.DBF"
    assert DBF_LISTS["B"] == LISTDISK
