"""Wage lists over the API: check a DBF/TXT pair without writing, send it (check, price, bill, post),
and read the posted lists in the caller's scope. Files come as multipart `kar` (DSKKAR00) and `wor`
(DSKWOR00), each at most 20 MB, read in memory; every problem names its file, record and field."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from tamin.contributions import submission
from tamin.contributions.schemas import CheckOut, ImportOut, ListDetailOut, ListOut, ProblemOut
from tamin.pagination import Page

router = Router(tags=["wage lists"])


class RejectedOut(Schema):
    """A list refused whole: every problem (`errors`), the warnings, and the check summary."""

    errors: list[ProblemOut]
    warnings: list[ProblemOut] = []
    summary: dict[str, Any]


@router.post(
    "/wagelists/check",
    response=CheckOut,
    summary="Check and price a wage-list pair (DSKKAR00 + DSKWOR00) without writing anything",
)
def check_list(
    request: HttpRequest,
    kar: File[UploadedFile | None] = None,
    wor: File[UploadedFile | None] = None,
) -> dict[str, Any]:
    submission.require(request.auth, submission.SUBMIT)
    wl = submission.read_upload(kar, wor)
    return submission.check(request.auth, wl).as_dict(rows=True)


@router.post(
    "/wagelists",
    response={200: ImportOut, 201: ImportOut, 400: RejectedOut},
    summary="Send a wage-list pair: check, price, bill and post it, all or nothing",
    description=(
        "201 when the list was written (status posted, corrected or supplementary), 200 when the same "
        "list was already posted (unchanged), 400 with every problem when it was rejected."
    ),
)
def send_list(
    request: HttpRequest,
    kar: File[UploadedFile | None] = None,
    wor: File[UploadedFile | None] = None,
) -> Status:
    submission.require(request.auth, submission.SUBMIT)
    wl = submission.read_upload(kar, wor)
    outcome = submission.submit(request.auth, wl)
    summary = outcome.summary
    if outcome.status == "rejected":
        rest = {k: v for k, v in summary.items() if k not in ("errors", "warnings")}
        return Status(
            400, {"errors": summary["errors"], "warnings": summary.get("warnings", []), "summary": rest}
        )
    return Status(200 if outcome.status == "unchanged" else 201, summary)


@router.get("/wagelists", response=list[ListOut], summary="Posted wage lists in the caller's scope")
@paginate(Page)
def list_lists(request: HttpRequest, workshop: str | None = None, month: str | None = None):
    return submission.lists(request.auth, workshop=workshop, month=month)


@router.get(
    "/wagelists/{list_id}", response=ListDetailOut, summary="One posted wage list: rows, price and bill"
)
def get_list(request: HttpRequest, list_id: int):
    return submission.get_list(request.auth, list_id)
