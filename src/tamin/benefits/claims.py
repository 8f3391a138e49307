"""Pension claims (درخواست مستمری), decided maker–checker.

    submitted ──prepare (maker)──▶ prepared ──approve (checker ≠ maker)──▶ approved (+ PensionAward)
        │  ╲                          │
        │   ╲──reject──▶ rejected ◀───┘ reject
        └──withdraw (before preparation)──▶ withdrawn

- The insured applies for themself, or branch staff apply for a person in their scope. An application
  is accepted even when the engine says the conditions are not met: the SSO registers every application
  and answers it, so a claim that is not eligible is rejected with the engine's reasons, not refused at
  the door (the applicant sees the same reasons beforehand in `check_conditions`).
- The maker (branch staff or admin in scope) recomputes the case with the rules engine from the stored
  history as of the application date (`cases.person_case`) and stores the result; the maker may add
  notes and tick the documents checklist.
- The checker (another branch staff member or admin in scope) approves: the award is created from the
  stored result, so what was checked is what is paid. The maker cannot approve their own claim.

The award's start month is the application month: the retirement pension is due from the application
(SSL Art. 76 pays it to an insured who applies having met the conditions; leaving work is part of the
application). A payroll month already run before approval is not paid back here (the award has no
arrears of months before it existed; the payroll pays from the next run on).

Every step runs in one transaction, under a row lock on the claim, and is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tamin.accounts import scope
from tamin.accounts.permissions import allowed
from tamin.accounts.roles import Role
from tamin.audit.services import record, snapshot
from tamin.benefits.cases import person_case
from tamin.benefits.models import (
    OPEN_CLAIM_STATUSES,
    AwardKind,
    AwardStatus,
    ClaimStatus,
    PayrollRun,
    PensionAward,
    PensionClaim,
)
from tamin.core import jalali
from tamin.core.errors import Conflict, DomainError, Forbidden, NotFound, ProblemList
from tamin.core.jalali import JalaliMonth
from tamin.core.text import normalize
from tamin.registry.models import Person
from tamin.rules.pensions import (
    PRO_RATA_ROUTES,
    ROUTES,
    Survivor,
    disability_explained,
    retirement_explained,
    survivors_explained,
)

# The documents the maker ticks before preparing (the SSO's usual file for a pension claim).
DOCUMENTS = {
    "id_card": "شناسنامه و کارت ملی",
    "application_form": "فرم درخواست مستمری",
    "leaving_work": "گواهی ترک کار",
    "insurance_booklet": "دفترچه یا سوابق بیمه‌ای تأییدشده",
    "bank_account": "شمارهٔ حساب بانکی",
}
MAX_NOTE = 2000
CLAIM_FIELDS = (
    "status",
    "result",
    "documents",
    "notes",
    "rejection_reason",
    "award",
    "prepared_at",
    "prepared_by",
    "decided_at",
    "decided_by",
)
CLAIM_PERSONS = frozenset({Role.INSURED, Role.PENSIONER})


# --- reading ------------------------------------------------------------------------------------------


def claims_in_scope(user: Any) -> QuerySet[PensionClaim]:
    """The claims `user` may read: their own, or the claims of the persons in their scope."""
    claims = PensionClaim.objects.select_related("person", "award", "prepared_by", "decided_by")
    if not allowed(user, "claim.read"):
        return claims.none()
    if user.role in CLAIM_PERSONS:
        return claims.filter(person=user.person_id) if user.person_id else claims.none()
    return claims.filter(person__in=scope.persons(user).values("pk"))


def get_claim(user: Any, claim_id: int) -> PensionClaim:
    """The claim, if `user` may read it; otherwise "not found" (its existence is not revealed)."""
    claim = claims_in_scope(user).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("claim.not_found", "درخواست مستمری پیدا نشد.", "claim")
    return claim


def queue(user: Any) -> QuerySet[PensionClaim]:
    """The open claims staff work on, oldest application first."""
    return claims_in_scope(user).filter(status__in=OPEN_CLAIM_STATUSES).order_by("application_date", "id")


# --- the engine ---------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _fact_date(facts: Mapping[str, Any], name: str, problems: ProblemList) -> dt.date | None:
    raw = facts.get(name)
    if isinstance(raw, dt.date):
        return raw
    if not raw:
        problems.add("claim.fact_missing", f"«{name}» برای این نوع مستمری لازم است.", name)
        return None
    try:
        return jalali.parse_jalali_date(str(raw), field=name)
    except DomainError as err:
        problems.extend(err)
        return None


def evaluate(
    person: Person, kind: str, on: dt.date, facts: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The engine's answer for `person`'s `kind` claim applied for on `on`, from the stored history."""
    facts = facts or {}
    case = person_case(person, on)
    if kind == AwardKind.RETIREMENT:
        return _jsonable(retirement_explained(case))
    problems = ProblemList()
    if kind == AwardKind.DISABILITY:
        event = _fact_date(facts, "event_date", problems)
        percent = facts.get("percent")
        if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
            problems.add(
                "claim.percent", "درصد ازکارافتادگی (۰ تا ۱۰۰) را کمیسیون پزشکی تعیین می‌کند.", "percent"
            )
        problems.raise_if_any()
        assert event is not None and isinstance(percent, int)
        return _jsonable(
            disability_explained(
                case,
                event_date=event,
                percent=percent,
                work_related=bool(facts.get("work_related", False)),
                dependants=bool(facts.get("dependants", False)),
            )
        )
    if kind == AwardKind.SURVIVORS:
        death = _fact_date(facts, "death_date", problems)
        people = []
        for s in facts.get("survivors") or []:
            born = _fact_date(s, "birth_date", problems) if s.get("birth_date") else None
            people.append(
                Survivor(
                    relation=str(s.get("relation", "")),
                    birth_date=born,
                    studying=bool(s.get("studying", False)),
                    disabled=bool(s.get("disabled", False)),
                    dependent=bool(s.get("dependent", True)),
                    remarried=bool(s.get("remarried", False)),
                    receives_sso_pension=bool(s.get("receives_sso_pension", False)),
                )
            )
        if not people:
            problems.add("claim.survivors", "بازماندگان متقاضی را وارد کنید.", "survivors")
        problems.raise_if_any()
        assert death is not None
        pension = facts.get("deceased_pension")
        return _jsonable(
            survivors_explained(
                case,
                death_date=death,
                work_related=bool(facts.get("work_related", False)),
                deceased_pension=int(pension) if pension is not None else None,
                survivors=people,
            )
        )
    raise DomainError("claim.kind", "نوع مستمری باید retirement، disability یا survivors باشد.", "kind")


def check_conditions(
    person: Person,
    on: dt.date | None = None,
    kind: str = AwardKind.RETIREMENT,
    facts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What the insured sees before applying: eligible or not, the reasons and the estimated pension.
    The caller has checked that the reader may see `person`."""
    on = on or jalali.today()
    if kind not in AwardKind.values:
        raise DomainError("claim.kind", "نوع مستمری باید retirement، disability یا survivors باشد.", "kind")
    # What cannot be computed yet (a missing fact, a year whose parameters are not decided) is a reason
    # the person reads, not an error page.
    result = _safe_evaluate(person, kind, on, facts or {})
    open_claim = PensionClaim.objects.filter(person=person, kind=kind, status__in=OPEN_CLAIM_STATUSES).first()
    return {
        "person": person.national_code,
        "kind": str(kind),
        "on": jalali.format_jalali(on),
        "eligible": bool(result["eligible"]),
        "case": result.get("case"),
        "case_label": case_label(result),
        "reasons": result.get("reasons", []),
        "credited_days": result.get("credited_days", 0),
        "credited_years": result.get("credited_years", 0),
        "average_wage": result.get("average_wage", 0),
        "pension": result.get("pension", 0),
        "open_claim": open_claim.pk if open_claim else None,
        "result": result,
    }


def case_label(result: Mapping[str, Any]) -> str:
    """The case applied, in Persian words (the retirement route's label, else the case code)."""
    code = result.get("case")
    if not code:
        return "—"
    for name, _, label in ROUTES.values():
        if name == code:
            return label
    return {
        "total": "ازکارافتادگی کلی",
        "partial": "ازکارافتادگی جزئی",
        "lump_sum": "غرامت مقطوع",
        "pensioner_death": "فوت مستمری‌بگیر",
        "work_accident": "فوت ناشی از کار",
        "insured_death": "فوت بیمه‌شده",
    }.get(str(code), str(code))


def _safe_evaluate(person: Person, kind: str, on: dt.date, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's answer, or — when the case cannot be computed (missing facts or parameters) — a
    not-eligible result carrying the problems as reasons, so the claim can still be answered."""
    try:
        return evaluate(person, kind, on, facts)
    except DomainError as err:
        return {
            "kind": str(kind),
            "eligible": False,
            "case": None,
            "reasons": [{"case": p.code, "message": p.message, "field": p.field} for p in err.problems],
            "credited_days": 0,
            "credited_years": 0,
            "average_wage": 0,
            "pension": 0,
            "derivation": {},
        }


# --- who may act --------------------------------------------------------------------------------------


def _active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def _in_scope(actor: Any, person_id: int) -> bool:
    return scope.persons(actor).filter(pk=person_id).exists()


def _require_staff(actor: Any, action: str, claim: PensionClaim) -> None:
    if not _active(actor) or not allowed(actor, action) or actor.role in CLAIM_PERSONS:
        raise Forbidden("auth.forbidden", "این کار با کارمند شعبه است.")
    if not _in_scope(actor, claim.person_id):
        raise Forbidden("auth.out_of_scope", "این پرونده در حوزهٔ دسترسی شما نیست.")


def _locked(claim: PensionClaim, *states: str) -> PensionClaim:
    locked = PensionClaim.objects.select_for_update().get(pk=claim.pk)
    if locked.status not in states:
        raise Conflict(
            "claim.status",
            f"این درخواست در وضعیت «{locked.get_status_display()}» است و این کار روی آن انجام نمی‌شود.",
            "status",
        )
    return locked


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "pk", None)


# --- the steps ----------------------------------------------------------------------------------------


def submit(
    actor: Any,
    person: Person,
    kind: str = AwardKind.RETIREMENT,
    on: dt.date | None = None,
    facts: Mapping[str, Any] | None = None,
) -> PensionClaim:
    """Register an application. Refused only for who applies, the date, the kind, or an open claim of the
    same kind; a case that does not meet the conditions is registered with the engine's reasons."""
    own = (
        _active(actor)
        and getattr(actor, "role", None) == Role.INSURED
        and getattr(actor, "person_id", None) == person.pk
    )
    staff = (
        _active(actor)
        and allowed(actor, "claim.submit")
        and actor.role not in CLAIM_PERSONS
        and _in_scope(actor, person.pk)
    )
    if not (own or staff):
        if _active(actor) and allowed(actor, "claim.submit") and actor.role not in CLAIM_PERSONS:
            raise Forbidden("auth.out_of_scope", "این پرونده در حوزهٔ دسترسی شما نیست.")
        raise Forbidden("auth.forbidden", "درخواست مستمری را خود بیمه‌شده یا کارمند شعبه ثبت می‌کند.")
    today = jalali.today()
    on = on or today
    problems = ProblemList()
    if kind not in AwardKind.values:
        problems.add("claim.kind", "نوع مستمری باید retirement، disability یا survivors باشد.", "kind")
    if on > today:
        problems.add("claim.future_date", "تاریخ درخواست نمی‌تواند پس از امروز باشد.", "application_date")
    if person.death_date is not None and kind != AwardKind.SURVIVORS:
        problems.add("claim.deceased", "برای متوفی تنها مستمری بازماندگان درخواست می‌شود.", "kind")
    problems.raise_if_any()
    facts = _jsonable(dict(facts or {}))
    result = _safe_evaluate(person, kind, on, facts)
    try:
        with transaction.atomic():
            if PensionClaim.objects.filter(person=person, kind=kind, status__in=OPEN_CLAIM_STATUSES).exists():
                raise Conflict(
                    "claim.open_exists",
                    "درخواست دیگری از همین نوع برای این شخص در دست بررسی است.",
                    "kind",
                )
            claim = PensionClaim.objects.create(
                person=person,
                kind=kind,
                application_date=on,
                facts=facts,
                result=result,
                submitted_at=timezone.now(),
                submitted_by_id=_actor_id(actor),
            )
            record(actor, "claim.submit", claim, after=snapshot(claim, ["person", "kind", "application_date",
                                                                        "status", "facts"])
                   | {"eligible": result["eligible"], "pension": result.get("pension", 0)})  # fmt: skip
    except IntegrityError:
        # Two applications at once: the partial unique index lets only one through.
        raise Conflict(
            "claim.open_exists", "درخواست دیگری از همین نوع برای این شخص در دست بررسی است.", "kind"
        ) from None
    return claim


def _documents(documents: Mapping[str, Any] | None) -> dict[str, bool]:
    if documents is None:
        return {}
    unknown = sorted(set(documents) - set(DOCUMENTS))
    if unknown:
        raise DomainError("claim.document", f"مدرک ناشناخته: {', '.join(unknown)}", "documents")
    return {k: bool(v) for k, v in documents.items()}


def prepare(
    actor: Any,
    claim: PensionClaim,
    *,
    notes: str = "",
    documents: Mapping[str, Any] | None = None,
) -> PensionClaim:
    """The maker's step: recompute with the engine from the history as of the application date."""
    _require_staff(actor, "claim.prepare", claim)
    notes = normalize(notes or "").strip()
    if len(notes) > MAX_NOTE:
        raise DomainError("claim.notes", f"یادداشت حداکثر {MAX_NOTE} نویسه است.", "notes")
    docs = _documents(documents)
    with transaction.atomic():
        locked = _locked(claim, ClaimStatus.SUBMITTED)
        before = snapshot(locked, CLAIM_FIELDS)
        locked.result = _safe_evaluate(locked.person, locked.kind, locked.application_date, locked.facts)
        locked.notes = notes
        locked.documents = docs
        locked.status = ClaimStatus.PREPARED
        locked.prepared_at = timezone.now()
        locked.prepared_by_id = _actor_id(actor)
        locked.save()
        record(actor, "claim.prepare", locked, before=before, after=snapshot(locked, CLAIM_FIELDS))
    return locked


def approve(actor: Any, claim: PensionClaim) -> PensionClaim:
    """The checker's step: create the award from the prepared result. The maker cannot be the checker."""
    _require_staff(actor, "claim.approve", claim)
    with transaction.atomic():
        locked = _locked(claim, ClaimStatus.PREPARED)
        if locked.prepared_by_id is not None and locked.prepared_by_id == _actor_id(actor):
            raise Forbidden(
                "claim.same_user", "تأیید کننده باید کسی جز آماده‌کنندهٔ درخواست باشد.", "decided_by"
            )
        result = locked.result
        if not result.get("eligible"):
            raise Conflict(
                "claim.not_eligible",
                "شرایط این مستمری فراهم نیست؛ درخواست را با ذکر دلیل رد کنید.",
                "status",
            )
        pension = int(result.get("pension") or 0)
        if pension <= 0:
            # A lump sum (Art. 74) is paid once, not by the monthly payroll.
            raise Conflict("claim.no_pension", "این تصمیم مستمری ماهانه ندارد.", "status")
        start = JalaliMonth.of(locked.application_date)
        first = _first_payroll(start)
        before = snapshot(locked, CLAIM_FIELDS)
        award = PensionAward.objects.create(
            person_id=locked.person_id,
            kind=locked.kind,
            start_year=start.year,
            start_month=start.month,
            first_payroll_year=first.year if first != start else None,
            first_payroll_month=first.month if first != start else None,
            base_amount=pension,
            pro_rata=_pro_rata(result),
            status=AwardStatus.ACTIVE,
            derivation={**result.get("derivation", {}), "claim": locked.pk, "case": result.get("case")},
        )
        record(actor, "award.create", award, after=snapshot(award) | {"claim": locked.pk})
        locked.award = award
        locked.status = ClaimStatus.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by_id = _actor_id(actor)
        locked.save()
        record(actor, "claim.approve", locked, before=before, after=snapshot(locked, CLAIM_FIELDS))
        if locked.kind != AwardKind.SURVIVORS:
            person = Person.objects.select_for_update().get(pk=locked.person_id)
            if not person.is_pensioner:
                person.is_pensioner = True
                person.save(update_fields=["is_pensioner", "updated_at"])
                record(actor, "person.update", person, before={"is_pensioner": False},
                       after={"is_pensioner": True, "claim": locked.pk})  # fmt: skip
    return locked


def _first_payroll(start: JalaliMonth) -> JalaliMonth:
    """The first month the payroll will see an award starting in `start`: the month after the latest run
    when months from `start` on have been run already (they are then paid as arrears), else `start`."""
    latest = PayrollRun.objects.order_by("-year", "-month").values_list("year", "month").first()
    if latest is None or JalaliMonth(*latest).index < start.index:
        return start
    return JalaliMonth.from_index(JalaliMonth(*latest).index + 1)


def _pro_rata(result: Mapping[str, Any]) -> bool:
    """Pro rata awards take their own yearly-increase band: the 10-year route and partial disability."""
    case = result.get("case")
    pro_rata_cases = {ROUTES[code][0] for code in PRO_RATA_ROUTES} | {"partial"}
    return case in pro_rata_cases


def reject(actor: Any, claim: PensionClaim, reason: str = "") -> PensionClaim:
    """Reject with a reason; for a case the engine found not eligible, its reasons are the default."""
    _require_staff(actor, "claim.reject", claim)
    reason = normalize(reason or "").strip()
    if len(reason) > MAX_NOTE:
        raise DomainError("claim.reason", f"دلیل رد حداکثر {MAX_NOTE} نویسه است.", "reason")
    with transaction.atomic():
        locked = _locked(claim, *OPEN_CLAIM_STATUSES)
        if not reason and not locked.result.get("eligible"):
            reason = "؛ ".join(r["message"] for r in locked.result.get("reasons", []))
        if not reason:
            raise DomainError("claim.reason", "دلیل رد درخواست را بنویسید.", "reason")
        before = snapshot(locked, CLAIM_FIELDS)
        locked.status = ClaimStatus.REJECTED
        locked.rejection_reason = reason
        locked.decided_at = timezone.now()
        locked.decided_by_id = _actor_id(actor)
        locked.save()
        record(actor, "claim.reject", locked, before=before, after=snapshot(locked, CLAIM_FIELDS))
    return locked


def withdraw(actor: Any, claim: PensionClaim) -> PensionClaim:
    """The applicant (or branch staff at their request) withdraws a claim not yet prepared."""
    own = (
        _active(actor)
        and getattr(actor, "role", None) == Role.INSURED
        and getattr(actor, "person_id", None) == claim.person_id
    )
    if not own:
        _require_staff(actor, "claim.withdraw", claim)
    with transaction.atomic():
        locked = _locked(claim, ClaimStatus.SUBMITTED)
        before = snapshot(locked, CLAIM_FIELDS)
        locked.status = ClaimStatus.WITHDRAWN
        locked.decided_at = timezone.now()
        locked.decided_by_id = _actor_id(actor)
        locked.save()
        record(actor, "claim.withdraw", locked, before=before, after=snapshot(locked, CLAIM_FIELDS))
    return locked
