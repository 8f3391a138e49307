"""The SSO wage-list files (DSKKAR00/DSKWOR00, DBF or TXT): read any layout, write the v6 layout.

Pure Python and numpy; no Django. See `/work/shared/domain/wage-list-dbf.md` for the format.
"""

from tamin.contributions.dbf.errors import DbfError
from tamin.contributions.dbf.layouts import LAYOUTS, Layout
from tamin.contributions.dbf.reader import Table, find_lists, read_list, read_table
from tamin.contributions.dbf.txt import read_txt_list
from tamin.contributions.dbf.writer import list_bytes, write_list

__all__ = [
    "LAYOUTS",
    "DbfError",
    "Layout",
    "Table",
    "find_lists",
    "list_bytes",
    "read_list",
    "read_table",
    "read_txt_list",
    "write_list",
]
