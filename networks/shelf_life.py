"""Shelf life of a perishable product: kinetics, chilling, pre-cooling delay, loss curve.

One physical model, two views of it (DESIGN.md, "Product"):

* **Exact path view** (:meth:`ShelfLife.path_loss`): follows one lot's whole
  time-temperature history from harvest (legs, dwells, cold storage, customs waits) and
  adds up the shelf life it consumes, in days at the reference temperature:

  - kinetics: each hour at temperature ``T`` in atmosphere ``a`` uses
    ``r(T) / d(T, a) / 24`` days, with ``r`` the relative rate of shelf-life use
    (piecewise Q10, ``r(ref_temp_c) = 1``) and ``d`` the controlled-atmosphere divisor
    (``ca_rate_divisor`` in cold storage, 1 otherwise);
  - chilling injury: once a lot has spent ``chill_onset_days`` in all at or below
    ``chill_threshold_c``, each further chilled day uses ``chill_rate_days_per_day``
    more;
  - pre-cooling delay: hours still uncooled after the curing grace
    (``curing_grace_hours`` from harvest) use ``delay_penalty_factor`` times their
    kinetic consumption more.

  The consumed fraction ``f = consumed days / life_days_at_ref`` goes through the loss
  curve, a Weibull CDF ``L(f) = 1 - exp(-(f / loss_scale_fraction) ** loss_shape)``:
  the share of the lot too soft to sell on arrival. The curve rests on storage data
  (issue 16): the weeks to packing firmness by fruit size in air at 0 deg C (Crisosto
  1999) plus the softening from there to "soft" (Strik), a lot being a mix of sizes.
  Rot comes on top: ``rot_fraction`` (Botrytis stem-end rot, cut by curing before
  cooling as the NZ trial found), and the lot's loss is ``1 - (1 - L)(1 - rot)``.

* **Per-leg survival view** (:meth:`ShelfLife.survival`): for the optimizer, a leg of
  ``t`` hours at ``T`` delivers ``s * x`` of a flow ``x`` that enters it, with
  ``s = exp(-k(T) t)`` and ``k(T) = kappa * r(T) / d(T, a) / (24 * life_days_at_ref)``
  (times ``1 + delay_penalty_factor`` on a leg whose fruit is still uncooled after the
  curing grace). Factors multiply along a path: the product is ``exp(-kappa * f)`` with
  ``f`` the kinetic-plus-delay consumed fraction of the exact view. ``kappa`` (hazard
  per shelf life consumed, :attr:`ShelfLife.survival_hazard_per_life`) is fitted to the
  exact loss curve by minimax over ``survival_calibration_range``, the consumed
  fractions of the chains the optimizer compares: ``max |1 - exp(-kappa f) - L(f)|``
  is smallest there. As the exact cumulative hazard ``H(f) = (f / scale) ** shape`` is
  convex (``shape > 1``) and the survival view's ``kappa f`` is linear, no single
  ``kappa`` can match everywhere: the view overstates the loss of lots that consume
  little and understates that of lots that consume much. With the storage-data curve
  (shape 9.9: almost nothing lost before one life, almost all by 1.8) the best slope
  over 0.5-1.7 is 39 percentage points off at both ends: the per-leg view is a poor
  guide, and a path-based model should take ``1 - path_loss(history).loss_fraction``.
  Chilling and rot (which depend on the whole history, so no per-leg factor can see
  them) are left out of the survival view.
  :meth:`ShelfLife.calibrate_survival` refits ``kappa`` on a set of typical histories
  (for example the paths of a scenario's reference plans) so that the per-leg factors
  match the exact loss there as closely as one slope can. In a path-based model,
  ``1 - path_loss(history).loss_fraction`` is itself an exact per-path survival
  factor, linear in flow.

Defaults are for fresh Hayward-type kiwifruit; each default cites the bullet of
``shared/domain/FACTS.md`` (section 1) that justifies it, or says "ASSUMED" where no
source exists (FACTS.md section 8 lists the gaps). None is fitted to the seed figures
(issue 16; ``tests/results/test_calibration.py`` says how far the plans land from them).
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from networks._slope_fit import least_squares_kappa, minimax_kappa
from networks.lots import (
    Atmosphere,
    LotHistory,
    PathLoss,
    Segment,
    SegmentLoss,
    _check_atmosphere,
    _check_finite,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class ShelfLife:
    """Shelf-life physics of a perishable product (defaults: fresh Hayward-type kiwi).

    All consumption is counted in days of shelf life at ``ref_temp_c`` in air.

    Parameters
    ----------
    perishable
        ``False``: the product does not decay (survival 1, loss 0, infinite life).
    life_days_at_ref
        Storage life at ``ref_temp_c`` in air (days).
    ref_temp_c
        Reference temperature (deg C), where ``r = 1``.
    q10
        Q10 of each temperature band, from the coldest to the warmest.
    q10_band_upper_c
        Upper edges of all bands but the last (deg C, ascending; ``len(q10) - 1``).
        Below the first edge the first Q10 applies, above the last the last one.
    ca_rate_divisor
        Factor by which controlled atmosphere slows shelf-life use in cold storage.
    ca_max_temp_c
        Highest temperature at which the CA divisor applies (deg C).
    chill_threshold_c
        Chilling-injury threshold: hours at or below it count as chilled (deg C).
    chill_onset_days
        Cumulative chilled days after which chilling injury starts to cost.
    chill_rate_days_per_day
        Extra days at ref consumed per chilled day after the onset.
    curing_grace_hours
        Hours after harvest during which an ambient hold costs no delay penalty.
    delay_penalty_factor
        Extra consumption, as a multiple of the kinetic consumption, of each hour the
        fruit is still uncooled after the grace.
    precooled_temp_c
        A segment at or below this temperature counts as cooled (deg C), when the start
        of cooling is not given.
    loss_scale_fraction
        Weibull scale of the loss curve, in shelf lives consumed (cumulative hazard 1).
    loss_shape
        Weibull shape of the loss curve (> 1: convex hazard).
    rot_uncured_fraction
        Share of a lot lost to rot (Botrytis stem-end rot) by the end of its life
        (consumed fraction 1) when cooled without curing; rot grows linearly with the
        consumed fraction up to it.
    curing_trial_hours
        Hours uncooled after picking after which curing is complete.
    rot_after_curing
        Rot of a lot cured ``curing_trial_hours`` or more, as a share of the uncured rot.
    survival_calibration_range
        Consumed fractions ``(low, high)`` over which ``kappa`` is fitted (minimax on the
        loss); ``low == high`` gives the secant through that one point.
    survival_hazard_override
        Override of ``kappa`` (cumulative hazard per shelf life consumed, survival
        view), for example as fitted by :meth:`calibrate_survival`; ``None``: fitted
        over ``survival_calibration_range``.

    Examples
    --------
    >>> kiwi = ShelfLife()
    >>> round(kiwi.life_days(0.0))
    84
    >>> round(kiwi.life_days(20.0), 1)
    8.4
    >>> ShelfLife.none().survival(1000.0, 30.0)
    1.0
    """

    perishable: bool = True
    # FACTS 1.3 (Crisosto, Garner & Saez 1999): 8 / 10 / 12 weeks in air at 0 deg C to
    # packing firmness for small / medium / large fruit; FACTS 1.1 (DAFWA): 8-16 weeks
    # at -0.5-0 deg C in air, midpoint 12 weeks; FACTS 1.3 rule of thumb: ~12 weeks (84 d).
    # Issue 3 fixes 84 d as the anchor (10 weeks, medium fruit, would be 70 d: within 20%).
    life_days_at_ref: float = 84.0
    # FACTS 1.1 (UC Davis): optimum storage temperature 0 deg C.
    ref_temp_c: float = 0.0
    # Piecewise Q10, chosen over a single Arrhenius Ea (~77 kJ/mol, FACTS 1.2): it
    # reproduces the UC Davis respiration ratios at 0, 10 and 20 deg C exactly and lets
    # the warm bands flatten as generic produce data do, where one Ea would keep
    # Q10 ~ 2.8 from 20 to 30 deg C and overstate ageing on hot days.
    # 0-10 deg C: 3.43 and 10-20 deg C: 2.92, FACTS 1.2 [DERIVED] from UC Davis
    # respiration mid-points 1.75 / 6 / 17.5 mL CO2/kg h at 0 / 10 / 20 deg C.
    # 20-30 deg C: 2.0, FACTS 1.5 ("Q10 ~ 2 above 20 deg C"; generic 1.5-2.0, FACTS 1.2
    # Saltveit). Above 30 deg C: 1.5, FACTS 1.2 Saltveit generic 1.0-1.5 for 30-40 deg C.
    q10: tuple[float, ...] = (3.43, 2.92, 2.0, 1.5)
    q10_band_upper_c: tuple[float, ...] = (10.0, 20.0, 30.0)
    # FACTS 1.3 (Crisosto 1999): air-stored fruit softens ~2.6x faster than under CA
    # (5% CO2 + 2% O2) at 0 deg C.
    ca_rate_divisor: float = 2.6
    # ASSUMED: the 2.6x was measured at 0 deg C; CA stores and reefers run at
    # -0.5..+2 deg C (FACTS 1.1), so the divisor is not extrapolated past 5 deg C.
    ca_max_temp_c: float = 5.0
    # FACTS 1.4 (Lallu 1997): over -0.5..2.5 deg C, low-temperature breakdown is
    # significantly lower at > 1 deg C than at <= 0 deg C; the study does not split 0-1 deg C,
    # so everything not above 1 deg C counts as chilled (a 0.5 deg C store and a 1 deg C
    # reefer do; a 2 deg C one does not).
    chill_threshold_c: float = 1.0
    # FACTS 1.4: LTB was scored after 20-24 weeks (Lallu 1997) and its likelihood grows ~20%
    # per extra week of storage (Maguire 2005); no onset is published. It starts to cost
    # after 20 weeks of cumulative chilling, the earliest storage at which Lallu reports
    # it (an earlier onset would shorten the 8-12 week air storage lives at 0 deg C that
    # Crisosto 1999 measured, FACTS 1.3). What would settle it: LTB incidence by week.
    chill_onset_days: float = 140.0
    # DERIVED bound + ASSUMED: Lallu's ordering (FACTS 1.4: after 24 weeks, LTB at <= 0 deg C
    # significantly above > 1 deg C) needs 24 weeks at -0.5 deg C to cost more than at 1.5
    # deg C. In air those use 168 x 0.94 = 158 and 168 x 1.20 = 202 days at 0 deg C, so the
    # 28 chilled days past the onset must add over 44 days: more than 1.57 a day. A chilled
    # day past the onset uses 2 days more (the bound, rounded up: ASSUMPTION; LTB incidence by
    # week of storage would settle it).
    chill_rate_days_per_day: float = 2.0
    # FACTS 1.5: curing 24 h (Isofruit) to 48-72 h (textbook Table 20.1) before
    # forced-air cooling lowers Botrytis rot; model guidance 1-3 days; CA must be set
    # within 2 days (FACTS 1.2). 48 h: the middle of both ranges.
    curing_grace_hours: float = 48.0
    # ASSUMED (FACTS gap 2: no kiwi life-vs-delay curve): after the grace, every uncooled
    # hour costs a quarter more than its kinetic consumption (ripening advanced before
    # cooling raises later LTB to 95-100% after long delays, FACTS 1.4; CA benefit lost
    # after 2 days, FACTS 1.2; water loss of warm, unpacked fruit). FACTS 1.5 guidance
    # counts the delay at the kinetic rate only (factor 0): 0.25 is a mild step beyond.
    delay_penalty_factor: float = 0.25
    # FACTS 1.1 (Isofruit): rapid pre-cooling to 2-4 deg C; 4 deg C counts as cooled.
    precooled_temp_c: float = 4.0
    # DERIVED from storage data, not from the seed figures (issue 16). Loss = the share of
    # a lot too soft to sell on arrival, softer than 2 lbf ("soft" in trade grading, Cargo
    # Handbook; UC Davis eating-ripe 2-3 lbf, FACTS 1.3). Time to it at 0 deg C in air:
    # - to the packing threshold, 5 lbf: 8 / 10 / 12 weeks for small / medium / large
    #   fruit (Crisosto, Garner & Saez 1999, FACTS 1.3);
    # - from 5 to 2 lbf: Hayward loses 1/3 to 1/2 of its remaining firmness a month at
    #   0 deg C (Strik, FACTS 1.1); at the middle, 5/12 a month, ln(2.5) / ln(12/7) = 1.70
    #   months = 51.7 days.
    # So 107.7 / 121.7 / 135.7 days, f = 1.282 / 1.449 / 1.615 lives of 84 days. A lot
    # mixes the sizes; taking them as its thirds, 1/6, 1/2 and 5/6 of it is too soft at
    # those times (the middle of each third). The Weibull fitted to the three points by
    # least squares on ln(-ln(1 - L)) against ln f has shape 9.91 and scale 1.516 and
    # passes them at 0.17, 0.47, 0.85 (tests/networks/test_shelf_life.py checks them). It
    # loses nothing to speak of in 8 weeks at 0 deg C (DAFWA: 8-16 weeks of air storage,
    # FACTS 1.1) and 3.5% in 13 weeks (Strik: Hayward stores 3-6 months at 0 deg C).
    loss_scale_fraction: float = 1.516
    loss_shape: float = 9.91
    # ASSUMPTION (what would settle it: packhouse records of Botrytis stem-end rot in
    # uncured Hayward): share of a lot lost to Botrytis stem-end rot by the end of its
    # storage life when cooled at once after picking. The curing data (FACTS 1.5, NZ J.
    # Crop Hort. Sci. 1992) are on inoculated fruit (49% rot without curing), far above
    # natural infection; 3% is a middle guess for naturally infected fruit.
    rot_uncured_fraction: float = 0.03
    # FACTS 1.5 (NZ J. Crop Hort. Sci. 20(3) 1992): 7 days (168 h) at ambient before
    # packing and cold storage cut stem-end rot from 49% to 6%. The hours a lot waits
    # uncooled after picking cure it in proportion, up to 168 h: towards 6/49 of the
    # uncured rot (linear between the trial's 0 and 7 days: ASSUMPTION). The trial's 20%
    # after 7 days held at 0 deg C before packing has no counterpart here: a lot that is
    # cold is cold, packed or not.
    curing_trial_hours: float = 168.0
    rot_after_curing: float = 6.0 / 49.0
    # DERIVED: consumed fractions of the export chains the optimizer weighs against each
    # other, from a tight cold chain (~0.5) to the old ambient chain (~1.6; the reference
    # histories in the tests); kappa is the minimax fit of the survival view over it.
    survival_calibration_range: tuple[float, float] = (0.5, 1.7)
    survival_hazard_override: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "q10", tuple(float(q) for q in self.q10))
        object.__setattr__(self, "q10_band_upper_c", tuple(float(b) for b in self.q10_band_upper_c))
        _check_finite("life_days_at_ref", self.life_days_at_ref, minimum=0.0, strict=True)
        _check_finite("ref_temp_c", self.ref_temp_c)
        if not self.q10 or any(not (math.isfinite(q) and q > 0) for q in self.q10):
            raise ValueError(f"q10: expected one or more numbers > 0, got {self.q10!r}")
        if len(self.q10_band_upper_c) != len(self.q10) - 1:
            raise ValueError(
                "q10_band_upper_c: expected len(q10) - 1 = "
                f"{len(self.q10) - 1} band edges, got {len(self.q10_band_upper_c)}"
            )
        edges = self.q10_band_upper_c
        if any(not math.isfinite(b) for b in edges) or any(
            b2 <= b1 for b1, b2 in zip(edges, edges[1:], strict=False)
        ):
            raise ValueError(
                f"q10_band_upper_c: expected finite, strictly ascending edges, got {edges!r}"
            )
        _check_finite("ca_rate_divisor", self.ca_rate_divisor, minimum=1.0)
        _check_finite("ca_max_temp_c", self.ca_max_temp_c)
        _check_finite("chill_threshold_c", self.chill_threshold_c)
        _check_finite("chill_onset_days", self.chill_onset_days, minimum=0.0)
        _check_finite("chill_rate_days_per_day", self.chill_rate_days_per_day, minimum=0.0)
        _check_finite("curing_grace_hours", self.curing_grace_hours, minimum=0.0)
        _check_finite("delay_penalty_factor", self.delay_penalty_factor, minimum=0.0)
        _check_finite("precooled_temp_c", self.precooled_temp_c)
        _check_finite("loss_scale_fraction", self.loss_scale_fraction, minimum=0.0, strict=True)
        _check_finite("loss_shape", self.loss_shape, minimum=0.0, strict=True)
        _check_finite("rot_uncured_fraction", self.rot_uncured_fraction, minimum=0.0)
        if self.rot_uncured_fraction >= 1.0:
            got = self.rot_uncured_fraction
            raise ValueError(f"rot_uncured_fraction: expected a number in [0, 1), got {got}")
        _check_finite("curing_trial_hours", self.curing_trial_hours, minimum=0.0, strict=True)
        _check_finite("rot_after_curing", self.rot_after_curing, minimum=0.0)
        if self.rot_after_curing > 1.0:
            raise ValueError(
                f"rot_after_curing: expected a number in [0, 1], got {self.rot_after_curing}"
            )
        rng = tuple(float(x) for x in self.survival_calibration_range)
        object.__setattr__(self, "survival_calibration_range", rng)
        if len(rng) != 2 or not all(math.isfinite(x) for x in rng) or not 0 < rng[0] <= rng[1]:
            raise ValueError(
                "survival_calibration_range: expected (low, high) with 0 < low <= high, "
                f"got {self.survival_calibration_range!r}"
            )
        if self.survival_hazard_override is not None:
            _check_finite("survival_hazard_override", self.survival_hazard_override, minimum=0.0)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def none(cls) -> ShelfLife:
        """A non-perishable product: no decay at all."""
        return cls(perishable=False)

    # ------------------------------------------------------------------ kinetics
    def _log_rate_abs(self, temp_c: np.ndarray) -> np.ndarray:
        """Integral of ln(Q10)/10 dT, piecewise linear, anchored at the first edge."""
        slopes = np.log(np.asarray(self.q10)) / 10.0
        edges = self.q10_band_upper_c
        t = np.asarray(temp_c, dtype=float)
        if not edges:
            return slopes[0] * t
        g = slopes[0] * (np.minimum(t, edges[0]) - edges[0])
        for i in range(1, len(slopes)):
            lo = edges[i - 1]
            width = edges[i] - lo if i < len(edges) else np.inf
            g = g + slopes[i] * np.clip(t - lo, 0.0, width)
        return g

    def rate(self, temp_c: Any, atmosphere: Atmosphere = "air") -> Any:
        """Relative rate of shelf-life use, ``r(T) / d(T, atmosphere)`` (1 at ref in air).

        Parameters
        ----------
        temp_c
            Temperature(s) (deg C): a number or an array.
        atmosphere
            ``"air"`` or ``"ca"``.

        Returns
        -------
        float or numpy.ndarray
            Days at ref consumed per day; 0 for a non-perishable product.
        """
        if isinstance(temp_c, numbers.Real) and not isinstance(temp_c, bool):
            return _scalar_rate(self, float(temp_c), atmosphere)  # memoized: hot path
        return self._rate(temp_c, atmosphere)

    def _rate(self, temp_c: Any, atmosphere: Atmosphere = "air") -> Any:
        _check_atmosphere(atmosphere)
        t = np.asarray(temp_c, dtype=float)
        if not self.perishable:
            out = np.zeros_like(t)
        else:
            out = np.exp(self._log_rate_abs(t) - self._log_rate_abs(np.asarray(self.ref_temp_c)))
            if atmosphere == "ca":
                out = np.where(t <= self.ca_max_temp_c, out / self.ca_rate_divisor, out)
        return float(out) if out.ndim == 0 else out

    def life_days(self, temp_c: Any, atmosphere: Atmosphere = "air") -> Any:
        """Shelf life when held at one constant temperature (days; kinetics only).

        Parameters
        ----------
        temp_c
            Temperature(s) (deg C).
        atmosphere
            ``"air"`` or ``"ca"``.

        Returns
        -------
        float or numpy.ndarray
            ``life_days_at_ref / rate``; infinite for a non-perishable product. Chilling
            injury (which needs weeks at or below ``chill_threshold_c``) is not included.
        """
        r = np.asarray(self.rate(temp_c, atmosphere), dtype=float)
        with np.errstate(divide="ignore"):
            out = np.where(r > 0, self.life_days_at_ref / np.where(r > 0, r, 1.0), np.inf)
        return float(out) if out.ndim == 0 else out

    # ------------------------------------------------------------------ loss curve
    def loss_fraction(self, consumed_fraction: Any) -> Any:
        """Share of a lot unsellable after using ``consumed_fraction`` of its life.

        ``L(f) = 1 - exp(-(f / loss_scale_fraction) ** loss_shape)``, 0 for ``f <= 0``.
        """
        f = np.maximum(np.asarray(consumed_fraction, dtype=float), 0.0)
        if not self.perishable:
            out = np.zeros_like(f)
        else:
            out = -np.expm1(-((f / self.loss_scale_fraction) ** self.loss_shape))
        return float(out) if out.ndim == 0 else out

    # ------------------------------------------------------------------ delay, chilling
    def delay_penalty(self, hours_before_cooling: float, ambient_temp_c: float) -> float:
        """Extra shelf life used because cooling started late (days at ref).

        Zero inside the curing grace; after it, ``delay_penalty_factor`` times the
        kinetic consumption of the hours past the grace at ``ambient_temp_c``:
        ``factor * r(T) * max(0, hours - grace) / 24``. This comes on top of the kinetic
        consumption of all warm hours (a day at 20 deg C uses about ten days at 0 deg C,
        inside the grace or not). The curve is linear in hours: an assumption (FACTS.md
        gap 2 has no kiwi life-versus-delay curve).

        Parameters
        ----------
        hours_before_cooling
            Hours from harvest until cooling starts.
        ambient_temp_c
            Product temperature while waiting (deg C).
        """
        _check_finite("hours_before_cooling", hours_before_cooling, minimum=0.0)
        _check_finite("ambient_temp_c", ambient_temp_c)
        if not self.perishable:
            return 0.0
        late = max(0.0, hours_before_cooling - self.curing_grace_hours)
        return self.delay_penalty_factor * self.rate(ambient_temp_c) * late / HOURS_PER_DAY

    def chilling_days(self, chilled_hours: float) -> float:
        """Extra consumption (days at ref) after ``chilled_hours`` at or below threshold."""
        if not self.perishable:
            return 0.0
        past = max(0.0, chilled_hours / HOURS_PER_DAY - self.chill_onset_days)
        return self.chill_rate_days_per_day * past

    def rot_fraction(self, consumed_fraction: float, hours_before_cooling: float) -> float:
        """Share of a lot lost to rot, after its curing (FACTS 1.5).

        ``rot_uncured_fraction * min(1, f) * (1 - (1 - rot_after_curing) * min(h, H) / H)``
        with ``h`` the hours from picking to cooling and ``H = curing_trial_hours``: rot
        shows as the lot uses its life, and curing before cooling cuts it.

        Parameters
        ----------
        consumed_fraction
            Shelf life consumed (lives).
        hours_before_cooling
            Hours from picking to the start of cooling.

        Examples
        --------
        >>> kiwi = ShelfLife()
        >>> round(kiwi.rot_fraction(1.0, 168.0) / kiwi.rot_fraction(1.0, 0.0), 4)  # 6 / 49
        0.1224
        """
        if not self.perishable or self.rot_uncured_fraction == 0.0:
            return 0.0
        span = self.curing_trial_hours
        cured = min(max(hours_before_cooling, 0.0), span) / span
        cure = 1.0 - (1.0 - self.rot_after_curing) * cured
        return self.rot_uncured_fraction * min(1.0, max(consumed_fraction, 0.0)) * cure

    # ------------------------------------------------------------------ survival view
    @property
    def survival_hazard_per_life(self) -> float:
        """``kappa``: hazard per shelf life consumed in the per-leg survival view."""
        return self._kappa

    @functools.cached_property
    def _kappa(self) -> float:
        if self.survival_hazard_override is not None:
            return float(self.survival_hazard_override)
        if not self.perishable:
            return 0.0
        lo, hi = self.survival_calibration_range
        return minimax_kappa(np.linspace(lo, hi, 201), self.loss_fraction(np.linspace(lo, hi, 201)))

    def k_per_hour(
        self,
        temp_c: Any,
        atmosphere: Atmosphere = "air",
        uncooled_past_grace: Any = False,
    ) -> Any:
        """Survival-view decay rate ``k(T)`` (1/h); vectorised over arrays.

        Parameters
        ----------
        temp_c
            Temperature(s) (deg C).
        atmosphere
            ``"air"`` or ``"ca"``.
        uncooled_past_grace
            Whether the fruit on the leg is still uncooled after the curing grace
            (then the delay penalty applies to all its hours); bool or boolean array.
        """
        r = np.asarray(self.rate(temp_c, atmosphere), dtype=float)
        mult = 1.0 + self.delay_penalty_factor * np.asarray(uncooled_past_grace, dtype=float)
        out = self._kappa * r * mult / (HOURS_PER_DAY * self.life_days_at_ref)
        return float(out) if np.ndim(out) == 0 else out

    def survival_array(
        self,
        hours: Any,
        temp_c: Any,
        atmosphere: Atmosphere = "air",
        uncooled_past_grace: Any = False,
    ) -> np.ndarray:
        """Per-leg survival factors ``exp(-k(T) * hours)`` for arrays (broadcast).

        Parameters
        ----------
        hours
            Leg durations (h), >= 0.
        temp_c
            Leg temperatures (deg C).
        atmosphere
            ``"air"`` or ``"ca"`` (one for all legs).
        uncooled_past_grace
            Bool or boolean array, see :meth:`k_per_hour`.

        Returns
        -------
        numpy.ndarray
            Factors in (0, 1]; all 1 for a non-perishable product.
        """
        h = np.asarray(hours, dtype=float)
        if np.any(h < 0) or not np.all(np.isfinite(h)):
            raise ValueError("hours: expected finite numbers >= 0")
        k = np.asarray(self.k_per_hour(temp_c, atmosphere, uncooled_past_grace), dtype=float)
        return np.exp(-k * h)

    def survival(
        self,
        hours: float,
        temp_c: float,
        atmosphere: Atmosphere = "air",
        *,
        uncooled_past_grace: bool = False,
    ) -> float:
        """Per-leg survival factor: flow ``x`` entering the leg delivers ``s * x``.

        ``s = exp(-k(T) * hours)``, see the module docstring for the calibration.
        Factors multiply along a path (the survival of a concatenation).

        Parameters
        ----------
        hours
            Leg duration (h), >= 0.
        temp_c
            Product temperature on the leg (deg C).
        atmosphere
            ``"air"`` or ``"ca"``.
        uncooled_past_grace
            The fruit is still uncooled after the curing grace: the delay penalty
            applies to the leg's hours.

        Examples
        --------
        >>> kiwi = ShelfLife()
        >>> s = kiwi.survival(24.0, 20.0) * kiwi.survival(48.0, 20.0)
        >>> abs(s - kiwi.survival(72.0, 20.0)) < 1e-12
        True
        """
        _check_finite("hours", hours, minimum=0.0)
        _check_finite("temp_c", temp_c)
        return float(self.survival_array(hours, temp_c, atmosphere, uncooled_past_grace))

    # ------------------------------------------------------------------ exact view
    def _as_history(
        self, history: LotHistory | Sequence[Segment], hours_before_cooling: float | None
    ) -> tuple[tuple[Segment, ...], float]:
        if isinstance(history, LotHistory):
            segments = history.segments
            given = history.hours_before_cooling
        else:
            segments = LotHistory(tuple(history)).segments
            given = None
        if hours_before_cooling is not None:
            _check_finite("hours_before_cooling", hours_before_cooling, minimum=0.0)
            given = hours_before_cooling
        total = float(sum(s.hours for s in segments))
        if given is None:
            hbc = 0.0
            for s in segments:
                if s.kind == "precool" or s.temp_c <= self.precooled_temp_c:
                    break
                hbc += s.hours
            given = hbc
        elif given > total + 1e-9:
            raise ValueError(
                "hours_before_cooling: expected at most the history's "
                f"{total:g} hours, got {given:g}"
            )
        return segments, float(given)

    def path_loss(
        self,
        history: LotHistory | Sequence[Segment],
        hours_before_cooling: float | None = None,
    ) -> PathLoss:
        """Exact loss of one lot over its whole time-temperature history.

        Parameters
        ----------
        history
            A :class:`LotHistory`, or its segments (starting at harvest).
        hours_before_cooling
            Overrides the history's hours from harvest to the start of cooling.

        Returns
        -------
        PathLoss
            Consumed shelf life (days at ref, and as a fraction of ``life_days_at_ref``),
            the loss fraction, its kinetic / chilling / delay parts, the per-segment
            breakdown, and the survival view's loss for comparison.
        """
        segments, hbc = self._as_history(history, hours_before_cooling)
        total_hours = float(sum(s.hours for s in segments))
        if not self.perishable:
            rows = tuple(
                SegmentLoss(s.kind, s.name, s.hours, s.temp_c, s.atmosphere, 0.0, 0.0, 0.0)
                for s in segments
            )
            return PathLoss(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, total_hours, hbc, rows)

        rows_l: list[SegmentLoss] = []
        start = 0.0
        chilled_hours = 0.0
        grace = self.curing_grace_hours
        for s in segments:
            end = start + s.hours
            r = self.rate(s.temp_c, s.atmosphere)
            kinetic = r * s.hours / HOURS_PER_DAY
            late_hours = max(0.0, min(end, hbc) - max(start, grace))
            delay = self.delay_penalty_factor * r * late_hours / HOURS_PER_DAY
            chill = 0.0
            if s.temp_c <= self.chill_threshold_c:
                before = self.chilling_days(chilled_hours)
                chilled_hours += s.hours
                chill = self.chilling_days(chilled_hours) - before
            rows_l.append(
                SegmentLoss(s.kind, s.name, s.hours, s.temp_c, s.atmosphere, kinetic, chill, delay)
            )
            start = end
        kinetic_d = float(sum(x.kinetic_days for x in rows_l))
        chill_d = float(sum(x.chilling_days for x in rows_l))
        delay_d = float(sum(x.delay_days for x in rows_l))
        consumed = kinetic_d + chill_d + delay_d
        frac = consumed / self.life_days_at_ref
        surv_loss = -math.expm1(-self._kappa * (kinetic_d + delay_d) / self.life_days_at_ref)
        rot = self.rot_fraction(frac, hbc)
        soft = float(self.loss_fraction(frac))
        return PathLoss(
            consumed_days_at_ref=consumed,
            consumed_fraction=frac,
            loss_fraction=1.0 - (1.0 - soft) * (1.0 - rot),
            kinetic_days_at_ref=kinetic_d,
            chilling_days_at_ref=chill_d,
            delay_days_at_ref=delay_d,
            survival_loss_fraction=surv_loss,
            hours=total_hours,
            hours_before_cooling=hbc,
            segments=tuple(rows_l),
            rot_fraction=rot,
        )

    def path_survival(
        self,
        history: LotHistory | Sequence[Segment],
        hours_before_cooling: float | None = None,
    ) -> float:
        """The survival view over a whole history: the product of its per-leg factors.

        Each segment's hours past the curing grace and before cooling carry the delay
        penalty, exactly as :meth:`survival` with ``uncooled_past_grace=True`` on legs
        split at the end of the grace. Chilling is not in the survival view.
        """
        return 1.0 - self.path_loss(history, hours_before_cooling).survival_loss_fraction

    def calibrate_survival(
        self,
        histories: Iterable[LotHistory | Sequence[Segment]],
        method: Literal["minimax", "least_squares"] = "minimax",
    ) -> ShelfLife:
        """Refit ``kappa`` so the per-leg survival view matches the exact loss.

        Over the given histories (for example the paths of a scenario's reference
        plans), fits ``1 - exp(-kappa * f_i)`` to the exact loss ``L_i``, ``f_i`` being
        each history's kinetic-plus-delay consumed fraction (what the per-leg factors
        see).

        Parameters
        ----------
        histories
            Lot histories (or their segments).
        method
            ``"minimax"`` (smallest worst-case error, in loss fraction) or
            ``"least_squares"``.

        Returns
        -------
        ShelfLife
            A copy with ``survival_hazard_override`` set.
        """
        if method not in ("minimax", "least_squares"):
            raise ValueError(f"method: expected 'minimax' or 'least_squares', got {method!r}")
        if not self.perishable:
            return self
        fs: list[float] = []
        ls: list[float] = []
        for h in histories:
            pl = self.path_loss(h)
            fs.append((pl.kinetic_days_at_ref + pl.delay_days_at_ref) / self.life_days_at_ref)
            ls.append(pl.loss_fraction)
        if not fs:
            raise ValueError("histories: expected at least one history, got none")
        fit = minimax_kappa if method == "minimax" else least_squares_kappa
        return replace(self, survival_hazard_override=fit(np.asarray(fs), np.asarray(ls)))


def shelf_life_table(
    products_or_models: Mapping[str, ShelfLife] | Iterable[Any],
    temps: Iterable[float],
    atmosphere: Atmosphere = "air",
) -> pd.DataFrame:
    """Shelf life of each perishable product at each temperature.

    Parameters
    ----------
    products_or_models
        A mapping ``{product id: ShelfLife}``, an iterable of ``(id, ShelfLife)`` pairs,
        or an iterable of product objects with an ``id`` (or ``name``) and a
        ``shelf_life`` attribute. Non-perishable products are left out.
    temps
        Temperatures (deg C).
    atmosphere
        ``"air"`` or ``"ca"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``product`` (str), ``temp_c`` (float), ``days`` (float), one row per
        product and temperature, in the order given.

    Examples
    --------
    >>> t = shelf_life_table({"kiwi": ShelfLife()}, [0, 20])
    >>> t["days"].round(1).tolist()
    [84.0, 8.4]
    """
    import pandas as pd

    if isinstance(products_or_models, Mapping):
        pairs = list(products_or_models.items())
    else:
        pairs = []
        for item in products_or_models:
            if isinstance(item, tuple) and len(item) == 2:
                pairs.append((str(item[0]), item[1]))
            else:
                pid = getattr(item, "id", None) or getattr(item, "name", None)
                model = getattr(item, "shelf_life", None)
                if pid is None or not isinstance(model, ShelfLife):
                    raise TypeError(
                        "products_or_models: expected a mapping id -> ShelfLife, "
                        "(id, ShelfLife) pairs or objects with id and shelf_life, "
                        f"got {item!r}"
                    )
                pairs.append((str(pid), model))
    temps_l = [float(t) for t in temps]
    rows = [
        {"product": str(pid), "temp_c": t, "days": float(model.life_days(t, atmosphere))}
        for pid, model in pairs
        if model.perishable
        for t in temps_l
    ]
    return pd.DataFrame(rows, columns=["product", "temp_c", "days"]).astype(
        {"product": str, "temp_c": float, "days": float}
    )


@functools.lru_cache(maxsize=65536)
def _scalar_rate(model: ShelfLife, temp_c: float, atmosphere: str) -> float:
    """``model.rate`` of one temperature, memoized.

    Evaluating a plan asks it millions of times for a few dozen distinct temperatures.
    """
    return float(model._rate(temp_c, atmosphere))
