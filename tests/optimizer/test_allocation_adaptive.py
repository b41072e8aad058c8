"""Adaptive sampled Shapley: the stopping rule, on games whose Shapley value is known.

- The quadratic game :math:`c(S) = \\sum_{i \\in S} a_i + k (\\sum_{i \\in S} v_i)^2` has
  :math:`\\phi_i = a_i + k v_i V` (:math:`V = \\sum_N v`: each pair's cross term
  :math:`2 k v_i v_j` is split equally), and smooth marginals, so that the normal-theory
  interval is fair to hold it to.
- The airport game :math:`c(S) = \\max_{i \\in S} a_i` has
  :math:`\\phi_{(k)} = \\sum_{j \\le k} (a_{(j)} - a_{(j-1)}) / (n - j + 1)` (Littlechild &
  Owen 1973); its marginals are very skewed (used only where coverage is not asserted).
- An additive game has zero-variance marginals.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.consolidation import (
    GameError,
    adaptive_sampled_shapley,
    sampled_shapley,
    student_t_quantile,
)


def airport(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    players = tuple(f"P{i:02d}" for i in range(n))
    a = dict(zip(players, rng.uniform(10.0, 100.0, n).round(3).tolist(), strict=True))
    order = sorted(players, key=a.get)
    exact, level, previous = {}, 0.0, 0.0
    for j, p in enumerate(order):
        level += (a[p] - previous) / (n - j)
        previous = a[p]
        exact[p] = level
    return players, (lambda S: max(a[p] for p in S)), exact


def quadratic(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    players = tuple(f"P{i:02d}" for i in range(n))
    a = dict(zip(players, rng.uniform(50.0, 100.0, n).tolist(), strict=True))
    v = dict(zip(players, rng.uniform(1.0, 3.0, n).tolist(), strict=True))
    k = -0.2  # pooling: the more volume together, the less per tonne
    total = sum(v.values())
    exact = {p: a[p] + k * v[p] * total for p in players}
    return players, (lambda S: sum(a[p] for p in S) + k * sum(v[p] for p in S) ** 2), exact


def batched(cost, calls):
    def batch(coalitions):
        calls.append(list(coalitions))
        return {c: cost(c) for c in coalitions}

    return batch


def test_t_quantiles_match_the_tables():
    # t tables: t_{0.975,4} = 2.776, t_{0.975,9} = 2.262, t_{0.995,30} = 2.750
    assert student_t_quantile(0.975, 4) == pytest.approx(2.7764, abs=1e-3)
    assert student_t_quantile(0.975, 9) == pytest.approx(2.2622, abs=1e-3)
    assert student_t_quantile(0.995, 30) == pytest.approx(2.7500, abs=1e-3)


def test_a_40_player_game_stops_at_the_target_and_covers_the_exact_value():
    players, cost, exact = quadratic(40)
    grand = cost(frozenset(players))
    target = 0.01 * abs(grand)
    calls, rounds = [], []
    result = adaptive_sampled_shapley(
        players,
        batched(cost, calls),
        target,
        seed=3,
        progress=lambda m, widest: rounds.append((m, widest)),
    )
    assert result.info["target_met"] == 1.0
    assert max(result.half_widths) <= target
    # it stopped at the first round that met the target, not later
    assert all(widest > target for _, widest in rounds[:-1])
    assert rounds[-1] == (result.samples, max(result.half_widths))
    assert len(rounds) >= 2 and result.samples > 10  # the target needed more than the floor
    # every estimate lies within its interval of the exact value
    for p, estimate, half in zip(players, result.costs, result.half_widths, strict=True):
        assert abs(estimate - exact[p]) <= half
    assert sum(result.costs) == pytest.approx(grand, rel=1e-12)
    # each coalition was asked for once, in batches (one per round)
    asked = [c for batch in calls for c in batch]
    assert len(asked) == len(set(asked)) == result.coalitions_evaluated
    assert len(calls) == len(rounds)


def test_the_first_orders_are_those_of_sampled_shapley():
    players, cost, _ = airport(12)
    adaptive = adaptive_sampled_shapley(players, batched(cost, []), 1.0, seed=5)
    fixed = sampled_shapley(players, cost, adaptive.samples, seed=5)
    assert adaptive.costs == pytest.approx(fixed.costs, rel=1e-12)


def test_an_additive_game_stops_at_the_floor_with_zero_width():
    players = ("a", "b", "c", "d")
    weight = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}
    result = adaptive_sampled_shapley(
        players, batched(lambda S: sum(weight[p] for p in S), []), 1e-9, seed=0, min_samples=4
    )
    assert result.samples == 4
    assert result.half_widths == (0.0, 0.0, 0.0, 0.0)
    assert result.costs == pytest.approx((1.0, 2.0, 3.0, 4.0))


def test_an_unreachable_target_stops_at_the_most_orders():
    players, cost, _ = airport(10)
    result = adaptive_sampled_shapley(
        players, batched(cost, []), 1e-9, seed=1, min_samples=4, max_samples=9
    )
    assert result.samples == 9
    assert result.info["target_met"] == 0.0


def test_known_costs_are_not_asked_for_again():
    players, cost, _ = airport(8)
    cache = {frozenset(players): cost(frozenset(players))}
    calls = []
    adaptive_sampled_shapley(players, batched(cost, calls), 1.0, seed=2, cache=cache)
    assert frozenset(players) not in [c for batch in calls for c in batch]


@pytest.mark.parametrize(
    "kwargs", [{"target_half_width": 0.0}, {"min_samples": 1}, {"confidence": 1.0}]
)
def test_invalid_arguments_are_refused(kwargs):
    players, cost, _ = airport(4)
    arguments = {"target_half_width": 1.0, "seed": 0, **kwargs}
    with pytest.raises(GameError):
        adaptive_sampled_shapley(players, batched(cost, []), **arguments)


def test_antithetic_pairs_cover_the_exact_value_with_fewer_orders():
    players, cost, exact = quadratic(40)
    grand = cost(frozenset(players))
    target = 0.01 * abs(grand)
    plain = adaptive_sampled_shapley(players, batched(cost, []), target, seed=3, min_samples=4)
    paired = adaptive_sampled_shapley(
        players, batched(cost, []), target, seed=3, min_samples=4, antithetic=True
    )
    assert paired.info["target_met"] == 1.0 and max(paired.half_widths) <= target
    assert paired.samples % 2 == 0 and paired.samples < plain.samples
    # (a quadratic game's pairs are exact: zero width, up to rounding)
    for p, estimate, half in zip(players, paired.costs, paired.half_widths, strict=True):
        assert abs(estimate - exact[p]) <= half + 1e-12 * abs(grand)
    assert sum(paired.costs) == pytest.approx(grand, rel=1e-12)
    # a paired run's estimate of what independent orders would need is about what they
    # needed, and more than what the pairs need
    assert paired.info["plain_orders_needed"] == pytest.approx(plain.samples, rel=0.5)
    assert paired.info["orders_needed"] < paired.info["plain_orders_needed"]


def sized(n: int, seed: int = 7):
    """``c(S) = h(|S|) + sum a_i`` with concave ``h``: ``phi_i = a_i + h(n)/n``."""
    rng = np.random.default_rng(seed)
    players = tuple(f"P{i:02d}" for i in range(n))
    a = dict(zip(players, rng.uniform(10.0, 30.0, n).tolist(), strict=True))
    h = [0.0] + [500.0 * k**0.5 for k in range(1, n + 1)]
    exact = {p: a[p] + h[n] / n for p in players}
    return players, (lambda S: h[len(S)] + sum(a[p] for p in S)), exact, h


def test_the_exact_size_baseline_leaves_no_variance():
    players, cost, exact, h = sized(12)
    result = adaptive_sampled_shapley(
        players, batched(cost, []), 1e-6, seed=4, min_samples=5, baseline=h
    )
    assert result.samples == 5 and result.info["target_met"] == 1.0
    assert max(result.half_widths) <= 1e-9
    assert result.costs == pytest.approx([exact[p] for p in players], rel=1e-12)
    # without the baseline the same orders vary: the position effect is all of it
    assert result.info["orders_needed_without_baseline"] > 1000


def test_learned_size_baseline_covers_the_exact_value_with_fewer_orders():
    players, quad, exact = quadratic(40)
    fixed_cost = 2000.0  # the first comer opens the hub: a position effect
    cost = lambda S: fixed_cost + quad(S)  # noqa: E731
    exact = {p: v + fixed_cost / len(players) for p, v in exact.items()}
    grand = cost(frozenset(players))
    target = 0.01 * abs(grand)
    known = {frozenset([p]): cost(frozenset([p])) for p in players}
    known[frozenset(players)] = grand
    plain = adaptive_sampled_shapley(
        players, batched(cost, []), target, seed=3, min_samples=4, cache=dict(known)
    )
    learned = adaptive_sampled_shapley(
        players,
        batched(cost, []),
        target,
        seed=3,
        min_samples=4,
        cache=dict(known),
        baseline="sizes",
    )
    assert learned.info["target_met"] == 1.0 and max(learned.half_widths) <= target
    assert learned.samples < plain.samples
    for p, estimate, half in zip(players, learned.costs, learned.half_widths, strict=True):
        assert abs(estimate - exact[p]) <= half
    assert sum(learned.costs) == pytest.approx(grand, rel=1e-12)  # every order adds up
    # the run's own estimate of what plain orders would need is more than it needed
    assert learned.info["orders_needed_without_baseline"] > learned.samples


@pytest.mark.parametrize("baseline", ["size", [0.0, 1.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
def test_a_bad_baseline_is_refused(baseline):
    players, cost, _ = airport(4)
    with pytest.raises(GameError, match="baseline"):
        adaptive_sampled_shapley(players, batched(cost, []), 1.0, seed=0, baseline=baseline)
