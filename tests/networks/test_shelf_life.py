"""Tests of the shelf-life physics (networks/shelf_life.py).

Every expected number has its source next to it; FACTS = shared/domain/FACTS.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from networks.lots import LotHistory, PathLoss, Segment
from networks.shelf_life import ShelfLife, shelf_life_table

KIWI = ShelfLife()
SOFT = replace(KIWI, rot_uncured_fraction=0.0)  # the kiwi without rot: softening only

# ---------------------------------------------------------------------------------------
# Three reference histories of one lot of fresh kiwi, picked in October in Xiangxi and
# sold abroad after a ~16-day reefer sea leg. Hours start at harvest. They are the
# calibration anchors of issue 3 (FACTS 0, seed document: ~30% lost in the old chain,
# ~15% after better packaging and logistics, AI temperature control cutting loss ~50%).
# Every number is physical (hours, deg C); none is a per-history knob.
#
# Ambient: Jishou (Xiangxi) in October, day highs ~22 deg C, night lows ~14 deg C
# (ASSUMED: no climate normal in FACTS.md; between Jishou's May 26/17 and July 30/23
# deg C normals). The rate is convex in T: the mean rate of a 12 h / 12 h cycle at
# 22 / 14 deg C is 8.4, the rate at 18.3 deg C, so an October ambient hour is 18 deg C.
OCT_AMBIENT_C = 18.0
# Guangzhou/Nansha port in October, ~24 deg C mean (ASSUMED, south China is warmer).
PORT_AMBIENT_C = 24.0
# Reefer sea leg ~16 days: FACTS 3.3 (South China -> US West Coast 15-20 days; a
# 2-3-week lane, as to the Gulf).
SEA_HOURS = 16 * 24.0
# Reefer pulp temperature under ordinary control: set point ~2 deg C (shippers stay clear
# of chilling) and product up to 2 deg C above set point (FACTS 1.1, Cargo Handbook).
REEFER_C = 4.0
# Tight control (the "controlled temperature" chain): 0-1 deg C, FACTS 1.1 (cold store
# -0.5..0.5 deg C, reefer set point -0.5/+0.5 deg C), kept above the 0 deg C chilling
# threshold (FACTS 1.4).
TIGHT_C = 0.5
# Last day at destination: distribution to retail at ~10 deg C, in all three chains
# (ASSUMED; outside the exporter's control).
LAST_DAY = Segment(24.0, 10.0, kind="dwell", name="distribution to retail")

STATUS_QUO = LotHistory(
    (
        # Picking, sorting and waiting for the parcel pick-up in the village (ASSUMED 1 day).
        Segment(24.0, OCT_AMBIENT_C, kind="precool_wait", name="village wait"),
        # Mountain roads and the county parcel depot (ASSUMED 1 day): ~2 days ambient.
        Segment(24.0, OCT_AMBIENT_C, kind="leg", name="mountain road + depot"),
        # Parcel post to the port: 5.8 days in central/western China (FACTS 0, seed);
        # vans and depots neither cooled nor heated (ASSUMED: October ambient).
        Segment(5.8 * 24.0, OCT_AMBIENT_C, kind="leg", name="parcel post to port"),
        # Consolidation and stuffing at the port (ASSUMED 1 day, no cold room).
        Segment(24.0, PORT_AMBIENT_C, kind="dwell", name="port consolidation"),
        # Warm-loaded reefer: reefers hold temperature, they are not built to pull it
        # down (FACTS 1.1: product within 2 deg C of set point at loading); ASSUMED the
        # first 2 days average 12 deg C.
        Segment(48.0, 12.0, kind="leg", name="sea, pull-down"),
        Segment(SEA_HOURS - 48.0, REEFER_C, kind="leg", name="sea"),
        # Destination clearance and cold store, 3 days at 5 deg C (ASSUMED).
        Segment(72.0, 5.0, kind="dwell", name="destination warehouse"),
        LAST_DAY,
    )
)

_CURING = (
    # Picked, cured and packed in better packaging in the village (1 day), then 12 h of
    # mountain road to the county hub: cooling starts 36 h after harvest, inside the
    # 24-72 h curing window (FACTS 1.5).
    Segment(24.0, OCT_AMBIENT_C, kind="precool_wait", name="village, curing"),
    Segment(12.0, OCT_AMBIENT_C, kind="leg", name="road to county hub"),
    # Forced-air pre-cooling, 20 -> 2 deg C in ~8 h (FACTS 1.1); mean pulp ~8 deg C
    # (ASSUMED, exponential cool-down).
    Segment(8.0, 8.0, kind="precool", name="forced-air pre-cooling"),
)

COLD_CHAIN = LotHistory(
    _CURING
    + (
        # Hub cold store, 5 days while the container fills, at 4 deg C (ASSUMED: 2-5 deg C
        # with imperfect control, door openings).
        Segment(120.0, 4.0, kind="storage", name="hub cold store"),
        # Reefer truck hub -> port, ~1,000 km: ~15 h at 65 km/h on expressways (FACTS 3.1)
        # plus rests and loading, 36 h; compressor cycling, 5 deg C (ASSUMED).
        Segment(36.0, 5.0, kind="leg", name="reefer truck to port"),
        # Warm breaks at the port (ASSUMED): stuffing at an open dock 6 h, container
        # unplugged in the yard 12 h, export inspection 6 h, at port ambient.
        Segment(6.0, PORT_AMBIENT_C, kind="dwell", name="stuffing at open dock"),
        Segment(12.0, PORT_AMBIENT_C, kind="dwell", name="yard, unplugged"),
        Segment(6.0, PORT_AMBIENT_C, kind="customs", name="export inspection"),
        Segment(SEA_HOURS, REEFER_C, kind="leg", name="sea"),
        # Discharge and transfer at destination, 6 h at 15 deg C (ASSUMED).
        Segment(6.0, 15.0, kind="dwell", name="discharge"),
        Segment(72.0, 5.0, kind="dwell", name="destination warehouse"),
        LAST_DAY,
    )
)

CONTROLLED = LotHistory(
    _CURING
    + (
        # The same chain, same hours, with every cold link at 0-1 deg C and no warm break:
        # stuffing at a cold dock, container plugged in, inspection in a cold room.
        Segment(120.0, TIGHT_C, kind="storage", name="hub cold store"),
        Segment(36.0, TIGHT_C, kind="leg", name="reefer truck to port"),
        Segment(6.0, TIGHT_C, kind="dwell", name="stuffing at cold dock"),
        Segment(12.0, TIGHT_C, kind="dwell", name="yard, plugged in"),
        Segment(6.0, TIGHT_C, kind="customs", name="export inspection, cold room"),
        Segment(SEA_HOURS, TIGHT_C, kind="leg", name="sea"),
        Segment(6.0, TIGHT_C, kind="dwell", name="discharge, cold dock"),
        Segment(72.0, TIGHT_C, kind="dwell", name="destination warehouse"),
        LAST_DAY,
    )
)

REFERENCES = {"status_quo": STATUS_QUO, "cold_chain": COLD_CHAIN, "controlled": CONTROLLED}


# ---------------------------------------------------------------------------------------
# Shelf life at constant temperature (issue 3: each within 20%).


@pytest.mark.parametrize(
    ("temp_c", "expected_days", "source"),
    [
        # Crisosto et al. 1999 (FACTS 1.3) as issue 3 reads it: 12 weeks in air at 0 deg C.
        (0.0, 84.0, "12 weeks at 0 deg C, Crisosto 1999"),
        # 84 / (3.5 / 1.75): UC Davis respiration mid-points at 5 and 0 deg C (FACTS 1.2).
        (5.0, 42.0, "84 / (3.5 / 1.75), UC Davis respiration"),
        # 84 / (6 / 1.75) = 24.5 d (FACTS 1.2, 1.3).
        (10.0, 84.0 / (6.0 / 1.75), "84 / (6 / 1.75), UC Davis respiration"),
        # 84 / (17.5 / 1.75) = 8.4 d (FACTS 1.2, 1.3).
        (20.0, 8.4, "84 / (17.5 / 1.75), UC Davis respiration"),
    ],
)
def test_life_days_reproduces_published_kiwi_shelf_life(temp_c, expected_days, source):
    assert KIWI.life_days(temp_c) == pytest.approx(expected_days, rel=0.20), source


def test_life_days_vectorised_matches_scalar():
    temps = np.array([0.0, 5.0, 10.0, 20.0])
    days = KIWI.life_days(temps)
    assert isinstance(days, np.ndarray)
    assert days == pytest.approx([KIWI.life_days(float(t)) for t in temps])


def test_controlled_atmosphere_slows_use_by_2_6_in_cold_storage():
    # Crisosto et al. 1999 (FACTS 1.3): air-stored fruit softens ~2.6x faster than in CA.
    assert KIWI.life_days(0.0, "ca") / KIWI.life_days(0.0, "air") == pytest.approx(2.6)
    assert KIWI.rate(2.0, "air") / KIWI.rate(2.0, "ca") == pytest.approx(2.6)
    # ASSUMED in the model: not extrapolated to ambient temperatures.
    assert KIWI.rate(20.0, "ca") == pytest.approx(KIWI.rate(20.0, "air"))


def test_a_day_at_20_c_uses_about_ten_at_0_c():
    # FACTS 1.5: 1 day at 20 deg C ~ 10 days at 0 deg C.
    assert KIWI.rate(20.0) == pytest.approx(10.0, rel=0.05)
    # FACTS 1.5: ~20x at 30 deg C with Q10 ~ 2 above 20 deg C.
    assert KIWI.rate(30.0) == pytest.approx(20.0, rel=0.05)


# ---------------------------------------------------------------------------------------
# Calibration anchors.


# Issue 16: the loss curve now rests on storage data (Crisosto 1999, Strik), not on these
# anchors; the seed figures are no longer met on these histories and the tests say by how
# much. They fail as expected (strict: a pass would be news).
SEED_MISS = (
    "issue 16: with the loss curve from storage data (Crisosto 1999 + Strik softening) the "
    "reference history's loss is {:.3f}; the seed band is not reached by honest physics"
)


@pytest.mark.xfail(strict=True, reason=SEED_MISS.format(0.806))
def test_status_quo_history_loses_25_to_35_percent():
    # Seed (FACTS 0): ~30% lost in the old chain; issue 3 range 0.25-0.35.
    assert 0.25 <= KIWI.path_loss(STATUS_QUO).loss_fraction <= 0.35


@pytest.mark.xfail(strict=True, reason=SEED_MISS.format(0.026))
def test_cold_chain_history_loses_12_to_18_percent():
    # Seed (FACTS 0): ~15% after better packaging and logistics; issue 3 range 0.12-0.18.
    assert 0.12 <= KIWI.path_loss(COLD_CHAIN).loss_fraction <= 0.18


def test_tight_temperature_control_about_halves_the_cold_chain_loss():
    # Seed (FACTS 0): AI temperature control cuts loss ~50%; issue 3: 0.4-0.6 of it. On
    # these histories it still does (0.013 / 0.026): rot, which grows with the life used,
    # is most of both.
    ratio = KIWI.path_loss(CONTROLLED).loss_fraction / KIWI.path_loss(COLD_CHAIN).loss_fraction
    assert 0.4 <= ratio <= 0.6


def test_only_the_status_quo_pays_a_delay_penalty_and_none_chills():
    sq, cc, ct = (KIWI.path_loss(h) for h in REFERENCES.values())
    # Cooled 36 h after harvest, inside the 48 h curing grace (FACTS 1.5): no penalty.
    assert cc.hours_before_cooling == ct.hours_before_cooling == 36.0
    assert cc.delay_days_at_ref == ct.delay_days_at_ref == 0.0
    # Never pre-cooled: uncooled until the reefer has pulled the fruit down to 4 deg C.
    assert sq.hours_before_cooling == pytest.approx(48 + 5.8 * 24 + 24 + 48)
    assert sq.delay_days_at_ref > 0
    # 0.5 deg C is above the 0 deg C threshold (FACTS 1.4), and no chain is long enough.
    assert sq.chilling_days_at_ref == cc.chilling_days_at_ref == ct.chilling_days_at_ref == 0


SURVIVAL_MISS = (
    "issue 16: the loss curve from storage data is steep (Weibull shape 9.9); one hazard per "
    "shelf life (the per-leg view) cannot follow it: on the reference histories the view "
    "gives 0.549 / 0.356 / 0.234 against exact 0.806 / 0.026 / 0.013 (status quo, cold "
    "chain, controlled). The whole-trip design model (issue 15) takes exact path losses."
)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_per_leg_factors_multiply_to_the_survival_view(name):
    history = REFERENCES[name]
    factors = [
        KIWI.survival(
            s.hours, s.temp_c, s.atmosphere, uncooled_past_grace=_uncooled_past_grace(history, i)
        )
        for i, s in enumerate(history.segments)
    ]
    exact = KIWI.path_loss(history)
    assert 1.0 - math.prod(factors) == pytest.approx(exact.survival_loss_fraction, abs=1e-12)


@pytest.mark.xfail(strict=True, reason=SURVIVAL_MISS)
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_per_leg_survival_matches_exact_loss_within_2_points(name):
    # Issue 3: the optimizer's survival factors agree with the exact evaluator within
    # 2 percentage points of loss on the reference chains.
    history = REFERENCES[name]
    factors = [
        KIWI.survival(
            s.hours,
            s.temp_c,
            s.atmosphere,
            # Legs whose fruit is still uncooled after the 48 h grace; in the status quo
            # the grace ends exactly between the mountain road and the parcel post.
            uncooled_past_grace=_uncooled_past_grace(history, i),
        )
        for i, s in enumerate(history.segments)
    ]
    survival_loss = 1.0 - math.prod(factors)
    exact = KIWI.path_loss(history)
    assert survival_loss == pytest.approx(exact.survival_loss_fraction, abs=1e-12)
    assert abs(survival_loss - exact.loss_fraction) < 0.02


def test_calibrate_survival_refits_kappa_on_reference_histories():
    fitted = KIWI.calibrate_survival(REFERENCES.values())
    errors = [fitted.path_loss(h).survival_error for h in REFERENCES.values()]
    # Minimax: the largest over- and under-statement balance.
    assert max(errors) == pytest.approx(-min(errors), abs=1e-6)
    lsq = KIWI.calibrate_survival(REFERENCES.values(), method="least_squares")
    lsq_errors = [lsq.path_loss(h).survival_error for h in REFERENCES.values()]
    assert max(map(abs, errors)) <= max(map(abs, lsq_errors)) + 1e-9  # minimax is minimax
    assert sum(e * e for e in lsq_errors) <= sum(e * e for e in errors) + 1e-9
    # The fit changes the survival view only, not the exact loss.
    assert fitted.path_loss(STATUS_QUO).loss_fraction == KIWI.path_loss(STATUS_QUO).loss_fraction


@pytest.mark.xfail(strict=True, reason=SURVIVAL_MISS)
def test_refitted_survival_view_is_within_2_points_on_reference_histories():
    fitted = KIWI.calibrate_survival(REFERENCES.values())
    errors = [fitted.path_loss(h).survival_error for h in REFERENCES.values()]
    assert max(abs(e) for e in errors) < 0.02


def _uncooled_past_grace(history: LotHistory, index: int) -> bool:
    start = sum(s.hours for s in history.segments[:index])
    end = start + history.segments[index].hours
    hbc = KIWI.path_loss(history).hours_before_cooling
    grace = KIWI.curing_grace_hours
    inside = max(0.0, min(end, hbc) - max(start, grace))
    assert inside in (0.0, end - start), "reference legs are split at the grace"
    return inside > 0


# ---------------------------------------------------------------------------------------
# Properties.

temps_any = st.floats(min_value=-1.5, max_value=40.0, allow_nan=False)
hours_any = st.floats(min_value=0.0, max_value=24.0 * 60, allow_nan=False)
atmospheres = st.sampled_from(["air", "ca"])
kinds = st.sampled_from(["leg", "dwell", "storage", "customs", "precool_wait", "precool"])
segments = st.builds(Segment, hours=hours_any, temp_c=temps_any, atmosphere=atmospheres, kind=kinds)
histories = st.lists(segments, min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(histories, st.data(), st.floats(min_value=0.0, max_value=24.0 * 60))
def test_loss_never_falls_as_a_segment_gets_longer(segs, data, extra_hours):
    i = data.draw(st.integers(0, len(segs) - 1))
    longer = list(segs)
    longer[i] = replace(segs[i], hours=segs[i].hours + extra_hours)
    before = KIWI.path_loss(segs)
    after = KIWI.path_loss(longer)
    assert after.consumed_days_at_ref >= before.consumed_days_at_ref - 1e-9
    # Loss from softening never falls; rot may (curing: a longer warm wait before cooling
    # cuts Botrytis rot, FACTS 1.5), so the loss is checked without it (issue 16).
    assert SOFT.path_loss(longer).loss_fraction >= SOFT.path_loss(segs).loss_fraction - 1e-12


@settings(max_examples=150, deadline=None)
@given(histories, st.data(), st.floats(min_value=0.0, max_value=30.0))
def test_loss_never_falls_as_a_segment_gets_warmer_above_the_optimum(segs, data, warmer):
    # Above the chilling threshold (1 deg C, Lallu 1997, FACTS 1.4): at or below it, a
    # warmer segment can chill less and so lose less (0.5 -> 1.5 deg C after 1,280 h at
    # 0 deg C, found by hypothesis), which is the physics, not a fault.
    i = data.draw(st.integers(0, len(segs) - 1))
    base = data.draw(st.floats(min_value=KIWI.chill_threshold_c + 0.01, max_value=35.0))
    cooler = list(segs)
    cooler[i] = replace(segs[i], temp_c=base)
    hotter = list(segs)
    hotter[i] = replace(segs[i], temp_c=base + warmer)
    # Softening only: warmth before cooling also cures (FACTS 1.5), see the test above.
    assert SOFT.path_loss(hotter).loss_fraction >= SOFT.path_loss(cooler).loss_fraction - 1e-12


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(hours_any, temps_any, atmospheres, st.booleans()), min_size=1, max_size=8)
)
def test_survival_factors_multiply_along_a_path(legs):
    # A path's factor is the product of its legs' factors, and splitting a leg in two
    # changes nothing: the survival of the concatenation.
    product = math.prod(KIWI.survival(h, t, a, uncooled_past_grace=u) for h, t, a, u in legs)
    split = math.prod(KIWI.survival(h / 2, t, a, uncooled_past_grace=u) ** 2 for h, t, a, u in legs)
    k_total = sum(KIWI.k_per_hour(t, a, u) * h for h, t, a, u in legs)
    assert product == pytest.approx(math.exp(-k_total), rel=1e-9, abs=1e-300)
    assert split == pytest.approx(product, rel=1e-9, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(hours_any, temps_any, atmospheres), min_size=1, max_size=6))
def test_path_survival_is_the_product_of_leg_factors_once_cooled(legs):
    # Cooled from the start (a pre-cooling segment at hour 0): no delay part; chilling is
    # not in the survival view.
    history = [Segment(0.0, 2.0, kind="precool")] + [Segment(h, t, a) for h, t, a in legs]
    product = math.prod(KIWI.survival(h, t, a) for h, t, a in legs)
    # path_survival is 1 - (1 - s): rounding leaves ~1e-16 absolute (issue 16: with a
    # smaller hazard per life hypothesis reached products near 1e-11)
    assert KIWI.path_survival(history) == pytest.approx(product, rel=1e-9, abs=1e-14)


def test_survival_array_is_the_vectorised_survival():
    hours = np.array([0.0, 12.0, 48.0, 300.0])
    temps = np.array([0.0, 4.0, 20.0, 30.0])
    flags = np.array([False, False, True, True])
    arr = KIWI.survival_array(hours, temps, "air", flags)
    scalar = [
        KIWI.survival(float(h), float(t), uncooled_past_grace=bool(u))
        for h, t, u in zip(hours, temps, flags, strict=True)
    ]
    assert arr == pytest.approx(scalar)
    assert arr[0] == 1.0


def test_survival_is_first_order_in_shelf_life_consumed():
    # A leg that uses one full life at 0 deg C keeps exp(-kappa) of the flow.
    s = KIWI.survival(KIWI.life_days_at_ref * 24.0, 0.0)
    assert s == pytest.approx(math.exp(-KIWI.survival_hazard_per_life))


# ---------------------------------------------------------------------------------------
# Non-perishable products.


def test_non_perishable_product_does_not_decay():
    none = ShelfLife.none()
    assert not none.perishable
    assert none.survival(10_000.0, 40.0) == 1.0
    assert none.life_days(20.0) == math.inf
    assert none.delay_penalty(500.0, 30.0) == 0.0
    loss = none.path_loss(STATUS_QUO)
    assert loss.loss_fraction == 0.0
    assert loss.consumed_days_at_ref == 0.0
    assert loss.survival_loss_fraction == 0.0
    assert ShelfLife(perishable=False).survival_array([1.0, 1e4], [0.0, 35.0]) == pytest.approx(1)


# ---------------------------------------------------------------------------------------
# The loss curve against published storage data (issue 16). Loss = the share of a lot too
# soft to sell on arrival: softer than 2 lbf ("soft" in trade grading, Cargo Handbook;
# UC Davis eating-ripe 2-3 lbf, FACTS 1.3).

DAY = 24.0


def _loss_at_0c(days: float, atmosphere: str = "air") -> float:
    return SOFT.path_loss([Segment(days * DAY, 0.0, atmosphere, kind="storage")]).loss_fraction


# Days at 0 deg C in air to the packing threshold, 5 lbf, by fruit size: Crisosto, Garner &
# Saez 1999 (FACTS 1.3): 8 / 10 / 12 weeks for small / medium / large fruit. From 5 to
# 2 lbf: Strik (FACTS 1.1) has Hayward lose 1/3 to 1/2 of its remaining firmness a month
# at 0 deg C; at the middle rate, 5/12 a month, ln(2.5) / ln(12/7) = 1.70 months = 51.7 days.
SOFTEN_5_TO_2_DAYS = math.log(2.5) / math.log(12.0 / 7.0) * 30.4


@pytest.mark.parametrize(
    ("weeks_to_5_lbf", "share"),
    # each size a third of a lot: the middle of each third is past 2 lbf at its size's time
    [(8, 1 / 6), (10, 1 / 2), (12, 5 / 6)],
)
def test_share_of_a_lot_too_soft_follows_crisosto_and_strik(weeks_to_5_lbf, share):
    days = 7 * weeks_to_5_lbf + SOFTEN_5_TO_2_DAYS
    assert _loss_at_0c(days) == pytest.approx(share, abs=0.04)


def test_nothing_is_lost_in_the_first_eight_weeks_at_0_c():
    # Issue 16: the old curve charged 4.8% after 4 weeks at 0 deg C. DAFWA (FACTS 1.1):
    # 8-16 weeks of storage at -0.5..0 deg C in air; Crisosto 1999: 8 weeks to packing
    # firmness for the smallest fruit, which then still sells.
    assert _loss_at_0c(28) < 1e-4
    assert _loss_at_0c(56) < 0.01


def test_hayward_stores_three_to_six_months_at_0_c():
    # Strik, OSU EC 1464 (FACTS 1.1): Hayward stores 3-6 months at 0 deg C.
    assert _loss_at_0c(91) < 0.05
    assert _loss_at_0c(183) > 0.95


def test_controlled_atmosphere_stores_for_months():
    # Crisosto 1999 (FACTS 1.3): CA softens 2.6x slower; 20-49 weeks to packing firmness;
    # Isofruit (FACTS 1.1): 4-7 months with CA; a Chinese extension text 6-8 months.
    assert _loss_at_0c(20 * 7, "ca") < 0.01
    assert _loss_at_0c(4 * 30.4, "ca") < 0.01  # Isofruit's 4 months
    # Past 20 weeks at <= 1 deg C chilling costs (Lallu 1997, FACTS 1.4), so 7 months at
    # 0 deg C lose much even in CA: the two sources pull apart there (chilling's onset and
    # rate are the weak link, see networks/shelf_life.py).
    assert _loss_at_0c(49 * 7 + 2.6 * SOFTEN_5_TO_2_DAYS, "ca") > 0.5


# Curing (FACTS 1.5, NZ J. Crop Hort. Sci. 20(3) 1992): Botrytis stem-end rot of
# inoculated fruit, 49% packed at once, 6% after 7 days at ambient.


def test_seven_days_of_curing_cut_rot_as_in_the_nz_trial():
    assert KIWI.rot_fraction(1.0, 7 * DAY) / KIWI.rot_fraction(1.0, 0.0) == pytest.approx(6 / 49)
    assert KIWI.rot_fraction(1.0, 30 * DAY) == KIWI.rot_fraction(1.0, 7 * DAY)


def test_a_lot_cured_before_cooling_rots_less_than_one_cooled_at_once():
    cold = Segment(60 * DAY, 0.5, kind="storage")
    at_once = KIWI.path_loss([Segment(0.0, 20.0, kind="precool"), cold])
    cured = KIWI.path_loss([Segment(48.0, 15.0, kind="precool_wait"), cold])
    assert cured.hours_before_cooling == 48.0
    assert cured.rot_fraction < at_once.rot_fraction
    assert cured.rot_fraction == pytest.approx(
        at_once.rot_fraction
        * (1 - (1 - 6 / 49) * 48 / 168)
        * min(1.0, cured.consumed_fraction)
        / at_once.consumed_fraction
    )


# ---------------------------------------------------------------------------------------
# Chilling injury (FACTS 1.4).


@pytest.mark.parametrize("atmosphere", ["air", "ca"])
def test_long_storage_at_or_below_threshold_costs_more_than_at_1_to_2_c(atmosphere):
    # Lallu 1997 (FACTS 1.4): after 20-24 weeks LTB is significantly lower at > 1 deg C
    # than at <= 0 deg C. Compare 24 weeks at -0.5 deg C with 24 weeks at 1.5 deg C.
    weeks24 = 24 * 7 * 24.0
    cold = KIWI.path_loss([Segment(weeks24, -0.5, atmosphere, kind="storage")])
    mild = KIWI.path_loss([Segment(weeks24, 1.5, atmosphere, kind="storage")])
    assert cold.chilling_days_at_ref > 0
    assert mild.chilling_days_at_ref == 0
    # In air 24 weeks are far past any storage life (Crisosto 1999: 8-12 weeks), so both
    # lots are lost whole and the ordering shows in the life they used (issue 16).
    assert cold.consumed_days_at_ref > mild.consumed_days_at_ref
    assert cold.loss_fraction >= mild.loss_fraction
    if atmosphere == "ca":
        assert cold.loss_fraction > mild.loss_fraction


def test_a_half_degree_store_chills_after_the_onset():
    # Issue 16: the hubs store at 0.5 deg C, which a 0 deg C threshold never counted as
    # chilling. Lallu 1997 (FACTS 1.4) finds LTB low only above 1 deg C, after 20-24 weeks:
    # 24 weeks at 0.5 deg C chill, at 1.5 deg C they do not; 16 weeks (the flagship's
    # longest storage) are before the onset.
    weeks = 7 * 24.0
    half = KIWI.path_loss([Segment(24 * weeks, 0.5, "ca", kind="storage")])
    mild = KIWI.path_loss([Segment(24 * weeks, 1.5, "ca", kind="storage")])
    assert half.chilling_days_at_ref == pytest.approx(
        KIWI.chill_rate_days_per_day * (24 * 7 - KIWI.chill_onset_days)
    )
    assert mild.chilling_days_at_ref == 0.0
    assert KIWI.path_loss([Segment(16 * weeks, 0.5, kind="storage")]).chilling_days_at_ref == 0


def test_chilling_needs_a_long_exposure():
    # A 4-week hold at -0.5 deg C is below the 20-week onset (Lallu): no chilling part,
    # and colder is then still better (kinetics only).
    four_weeks = 28 * 24.0
    cold = KIWI.path_loss([Segment(four_weeks, -0.5, kind="storage")])
    mild = KIWI.path_loss([Segment(four_weeks, 1.5, kind="storage")])
    assert cold.chilling_days_at_ref == 0
    assert cold.loss_fraction < mild.loss_fraction


def test_chilling_accumulates_over_separate_chilled_segments():
    # 12 + 12 weeks at 0 deg C, with a week at 2 deg C between: 24 chilled weeks in all,
    # 4 past the 20-week onset (issue 16: the onset moved from an assumed 8 weeks).
    wk = 7 * 24.0
    loss = KIWI.path_loss(
        [Segment(12 * wk, 0.0, kind="storage"), Segment(wk, 2.0), Segment(12 * wk, 0.0)]
    )
    expected = KIWI.chill_rate_days_per_day * (168 - KIWI.chill_onset_days)
    assert expected == pytest.approx(2.0 * 28)
    assert loss.chilling_days_at_ref == pytest.approx(expected)
    assert loss.segments[0].chilling_days == 0.0
    assert loss.segments[2].chilling_days == pytest.approx(expected)


# ---------------------------------------------------------------------------------------
# Pre-cooling delay and the curing grace (FACTS 1.5).


@pytest.mark.parametrize("hours", [0.0, 12.0, 24.0, 47.9, 48.0])
def test_no_delay_penalty_inside_the_curing_grace(hours):
    # FACTS 1.5: a 24-72 h ambient hold before cooling (curing) lowers Botrytis rot.
    assert KIWI.delay_penalty(hours, 20.0) == 0.0


def test_delay_penalty_positive_and_growing_after_the_grace():
    p72 = KIWI.delay_penalty(72.0, 20.0)
    p96 = KIWI.delay_penalty(96.0, 20.0)
    assert 0 < p72 < p96
    # One day past the grace at 20 deg C: factor * r(20) * 1 day.
    assert p72 == pytest.approx(KIWI.delay_penalty_factor * KIWI.rate(20.0))
    assert KIWI.delay_penalty(96.0, 25.0) > p96


def test_warm_hours_inside_the_grace_still_use_shelf_life():
    # A day at 20 deg C before cooling uses ~10 days of life (FACTS 1.5) though it carries
    # no delay penalty.
    loss = KIWI.path_loss([Segment(24.0, 20.0, kind="precool_wait"), Segment(8.0, 4.0)])
    assert loss.delay_days_at_ref == 0.0
    assert loss.segments[0].kinetic_days == pytest.approx(10.0, rel=0.05)


def test_path_delay_part_matches_delay_penalty():
    history = LotHistory((Segment(100.0, 22.0, kind="precool_wait"), Segment(200.0, 1.0)))
    loss = KIWI.path_loss(history)
    assert loss.hours_before_cooling == 100.0
    assert loss.delay_days_at_ref == pytest.approx(KIWI.delay_penalty(100.0, 22.0))


def test_hours_before_cooling_given_explicitly():
    segs = (Segment(30.0, 20.0), Segment(50.0, 20.0), Segment(100.0, 2.0))
    derived = KIWI.path_loss(segs)
    assert derived.hours_before_cooling == 80.0
    given_ = KIWI.path_loss(LotHistory(segs, hours_before_cooling=40.0))
    assert given_.hours_before_cooling == 40.0
    assert given_.delay_days_at_ref < derived.delay_days_at_ref
    with pytest.raises(ValueError, match="hours_before_cooling: expected at most"):
        KIWI.path_loss(segs, hours_before_cooling=500.0)


# ---------------------------------------------------------------------------------------
# PathLoss breakdown.


def test_path_loss_breakdown_adds_up():
    loss = KIWI.path_loss(STATUS_QUO)
    assert isinstance(loss, PathLoss)
    assert loss.consumed_days_at_ref == pytest.approx(
        loss.kinetic_days_at_ref + loss.chilling_days_at_ref + loss.delay_days_at_ref
    )
    assert sum(loss.by_kind().values()) == pytest.approx(loss.consumed_days_at_ref)
    assert loss.consumed_fraction == pytest.approx(loss.consumed_days_at_ref / 84.0)
    soft = KIWI.loss_fraction(loss.consumed_fraction)
    assert loss.loss_fraction == pytest.approx(1.0 - (1.0 - soft) * (1.0 - loss.rot_fraction))
    assert loss.hours == pytest.approx(STATUS_QUO.hours)
    frame = loss.to_frame()
    assert list(frame.columns[:3]) == ["kind", "name", "hours"]
    assert len(frame) == len(STATUS_QUO.segments)
    assert frame["kinetic_days"].sum() == pytest.approx(loss.kinetic_days_at_ref)


def test_loss_curve_is_small_early_and_monotone():
    f = np.linspace(0.0, 3.0, 61)
    loss = KIWI.loss_fraction(f)
    assert loss[0] == 0.0
    assert np.all(np.diff(loss) >= 0)
    inside = (loss > 0) & (loss < 1)
    assert np.all(np.diff(loss[inside]) > 0)  # strictly rising until the lot is all lost
    assert KIWI.loss_fraction(0.25) < 0.05
    assert KIWI.loss_fraction(-1.0) == 0.0


# ---------------------------------------------------------------------------------------
# Table for `coldchain shelf-life`.


@dataclass(frozen=True)
class _Product:
    id: str
    shelf_life: ShelfLife


def test_shelf_life_table_rows_for_perishable_products_only():
    table = shelf_life_table(
        [_Product("fresh-kiwi", KIWI), _Product("miao-embroidery", ShelfLife.none())],
        [0, 5, 10, 20],
    )
    assert list(table.columns) == ["product", "temp_c", "days"]
    assert table["product"].unique().tolist() == ["fresh-kiwi"]
    assert table["temp_c"].tolist() == [0.0, 5.0, 10.0, 20.0]
    assert table["days"].tolist() == pytest.approx([KIWI.life_days(t) for t in (0, 5, 10, 20)])


def test_shelf_life_table_accepts_a_mapping_and_pairs():
    by_map = shelf_life_table({"kiwi": KIWI}, [0.0])
    by_pairs = shelf_life_table([("kiwi", KIWI)], [0.0])
    assert by_map.equals(by_pairs)
    assert by_map["days"].iloc[0] == pytest.approx(84.0)
    with pytest.raises(TypeError, match="products_or_models"):
        shelf_life_table([object()], [0.0])


# ---------------------------------------------------------------------------------------
# Invalid inputs, named after their defect.


def test_unknown_atmosphere_rejected():
    with pytest.raises(ValueError, match="atmosphere: expected 'air' or 'ca', got 'nitrogen'"):
        Segment(1.0, 0.0, atmosphere="nitrogen")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="atmosphere"):
        KIWI.survival(1.0, 0.0, "vacuum")  # type: ignore[arg-type]


def test_negative_hours_rejected():
    with pytest.raises(ValueError, match="hours: expected a finite number >= 0, got -1"):
        Segment(-1.0, 0.0)
    with pytest.raises(ValueError, match="hours"):
        KIWI.survival(-5.0, 0.0)


def test_q10_band_edges_must_match_q10_count():
    with pytest.raises(ValueError, match="q10_band_upper_c: expected len"):
        ShelfLife(q10=(3.0, 2.0), q10_band_upper_c=(10.0, 20.0))


def test_non_positive_life_rejected():
    with pytest.raises(ValueError, match="life_days_at_ref: expected a finite number > 0"):
        ShelfLife(life_days_at_ref=0.0)
