"""The calibration figures and the generated shapes, without writing anything."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tamin.core.idcodes import is_valid_legal_id
from tamin.demo import calibration
from tamin.demo.build import _generate
from tamin.demo.population import MAIN_INSURED, NOT_COVERED, PENSIONER, load_names
from tamin.demo.workforce import ACTIVITIES, job_titles, legal_ids


def test_national_figures_add_up():
    cal = calibration.load()
    assert len(cal.provinces) == 31
    population = sum(p.population.value for p in cal.provinces.values())
    assert population == pytest.approx(calibration.NATIONAL_POPULATION, abs=5)
    covered = sum(p.population.value * p.coverage.value for p in cal.provinces.values())
    assert covered / population == pytest.approx(0.53, abs=1e-6)
    assert sum(p.workshops.value for p in cal.provinces.values()) == pytest.approx(1_373_759, abs=1)
    khuzestan = cal.provinces["06"]
    assert (khuzestan.population.value, khuzestan.workshops.value) == (5_000_000, 81_000)
    assert khuzestan.population.published and khuzestan.workshops.published
    assert khuzestan.coverage.value == pytest.approx(2_970_000 / 5_000_000)
    # The split comes from one year whose published parts add up (main + dependants = insured).
    split = cal.split
    assert {f.year for f in split.values()} == {"1399"}
    assert split["main_insured"].value + split["dependent_insured"].value == 37_315_469
    assert sum(cal.split_shares().values()) == pytest.approx(1)
    # Modelled figures say so; published ones carry a source.
    for f in cal.figures():
        assert f.source and (f.published or f.source.startswith("modelled"))


def test_largest_remainder_is_exact():
    got = calibration.largest_remainder(10, np.array([1, 1, 1]))
    assert got.sum() == 10 and sorted(got) == [3, 3, 4]
    plan = calibration.plan(calibration.load(), 0.001, ["23"])[0]
    assert (
        plan.cells.sum() == plan.persons == round(calibration.load().provinces["23"].population.value * 0.001)
    )
    assert plan.main_insured + plan.dependants + plan.pensioners + plan.pensioner_dependants == plan.covered


def test_legal_ids_are_valid_and_distinct():
    assert is_valid_legal_id("10380284790")
    ids = legal_ids(np.random.default_rng(1), 5000)
    assert len(set(ids.tolist())) == 5000
    assert all(is_valid_legal_id(x) for x in ids.tolist())


def test_tables_are_complete():
    titles = job_titles()
    for activity in ACTIVITIES:
        assert len(activity.code) == 3 and activity.code.isdigit()
        for job in activity.jobs:
            assert job in titles, (activity.code, job)
    names = load_names()
    for values, p in ((names.male, names.male_p), (names.female, names.female_p), (names.last, names.last_p)):
        assert len(values) == len(p) > 100 and p.sum() == pytest.approx(1)
    assert names.last[np.argmax(names.last_p)] == "محمدی"  # the most frequent surname in Iran
    assert names.female[np.argmax(names.female_p)] == "فاطمه"


def test_nationwide_generation_matches_published_shapes(db):
    # Generation only (no insert): a fraction of a second for ~85,000 people.
    codes = sorted(calibration.load().provinces)
    g = _generate(np.random.Generator(np.random.PCG64(5)), codes, 0.001, dt.date(2025, 10, 1))
    status = g.pop["status"]
    assert status.size == pytest.approx(85_000, abs=50)
    assert (status != NOT_COVERED).mean() == pytest.approx(0.53, abs=0.005)
    covered = status[status != NOT_COVERED]
    shares = calibration.load().split_shares()
    assert (covered == MAIN_INSURED).mean() == pytest.approx(shares["main_insured"], abs=0.01)
    assert (covered == PENSIONER).mean() == pytest.approx(shares["main_pensioners"], abs=0.01)
    female = ~g.pop["male"][status == MAIN_INSURED]
    assert female.mean() == pytest.approx(calibration.load().main_insured_female_share.value, abs=0.05)
    size = g.ws["size"]
    assert size.size == pytest.approx(1_374, abs=5)
    assert 0.25 < (size == 1).mean() < 0.40  # published 32.8 %
    assert 0.01 < (size > 50).mean() < 0.05  # published 2.5 %
    assert (size <= 5).mean() > 0.5 and size.max() >= 100
    # Husbands are a few years older than their wives on average, as in the census.
    gap = (
        g.pop["age"][g.rel["person"][g.rel["kind"] == "spouse"]]
        - g.pop["age"][g.rel["relative"][g.rel["kind"] == "spouse"]]
    )
    assert 2 < gap.mean() < 7
