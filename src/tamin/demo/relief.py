"""The demo's forgiven debts: a few workshops' old lists, left unpaid, settled inside a real campaign.

A penalty forgiveness campaign (بخشودگی جرائم, rules.md §3.3) only ever forgave debts of the past, so the
demo's recent months cannot show one without inventing a campaign. Instead, a few established workshops
also get the lists of the last CAMPAIGN_MONTHS list months the campaign covers (its `debt_months`
parameter, e.g. 1401/11–1402/01 for c1402_khordad). They are built by the cycle's own code
(`contributions.build_lists`, as of the day the last of them was sent) and posted by the production
import on the 15th of the following month, in time. The employers then pay nothing until the campaign
opens, so the late-payment penalty runs from each bill's due date; each pays the whole principal on one
day inside the window (one bank payment, `billing.record_payment`), except one that pays only after the
deadline and keeps its penalties. The campaign is then applied as `tamin relief forgive CAMPAIGN --as-of
<deadline>` does (`relief.forgiveness.apply_campaign`), by the demo HQ manager.

Modelled, not published: how many workshops take part (FORGIVEN_WORKSHOPS + the one that misses), the
months they owed and the days they paid. Draws come from their own stream of the seed, so the rest of
the demo is the same with or without this step. Workshops whose lists name a pensioner or the demo
insured person are left out, so the pension awards and the objection are those of the recent months.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Q

from tamin.accounts.models import User
from tamin.accounts.roles import Role
from tamin.contributions import billing
from tamin.contributions.models import Bill
from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.demo import contributions
from tamin.registry.models import Person, Workshop
from tamin.relief.forgiveness import apply_campaign
from tamin.rules import forgiveness as campaigns
from tamin.rules.params import default_parameters

CAMPAIGN = "c1402_khordad"  # window 1402/03/01–1402/05/31, list months up to 1402/01 (forgiveness.yaml)
CAMPAIGN_MONTHS = 3  # the covered list months each workshop owed (modelled)
FORGIVEN_WORKSHOPS = 5  # workshops that pay the principal inside the window (modelled)
MISSED_WORKSHOPS = 1  # workshops that pay only after the deadline: nothing forgiven (modelled)
MISSED_DAYS = (10, 60)  # how long after the deadline they pay (modelled)
SEED_STREAM = 5  # contributions use 3, pensions 4


class ReliefError(Exception):
    """The demo's own old lists were refused, or no workshop could owe them: a bug, never bad input."""


@dataclass
class ReliefResult:
    counts: dict[str, int]
    timings: dict[str, float]
    months: tuple[JalaliMonth, ...] = ()
    forgiven: tuple[str, ...] = ()  # workshop codes with forgiveness lines
    missed: tuple[str, ...] = ()  # workshop codes that paid after the deadline
    notes: list[str] = field(default_factory=list)


def covered_months(campaign: campaigns.Campaign, n: int) -> tuple[JalaliMonth, ...]:
    """The last `n` list months before the window opened that the campaign's `debt_months` covers."""
    p = default_parameters()
    name = f"{campaigns.PREFIX}{campaign.id}.debt_months"
    month = JalaliMonth.of(campaign.start) - 1
    while int(p.value(name, month.first_day())) != 1:
        month = month - 1
    return tuple(month - k for k in range(n - 1, -1, -1))


def _pick(
    lists: contributions.Lists, rng: np.random.Generator, n: int, *, skip: str, focus: set[str]
) -> list[str]:
    """`n` workshops with a list in every month, drawn from the seed, in code order: not `skip`, and none
    whose lists name a pensioner or one of `focus` (national codes). Candidates are looked at in the
    drawn order, a few at a time, so the pensioner query stays small whatever the scale."""
    per_month = [{wl.workshop.strip() for wl in group} for group in lists.by_month]
    candidates = sorted(set.intersection(*per_month) - {skip}) if per_month else []
    people: dict[str, set[str]] = {}
    for wl in lists.lists:
        people.setdefault(wl.workshop.strip(), set()).update(wl.column("PER_NATCOD").tolist())
    drawn = [candidates[i] for i in rng.permutation(len(candidates)).tolist()]
    chosen: list[str] = []
    step = 4 * n
    for at in range(0, len(drawn), step):
        batch = drawn[at : at + step]
        codes = set().union(*(people[w] for w in batch))
        pensioners = Person.objects.filter(national_code__in=codes, is_pensioner=True)
        barred = set(pensioners.values_list("national_code", flat=True)) | focus
        chosen += [w for w in batch if barred.isdisjoint(people[w])][: n - len(chosen)]
        if len(chosen) == n:
            break
    return sorted(chosen)


def run(reference: dt.date, *, seed: int, usernames: dict[str, str], workshop: str) -> ReliefResult:
    """Old lists, unpaid bills, payments in (or after) the window and the campaign run, for the demo just
    built: `usernames` maps role → demo username, `workshop` is the demo employer's (left alone)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    c = campaigns.campaign(CAMPAIGN)
    if reference <= c.deadline:
        # A demo dated before the campaign ended cannot hold its outcome yet.
        return ReliefResult(
            {}, {}, notes=[f"no forgiven debts: the reference date is not after campaign {c.id}'s deadline"]
        )
    months = covered_months(c, CAMPAIGN_MONTHS)
    # As of the day the last month's list is sent: every list goes on the 15th of the next month.
    sent = contributions.send_day(months[-1], months[-1].next().last_day())
    built = contributions.build_lists(sent, CAMPAIGN_MONTHS, seed)
    if built.months != months:
        raise ReliefError(f"old lists cover {built.months}, expected {months}")
    users = {u.role: u for u in User.objects.filter(username__in=usernames.values())}
    admin, hq = users[Role.ADMIN], users[Role.HQ_MANAGER]
    insured = users.get(Role.INSURED)
    focus = set(
        Person.objects.filter(pk=getattr(insured, "person_id", None)).values_list("national_code", flat=True)
    )
    rng = np.random.Generator(np.random.PCG64([seed, SEED_STREAM]))
    chosen = _pick(built, rng, FORGIVEN_WORKSHOPS + MISSED_WORKSHOPS, skip=workshop, focus=focus)
    if not chosen:
        raise ReliefError(f"no workshop had lists in every month {months[0]}–{months[-1]}")
    picked = set(chosen)
    lists = contributions.Lists(
        months,
        [[wl for wl in group if wl.workshop.strip() in picked] for group in built.by_month],
        built.send_days,
    )
    timings["forgiveness lists"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with transaction.atomic():
        try:
            counts = contributions.post(lists, admin)
        except contributions.CycleError as exc:
            raise ReliefError(str(exc)) from exc
        # MISSED_WORKSHOPS of them, drawn, pay after the deadline (but before the demo's day, which must
        # leave room for that); the others pay inside the window.
        late_by = reference - dt.timedelta(days=1)
        n_missed = MISSED_WORKSHOPS if len(chosen) > MISSED_WORKSHOPS and late_by > c.deadline else 0
        missed = sorted(chosen[i] for i in rng.permutation(len(chosen))[:n_missed].tolist())
        window = (c.deadline - c.start).days + 1
        # The principal of the old months only: the recent bills stay as the cycle left them.
        owed = dict.fromkeys(chosen, 0)
        old = Q()
        for m in months:
            old |= Q(year=m.year, month=m.month)
        for code, amount in Bill.objects.filter(old, workshop__code__in=chosen).values_list(
            "workshop__code", "amount"
        ):
            owed[code] += amount
        paid = 0
        for code in chosen:
            if code in missed:
                day = c.deadline + dt.timedelta(days=int(rng.integers(MISSED_DAYS[0], MISSED_DAYS[1] + 1)))
                day = min(day, late_by)
            else:
                day = c.start + dt.timedelta(days=int(rng.integers(0, window)))
            billing.record_payment(
                admin,
                workshop=Workshop.objects.get(code=code),
                reference=f"DEMO-{code}-{c.id.upper()}",
                amount=owed[code],
                paid_on=day,
            )
            paid += owed[code]
        report = apply_campaign(hq, c.id, c.deadline)
    timings["forgiveness"] = time.perf_counter() - t0
    forgiven = tuple(sorted({line["workshop"] for line in report.lines}))
    counts = {
        "forgiveness_lists": counts["lists"],
        "forgiveness_list_rows": counts["list_rows"],
        "forgiveness_paid": paid,
        "forgiveness_runs": int(report.run_id is not None),
        "forgiveness_workshops": len(forgiven),
        "forgiveness_missed": len(missed),
        "forgiveness_lines": len(report.lines),
        "forgiven": int(report.forgiven["total"]),
    }
    note = (
        f"campaign {c.id} ({format_jalali(c.start)}–{format_jalali(c.deadline)}): {len(chosen)} workshops "
        f"owed {months[0]}–{months[-1]}; {len(forgiven)} paid the principal in the window and were forgiven "
        f"{report.forgiven['total']:,} Rials of penalties, {len(missed)} paid after the deadline"
    )
    return ReliefResult(counts, timings, months, forgiven, tuple(missed), [note])
