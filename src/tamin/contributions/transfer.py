"""Wage lists in and out of the database: what `tamin wagelist import` and `export` run.

Import, per list (each list is its own unit of work: one bad list does not undo the others):
read the pair (tamin.contributions.dbf) → check it against the registry (workshop known and active,
persons known or registered on the way) → check and price it with the registry's facts (who is exempt
from the unemployment premium: tamin.contributions.exemptions; hard-and-harmful jobs, the
small-workshop exemption) → in one transaction register the new persons, post the list, bill it and
audit it (tamin.contributions.posting). One JSON object per list is printed, the check summary plus
`status` (posted / unchanged / corrected / supplementary / rejected) and the bill.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import jdatetime
import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from tamin.contributions import posting
from tamin.contributions.checking import problem_dict
from tamin.contributions.models import ROW_NUMBER_COLUMNS, ROW_TEXT_COLUMNS, ContributionList, ListRow
from tamin.contributions.wagelist import SourceFile, WageList
from tamin.core import jalali
from tamin.core.errors import DomainError, Problem
from tamin.core.jalali import JalaliMonth
from tamin.core.text import normalize
from tamin.registry.models import Employment, Person, Workshop, WorkshopStatus
from tamin.registry.services.identifiers import (
    INSURANCE_NUMBER_SEQUENCE,
    INSURANCE_NUMBER_START,
    reserve_block,
)

IRANIAN = "ایرانی"
UNKNOWN_COUNTRY = "XX"  # a foreign national whose country the list does not name (ISO user-assigned)
_SEX = {"مرد": "male", "زن": "female"}
_CHUNK = 5000  # national codes per IN (...) query; well under SQLite's bound-parameter limit


@dataclass
class Outcome:
    status: str
    summary: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


# --- finding the pairs -------------------------------------------------------------------------------


def _pairs(paths: list[Path]) -> list[tuple[Path, Path]]:
    from tamin.contributions import dbf

    pairs: list[tuple[Path, Path]] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            pairs.extend(dbf.find_lists(path))
        else:
            files.append(path)
    if len(files) % 2:
        raise DomainError(
            "wagelist.pair", "فایل‌های لیست باید جفت باشند: DSKKAR00 و DSKWOR00.", "paths", str(files[-1])
        )
    for a, b in zip(files[::2], files[1::2], strict=True):
        # Given in either order; the header file's name says KAR.
        pairs.append((b, a) if "KAR" in b.name.upper() and "KAR" not in a.name.upper() else (a, b))
    return pairs


# --- the registry's view of a list ------------------------------------------------------------------


def national_codes(wl: WageList) -> np.ndarray:
    codes = np.strings.strip(np.asarray(wl.column("PER_NATCOD"), dtype=str))
    return np.strings.zfill(codes, 10)


def known_persons(codes: np.ndarray) -> dict[str, tuple[int, bool, str]]:
    """national code → (person id, is_pensioner, nationality) for the codes already registered."""
    unique = np.unique(codes).tolist()
    out: dict[str, tuple[int, bool, str]] = {}
    for i in range(0, len(unique), _CHUNK):
        rows = Person.objects.filter(national_code__in=unique[i : i + _CHUNK]).values_list(
            "national_code", "id", "is_pensioner", "nationality"
        )
        out.update({code: (pk, pensioner, nat) for code, pk, pensioner, nat in rows})
    return out


def _workshop_problems(wl: WageList) -> tuple[Workshop | None, list[Problem]]:
    code = wl.workshop.strip()
    return workshop_problems(wl, Workshop.objects.select_related("branch").filter(code=code).first())


def workshop_problems(wl: WageList, workshop: Workshop | None) -> tuple[Workshop | None, list[Problem]]:
    """Why `workshop` (the registry's workshop of the list's DSK_ID, None if there is none) cannot
    take the list."""
    code = wl.workshop.strip()
    if workshop is None:
        return None, [
            Problem("workshop.unknown", f"کارگاهی با کد {code} ثبت نشده است.", "DSK_ID", 1, file=wl.kar.name)
        ]
    if workshop.status != WorkshopStatus.ACTIVE:
        return workshop, [
            Problem(
                "workshop.inactive",
                f"کارگاه {code} فعال نیست ({workshop.get_status_display()}).",
                "DSK_ID",
                1,
                file=wl.kar.name,
            )
        ]
    return workshop, []


def _hard_job_rows(workshop: Workshop, month: JalaliMonth, person_ids: np.ndarray) -> np.ndarray:
    """Rows whose person holds a job at this workshop certified hard and harmful during the month."""
    certified = set(
        Employment.objects.filter(workshop=workshop, hard_job=True, start_date__lte=month.last_day())
        .exclude(end_date__lt=month.first_day())
        .values_list("person_id", flat=True)
    )
    if not certified:
        return np.zeros(len(person_ids), dtype=bool)
    return np.isin(person_ids, np.fromiter(certified, dtype=np.int64))


# --- registering the persons a list brings ----------------------------------------------------------


def _birth_date(raw: str) -> dt.date | None:
    text = normalize(raw).strip().replace("-", "/")
    try:
        if "/" in text:
            y, m, d = (int(p) for p in text.split("/"))
        elif len(text) == 8 and text.isdigit():
            y, m, d = int(text[:4]), int(text[4:6]), int(text[6:])
        else:
            return None
        if y < 100:  # ListDisk writes YY/MM/DD
            y += 1300
        return jdatetime.date(y, m, d).togregorian()
    except (ValueError, TypeError):
        return None


def insurance_numbers(listed: np.ndarray) -> np.ndarray:
    """Insurance numbers for persons registered from list rows (DSW_ID1 as read): the list's number is
    kept unless blank, zero, already someone else's, or used by an earlier row; the rest get fresh ones."""
    listed = np.strings.strip(np.asarray(listed, dtype=str))
    listed = np.where(np.strings.isdigit(listed), np.strings.zfill(listed, 10), "")
    candidates = [x for x in np.unique(listed).tolist() if x.strip("0")]
    taken: set[str] = set()
    for i in range(0, len(candidates), _CHUNK):
        taken.update(
            Person.objects.filter(insurance_number__in=candidates[i : i + _CHUNK]).values_list(
                "insurance_number", flat=True
            )
        )
    _, first_use = np.unique(listed, return_index=True)
    repeated = np.ones(listed.size, dtype=bool)
    repeated[first_use] = False
    need = (np.strings.strip(listed, "0") == "") | np.isin(listed, list(taken)) | repeated
    if need.any():
        block = reserve_block(INSURANCE_NUMBER_SEQUENCE, int(need.sum()), INSURANCE_NUMBER_START)
        fresh = np.strings.zfill(np.arange(block, block + int(need.sum())).astype(str), 10)
        listed = listed.astype("<U10")
        listed[need] = fresh
    return listed


def register_missing(
    wl: WageList, codes: np.ndarray, known: dict[str, tuple[int, bool, str]], workshop: Workshop
) -> tuple[dict[str, int], list[Problem]]:
    """Register (set-based) the persons of the list not yet in the registry. Runs inside the posting
    transaction, so a list that is not posted registers nobody. Returns national code → id.

    The registry's own `find_or_register_person` does this one person at a time; a list brings
    thousands, so the rows are written as columns like the list rows (posting.bulk_insert)."""
    missing = np.fromiter((c not in known for c in codes.tolist()), dtype=bool, count=len(codes))
    if not missing.any():
        return {}, []
    rows = np.flatnonzero(missing)
    # A person listed twice in the same list is registered once, from the first row.
    new_codes, first = np.unique(codes[rows], return_index=True)
    rows = rows[first]
    n = len(rows)
    births = {b: _birth_date(b) for b in np.unique(wl.column("DSW_BDATE")[rows]).tolist()}
    born = [births[b] for b in wl.column("DSW_BDATE")[rows].tolist()]
    sexes = {s: _SEX.get(normalize(s).strip()) for s in np.unique(wl.column("DSW_SEX")[rows]).tolist()}
    sex = [sexes[x] for x in wl.column("DSW_SEX")[rows].tolist()]
    problems: list[Problem] = []
    for i in np.flatnonzero([b is None for b in born]).tolist()[:50]:
        problems.append(Problem(
            "person.birth_date",
            f"کد ملی {new_codes[i]} ثبت نشده و تاریخ تولد آن در لیست خوانا نیست؛ ثبت شخص ممکن نیست.",
            "DSW_BDATE", int(rows[i]) + 1, file=wl.wor.name,
        ))  # fmt: skip
    for i in np.flatnonzero([x is None for x in sex]).tolist()[:50]:
        problems.append(Problem(
            "person.sex",
            f"کد ملی {new_codes[i]} ثبت نشده و جنسیت آن («مرد» یا «زن») در لیست نیامده است.",
            "DSW_SEX", int(rows[i]) + 1, file=wl.wor.name,
        ))  # fmt: skip
    if problems:
        return {}, problems
    listed = insurance_numbers(np.asarray(wl.column("DSW_ID1"), dtype=str)[rows])
    nat = np.strings.strip(np.asarray(wl.column("DSW_NAT"), dtype=str)[rows])
    now = timezone.now()
    stamp = now.isoformat() if connection.vendor == "postgresql" else now.replace(tzinfo=None).isoformat(" ")
    cols = {
        "national_code": new_codes,
        "insurance_number": listed,
        "first_name": _clean_text(wl.column("DSW_FNAME")[rows], 60),
        "last_name": _clean_text(wl.column("DSW_LNAME")[rows], 80),
        "father_name": _clean_text(wl.column("DSW_DNAME")[rows], 60),
        "birth_date": np.array([b.isoformat() for b in born]),
        "sex": np.array(sex),
        "nationality": np.where((nat == "") | (nat == IRANIAN), "IR", UNKNOWN_COUNTRY),
        "id_card_number": _digits(wl.column("DSW_IDNO")[rows], 15),
        "mobile": np.full(n, ""),
        "branch_id": np.full(n, workshop.branch_id, dtype=np.int64),
        "is_pensioner": np.zeros(n, dtype=bool),
        "registered_at": np.full(n, stamp),
        "updated_at": np.full(n, stamp),
    }
    posting.bulk_insert(Person._meta.db_table, cols)
    made: dict[str, int] = {}
    codes_list = new_codes.tolist()
    for i in range(0, len(codes_list), _CHUNK):
        made.update(
            Person.objects.filter(national_code__in=codes_list[i : i + _CHUNK]).values_list(
                "national_code", "id"
            )
        )
    return made, []


def _clean_text(col: np.ndarray, width: int) -> np.ndarray:
    values, inverse = np.unique(np.asarray(col, dtype=str), return_inverse=True)
    clean = np.array([normalize(v).strip()[:width] for v in values.tolist()] or [""])
    return clean[inverse.reshape(-1)]


def _digits(col: np.ndarray, width: int) -> np.ndarray:
    values, inverse = np.unique(np.asarray(col, dtype=str), return_inverse=True)
    clean = np.array(["".join(ch for ch in v if ch.isdigit())[:width] for v in values.tolist()] or [""])
    return clean[inverse.reshape(-1)]


# --- import ------------------------------------------------------------------------------------------


def import_list(wl: WageList, *, actor: Any, today: dt.date | None = None) -> Outcome:
    """Check one read list against the registry, price it and post it. Never raises for a bad list."""
    from tamin.contributions.checking import check_list
    from tamin.contributions.exemptions import of_list

    today = today or jalali.today()
    workshop, problems = _workshop_problems(wl)
    codes = national_codes(wl)
    known = known_persons(codes)
    n = wl.n
    ids = np.array([known.get(c, (0, False, "IR"))[0] for c in codes.tolist()], dtype=np.int64)
    exemption = of_list(wl, workshop.pk if workshop is not None else None, ids)
    exempt = exemption.mask
    hard = np.zeros(n, dtype=bool)
    small = False
    if workshop is not None and not problems:
        small = workshop.small_workshop_exempt
        with contextlib.suppress(DomainError):  # no valid month: the check reports it
            hard = _hard_job_rows(workshop, wl.month, ids)
    result = check_list(
        wl,
        today=today,
        unemployment_exempt=exempt,
        hard_job=hard,
        small_workshop=small,
        unemployment_reasons=exemption.describe(),
    )
    summary = result.as_dict()
    problems = [*problems, *result.errors]
    if problems or result.price is None or workshop is None:
        return _rejected(summary, problems)
    derivation = result.price.derivation.as_dict()
    try:
        with transaction.atomic():
            made, reg_problems = register_missing(wl, codes, known, workshop)
            if reg_problems:
                return _rejected(summary, reg_problems)
            if made:
                ids = np.array(
                    [known[c][0] if c in known else made[c] for c in codes.tolist()], dtype=np.int64
                )
            posted = posting.post_list(
                actor,
                wl,
                result.price,
                workshop=workshop,
                person_ids=ids,
                hard_job=hard,
                derivation=derivation,
                extra_audit={"registered_persons": sorted(made)} if made else None,
                today=today,
            )
    except DomainError as err:
        return _rejected(summary, err.problems)
    summary.update(posted.as_dict())
    summary["registered_persons"] = len(made)
    return Outcome(posted.status, summary)


def _rejected(summary: dict[str, Any], problems: list[Problem]) -> Outcome:
    summary = {**summary, "status": "rejected", "ok": False, "bill": None}
    known = {json.dumps(e, sort_keys=True, ensure_ascii=False) for e in summary.get("errors", [])}
    extra = [
        d
        for d in map(problem_dict, problems)
        if json.dumps(d, sort_keys=True, ensure_ascii=False) not in known
    ]
    summary["errors"] = [*summary.get("errors", []), *extra]
    summary["error_count"] = len(summary["errors"])
    return Outcome("rejected", summary, problems)


def import_paths(paths: list[Path], *, actor: Any = None, as_json: bool, out: TextIO) -> int:
    """Import every list named by `paths` (KAR/WOR pairs or directories holding them). Exit code: 0 when
    every list was posted or already there, 1 when any list was rejected, 2 when the paths are unusable."""
    from tamin.contributions import dbf

    if isinstance(actor, str):
        from tamin.accounts.models import User

        user = User.objects.filter(username=actor, is_active=True).first()
        if user is None:
            _print(out, as_json, {"status": "rejected", "errors": [problem_dict(Problem(
                "actor.unknown", f"کاربری به نام «{actor}» نیست یا فعال نیست.", "actor"))]})  # fmt: skip
            return 2
        actor = user
    actor = actor if actor is not None else posting.SystemActor()
    try:
        pairs = _pairs([Path(p) for p in paths])
    except DomainError as err:
        _print(out, as_json, {"status": "rejected", "errors": [problem_dict(p) for p in err.problems]})
        return 2
    if not pairs:
        _print(
            out,
            as_json,
            {
                "status": "rejected",
                "errors": [
                    problem_dict(
                        Problem(
                            "wagelist.none",
                            "هیچ لیستی (DSKKAR00/DSKWOR00) در مسیرهای داده‌شده پیدا نشد.",
                            "paths",
                        )
                    )
                ],
            },
        )
        return 2
    code = 0
    batched = len(pairs) >= BATCH_THRESHOLD
    step = batch_size() if batched else 1
    for start in range(0, len(pairs), step):
        read: list[tuple[WageList | None, dict[str, Any] | None]] = []
        for kar, wor in pairs[start : start + step]:
            try:
                read.append((dbf.read_list(kar, wor), None))
            except DomainError as err:
                read.append((None, {
                    "kar": str(kar), "wor": str(wor), "status": "rejected", "ok": False, "bill": None,
                    "errors": [problem_dict(p) for p in err.problems],
                }))  # fmt: skip
        lists = [wl for wl, _ in read if wl is not None]
        outcomes = iter(
            _import_many(lists, actor) if batched else [import_list(wl, actor=actor) for wl in lists]
        )
        for wl, failed in read:
            summary = failed if wl is None else next(outcomes).summary
            if summary["status"] == "rejected":
                code = 1
            _print(out, as_json, summary)
    return code


# Given this many lists or more, `import_paths` imports them in batches (tamin.contributions.batch):
# one transaction per batch instead of one per list, with the same outcome for every list.
BATCH_THRESHOLD = 20


def batch_size() -> int:
    from tamin.contributions import batch

    return batch.DEFAULT_BATCH


def _import_many(lists: list[WageList], actor: Any) -> list[Outcome]:
    from django.db import DatabaseError

    from tamin.contributions import batch

    try:
        return batch.import_batch(lists, actor=actor)
    except DatabaseError:
        # The batch was refused whole (e.g. a concurrent import took one of its lists): nothing of it
        # was written; import its lists one by one, each its own unit of work.
        return [import_list(wl, actor=actor) for wl in lists]


def _print(out: TextIO, as_json: bool, summary: dict[str, Any]) -> None:
    if as_json:
        out.write(json.dumps(summary, ensure_ascii=False, default=str) + "\n")
        return
    where = f"{summary.get('workshop', '')} {summary.get('month', '')} #{summary.get('list_no', '')}".strip()
    out.write(f"{where or summary.get('kar', '')}: {summary.get('status')}\n")
    bill = summary.get("bill")
    if bill:
        out.write(
            f"  برگ پرداخت {bill['number']}: {bill['amount']:,} ریال، مهلت {bill['due_on']}"
            + (f" (تفاوت با قبل {bill['difference']:,})" if bill.get("previous_amount") is not None else "")
            + "\n"
        )
    for e in summary.get("errors", []):
        out.write(
            f"  - {e['code']} [{e.get('file') or ''} {e.get('record') or ''} {e.get('field') or ''}]: "
            f"{e['message']}\n"
        )


# --- export ------------------------------------------------------------------------------------------


def stored_list(cl: ContributionList) -> WageList:
    """The posted list as a WageList again, as the employer sent it."""
    text_cols = [c for c, _ in ROW_TEXT_COLUMNS]
    num_cols = [c for c, _ in ROW_NUMBER_COLUMNS]
    values = list(
        ListRow.objects.filter(contribution_list=cl).order_by("row_no").values_list(*text_cols, *num_cols)
    )
    columns = list(zip(*values, strict=True)) if values else [() for _ in (*text_cols, *num_cols)]
    rows: dict[str, np.ndarray] = {}
    for i, (_, dbf_name) in enumerate(ROW_TEXT_COLUMNS):
        rows[dbf_name] = np.array(columns[i], dtype=str) if values else np.zeros(0, dtype="<U1")
    for j, (_, dbf_name) in enumerate(ROW_NUMBER_COLUMNS):
        rows[dbf_name] = np.array(columns[len(text_cols) + j], dtype=np.int64)
    header: dict[str, int | str] = dict(cl.header)
    # Lists that had no such columns (e.g. v2.7 without DSW_INC) come back with the stored zeros.
    for name in ("DSW_ID", "DSW_LISTNO", "DSW_YY", "DSW_MM"):
        rows.pop(name, None)
    n = len(values)
    rows["DSW_ID"] = np.full(n, cl.workshop.code)
    rows["DSW_LISTNO"] = np.full(n, cl.list_no)
    rows["DSW_YY"] = np.full(n, int(header.get("DSK_YY", cl.year % 100)), dtype=np.int64)
    rows["DSW_MM"] = np.full(n, int(header.get("DSK_MM", cl.month)), dtype=np.int64)
    layout = cl.layout or "B"
    return WageList(
        kar=SourceFile("DSKKAR00.DBF", layout, "iran_system"),
        wor=SourceFile("DSKWOR00.DBF", layout, "iran_system"),
        header=header,
        rows=rows,
    )


def export_list(workshop: str, month: str, directory: Path, out: TextIO, *, actor: Any = None) -> int:
    """Write the workshop's posted lists of `month` (YYYY-MM) back as DBF pairs. With several list
    numbers, each pair goes into a sub-folder named by its list number. Exit code 0, or 2 on bad input."""
    from tamin.accounts import scope
    from tamin.contributions import dbf

    actor = actor if actor is not None else posting.SystemActor()
    try:
        jm = JalaliMonth.parse(month)
    except DomainError as err:
        out.write(json.dumps({"errors": [problem_dict(p) for p in err.problems]}, ensure_ascii=False) + "\n")
        return 2
    lists = list(
        ContributionList.objects.filter(
            workshop__in=scope.workshops(actor), workshop__code=workshop.strip(), year=jm.year, month=jm.month
        )
        .select_related("workshop")
        .order_by("list_no")
    )
    if not lists:
        problem = Problem(
            "wagelist.not_found", f"لیستی برای کارگاه {workshop} در ماه {jm} ثبت نشده است.", "workshop"
        )
        out.write(json.dumps({"errors": [problem_dict(problem)]}, ensure_ascii=False) + "\n")
        return 2
    directory = Path(directory)
    for cl in lists:
        target = directory if len(lists) == 1 else directory / cl.list_no
        target.mkdir(parents=True, exist_ok=True)
        kar, wor = dbf.write_list(stored_list(cl), target)
        out.write(
            json.dumps(
                {
                    "workshop": cl.workshop.code,
                    "month": str(jm),
                    "list_no": cl.list_no,
                    "rows": cl.rows,
                    "kar": str(kar),
                    "wor": str(wor),
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    return 0
