r"""The Shapley value of a cost game: exact by enumeration, or sampled with an error bound.

Formulation
-----------
In the notation of :mod:`optimizer.consolidation.game`, player :math:`i`'s Shapley value
is its marginal cost averaged over every order in which the players could join:

.. math::

    \phi_i = \sum_{S \subseteq N \setminus \{i\}}
    \frac{|S|!\,(n-|S|-1)!}{n!} (c(S \cup \{i\}) - c(S)).

:func:`shapley` sums it exactly over the :math:`2^{n-1}` coalitions without :math:`i`.
:func:`sampled_shapley` estimates it from :math:`m` uniformly random orders (the mean of
each player's marginals); :func:`adaptive_sampled_shapley` draws orders in rounds until
every player's interval is narrow enough, optionally in antithetic pairs and with a size
baseline as a control variate.

Error bound
-----------
The standard error of player :math:`i`'s estimate is the sample standard deviation of
its marginals over :math:`\sqrt{m}`; the half-widths carry a Bonferroni correction over
the :math:`n` players, :math:`q_{1 - (1 - \text{confidence}) / (2n)} \cdot \text{se}_i`,
so that all :math:`n` intervals cover the exact values *simultaneously* with probability
at least ``confidence`` (asymptotically). :math:`q` is the normal quantile for a fixed
number of orders and Student's t with :math:`m - 1` degrees of freedom
(:func:`student_t_quantile`) for the adaptive rule, which may stop after few orders.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from statistics import NormalDist

import numpy as np

from optimizer.consolidation._masks import label, popcounts
from optimizer.consolidation.game import Allocation, CostGame, GameError


def shapley(game: CostGame) -> Allocation:
    r"""Exact Shapley value by enumerating all coalitions.

    :math:`\phi_i = \sum_{S \not\ni i} \frac{|S|!(n-|S|-1)!}{n!}(c(S \cup i) - c(S))`,
    one vectorised sum over the :math:`2^{n-1}` coalitions without :math:`i` per player
    (15 players, 32768 coalitions: milliseconds).

    Parameters
    ----------
    game
        A complete cost game.

    Returns
    -------
    Allocation
        Method ``shapley``, status ``optimal``.
    """
    n = game.n
    c = game.vector
    sizes = popcounts(n)
    # |S|!(n-|S|-1)!/n! = 1 / (n * C(n-1, |S|)), exact integers before the division.
    weights = np.array([1.0 / (n * math.comb(n - 1, k)) for k in range(n)])
    masks = np.arange(1 << n)
    phi = np.empty(n)
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        phi[i] = np.dot(weights[sizes[without]], c[without | bit] - c[without])
    return Allocation("shapley", game.players, tuple(phi.tolist()))


def shapley_range(game: CostGame, slack: CostGame) -> tuple[np.ndarray, np.ndarray]:
    r"""Where the exact Shapley value of the true costs lies, given each cost's slack.

    Each solved :math:`c(S)` is at most :math:`\delta(S) \ge 0` above the optimal cost
    :math:`c^*(S) \in [c(S) - \delta(S), c(S)]` (cost minus proven bound). The Shapley
    value is linear in the costs, :math:`c(T)` entering :math:`\phi_i` with weight
    :math:`w(|T|-1) > 0` where :math:`i \in T` and :math:`-w(|T|)` where not, so

    .. math:: \phi_i - \sum_{T \ni i} w(|T|-1)\,\delta(T) \;\le\; \phi_i(c^*) \;\le\;
              \phi_i + \sum_{\emptyset \ne T \not\ni i} w(|T|)\,\delta(T).

    Parameters
    ----------
    game
        The solved costs.
    slack
        Each coalition's slack :math:`\delta(S)`, same players.

    Returns
    -------
    tuple of numpy.ndarray
        The lowest and highest Shapley cost of each player, in ``game.players`` order.
    """
    if slack.players != game.players:
        raise GameError("slack: expected the game's players in the game's order")
    n = game.n
    delta = slack.vector
    phi = np.asarray(shapley(game).costs)
    sizes = popcounts(n)
    weights = np.array([1.0 / (n * math.comb(n - 1, k)) for k in range(n)])
    masks = np.arange(1 << n)
    low, high = phi.copy(), phi.copy()
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        low[i] -= np.dot(weights[sizes[without]], delta[without | bit])
        high[i] += np.dot(weights[sizes[without]], delta[without])  # delta(empty) = 0
    return low, high


def sampled_shapley(
    players: Iterable[str],
    cost_fn: Callable[[frozenset[str]], float],
    samples: int,
    seed: int | None,
    confidence: float = 0.95,
    cache: MutableMapping[frozenset[str], float] | None = None,
) -> Allocation:
    r"""Shapley value estimated from random orders of the players.

    Each sample is a uniformly random order (``numpy.random.default_rng(seed)``); a
    player's estimate is the mean of its marginal costs
    :math:`c(P \cup i) - c(P)`, :math:`P` the players before it. The marginals of one
    order telescope to :math:`c(N)`, so the estimates sum to :math:`c(N)` exactly up to
    rounding: the estimate is efficient by construction and is reported raw (no
    adjustment).

    Error bound: the standard error of player :math:`i` is the sample standard deviation
    of its marginals over :math:`\sqrt{m}` (:math:`m` samples). The half-widths use the
    normal approximation with a Bonferroni correction over the :math:`n` players,
    :math:`z_{1 - (1 - \text{confidence}) / (2n)} \cdot \text{se}_i`, so that all
    :math:`n` intervals cover the exact values *simultaneously* with probability at least
    ``confidence`` (asymptotically, as :math:`m` grows). A player whose marginals were all
    equal gets a zero half-width.

    Parameters
    ----------
    players
        Player ids (any number; nothing is enumerated).
    cost_fn
        Cost of a coalition (a ``frozenset`` of ids); typically an expensive solve. Called
        at most once per distinct non-empty coalition, never on the empty one.
    samples
        Random orders to draw, at least 2.
    seed
        Seed for ``numpy.random.default_rng``; the same seed gives the same estimate.
    confidence
        Simultaneous coverage of the intervals, in (0, 1).
    cache
        Optional mapping of coalition costs already known, read and then extended with
        every new evaluation, so that several calls share solves.

    Returns
    -------
    Allocation
        Method ``shapley_sampled``, status ``estimated``, with ``std_errors``,
        ``half_widths``, ``confidence``, ``samples``, ``seed`` and
        ``coalitions_evaluated`` (calls of ``cost_fn`` made by this call).

    Raises
    ------
    GameError
        On invalid players, ``samples < 2``, ``confidence`` outside (0, 1), or a
        non-finite cost.
    """
    players = tuple(players)
    if not players:
        raise GameError("players: expected at least one player id, got none")
    if len(set(players)) != len(players):
        raise GameError("players: expected unique ids, got duplicates")
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 2:
        raise GameError(f"samples: expected an integer >= 2, got {samples!r}")
    if not 0.0 < confidence < 1.0:
        raise GameError(f"confidence: expected a number in (0, 1), got {confidence!r}")
    n = len(players)
    known: dict[int, float] = {0: 0.0}
    store = cache if cache is not None else {}
    evaluated = 0

    def cost_of(mask: int) -> float:
        nonlocal evaluated
        value = known.get(mask)
        if value is None:
            coalition = frozenset(p for i, p in enumerate(players) if mask >> i & 1)
            if coalition in store:
                value = float(store[coalition])
            else:
                value = float(cost_fn(coalition))
                evaluated += 1
                if not math.isfinite(value):
                    raise GameError(
                        f"cost_fn: expected a finite cost for {label(coalition, players)}, "
                        f"got {value!r}"
                    )
                store[coalition] = value
            known[mask] = value
        return value

    rng = np.random.default_rng(seed)
    marginals = np.empty((samples, n))
    for s in range(samples):
        mask = 0
        previous = 0.0
        for i in rng.permutation(n):
            mask |= 1 << int(i)
            value = cost_of(mask)
            marginals[s, i] = value - previous
            previous = value
    estimate = marginals.mean(axis=0)
    std_errors = marginals.std(axis=0, ddof=1) / math.sqrt(samples)
    z = NormalDist().inv_cdf(1.0 - (1.0 - confidence) / (2 * n))
    return Allocation(
        "shapley_sampled",
        players,
        tuple(estimate.tolist()),
        status="estimated",
        std_errors=tuple(std_errors.tolist()),
        half_widths=tuple((z * std_errors).tolist()),
        confidence=confidence,
        samples=int(samples),
        seed=seed,
        coalitions_evaluated=evaluated,
        info={"z": z},
    )


def student_t_quantile(probability: float, dof: int) -> float:
    r"""The ``probability`` quantile of Student's t with ``dof`` degrees of freedom.

    By bisection on the upper tail :math:`\tfrac12 - \int_0^x f`, the density
    integrated by Simpson's rule (no SciPy here); accurate to about 1e-6, enough for a
    confidence interval.
    """
    if probability <= 0.5:
        raise GameError(f"probability: expected a number in (0.5, 1), got {probability!r}")
    nu = float(dof)
    log_norm = math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)

    def upper_tail(x: float) -> float:
        grid = np.linspace(0.0, x, 4001)
        density = np.exp(log_norm - (nu + 1) / 2 * np.log1p(grid**2 / nu))
        step = x / 4000
        integral = (
            step
            / 3
            * (density[0] + density[-1] + 4 * density[1:-1:2].sum() + 2 * density[2:-1:2].sum())
        )
        return 0.5 - integral

    tail = 1.0 - probability
    low, high = 0.0, 1.0
    while upper_tail(high) > tail:
        low, high = high, high * 2
    for _ in range(60):
        middle = (low + high) / 2
        if upper_tail(middle) > tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def adaptive_sampled_shapley(
    players: Iterable[str],
    cost_batch: Callable[[list[frozenset[str]]], Mapping[frozenset[str], float]],
    target_half_width: float,
    seed: int | None,
    confidence: float = 0.95,
    min_samples: int = 10,
    max_samples: int = 2000,
    cache: MutableMapping[frozenset[str], float] | None = None,
    progress: Callable[[int, float], None] | None = None,
    antithetic: bool = False,
    baseline: str | Sequence[float] | None = None,
    first_comer: float | None = None,
) -> Allocation:
    r"""Shapley value sampled until every player's interval is narrow enough.

    Random orders are drawn exactly as :func:`sampled_shapley` draws them (the first
    :math:`m` orders of a seed are the same), in rounds. The coalitions a round needs
    that are not yet known are handed to ``cost_batch`` all at once (so a caller can
    solve them in parallel); then every player's half-width is computed and sampling
    stops once all of them are at most ``target_half_width``.

    Half-widths: simultaneous over the :math:`n` players by Bonferroni, as in
    :func:`sampled_shapley`, but with Student's t quantile
    :math:`t_{m-1,\,1-(1-\text{confidence})/(2n)}` in place of the normal one, since the
    rule may stop after few orders, where the normal quantile with an estimated standard
    deviation is too narrow. The coverage is still approximate (the marginals are not
    normal, and stopping on an estimated variance biases it slightly); ``min_samples``
    keeps the variance estimate from resting on a handful of orders.

    Antithetic orders (``antithetic``): each random order is followed by its reverse,
    and the sample unit is the pair, whose marginals are averaged. A player's marginal
    early in an order and late in the reversed one tend to move oppositely (a cost game
    with economies of scale charges the first comers most), so a pair's average varies
    less than two independent orders' would; the pairs are independent, so the interval
    above holds with :math:`m` the number of pairs. ``info["plain_orders_needed"]`` and
    ``info["orders_needed"]`` then say how many orders independent orders and this
    design would need for the target, both estimated from this run's marginals with
    the normal quantile (so that they compare).

    Size baseline (``baseline``), a control variate: a function :math:`g` of coalition
    size with :math:`g(0) = 0` is the cost game :math:`g(|S|)`, whose Shapley value is
    :math:`g(n)/n` for every player and whose marginal at position :math:`k` of an order
    is :math:`g(k) - g(k-1)`. Each sampled marginal is replaced by
    :math:`\Delta_i - (g(k) - g(k-1)) + g(n)/n`: the same mean (so the estimate stays
    unbiased, and still adds up to :math:`c(N)` in every order), but where costs grow
    with size as :math:`g` does (economies of scale: the first comer opens the hubs) the
    position effect leaves the variance. ``baseline`` is :math:`g(0..n)` as a sequence,
    fixed for the whole run, or ``"sizes"``: each round uses the mean cost of each size
    among the coalitions of the earlier rounds' orders (fixed before the round is drawn,
    so each order's term stays unbiased); the first round, given ``first_comer``
    (:math:`F`, what any coalition pays before its first tonne, such as the intercept
    of stand-alone costs against volumes), the line :math:`g(k) = F + (c(N) - F) k/n`,
    else a power law through the mean stand-alone cost and :math:`c(N)` (both from
    ``cache``; no baseline if they are not there).
    ``info["orders_needed_without_baseline"]`` says what the same run would have needed
    without it (normal quantile).

    Round sizes: the first round draws ``min_samples`` orders; each later one draws the
    orders the current standard deviations say are still missing: the fewest
    :math:`k` with :math:`\max_i t_{k-1}\, s_i / \sqrt{k} \le h`, less :math:`m`
    (at least a tenth of :math:`m`, so that rounds do not crawl one order at a time,
    and at most :math:`m`, so the sample at most doubles per round).

    Parameters
    ----------
    players
        Player ids.
    cost_batch
        Given a list of coalitions, returns their costs (a mapping holding at least
        those coalitions). Never asked for the empty coalition, nor twice for one.
    target_half_width
        Stop when every half-width is at most this (in cost units), > 0.
    seed
        Seed for ``numpy.random.default_rng``.
    confidence
        Simultaneous coverage, in (0, 1).
    min_samples, max_samples
        Fewest orders before the rule may stop (>= 2), and most orders drawn (the rule
        then stops with the target unmet, ``info["target_met"] = 0``); with
        ``antithetic``, pairs of orders.
    cache
        Coalition costs already known, read and extended as in :func:`sampled_shapley`.
    progress
        Called as ``progress(units, widest_half_width)`` after each round (units: orders,
        or pairs of orders).
    antithetic
        Draw orders in antithetic pairs (see above).
    baseline
        Size baseline (see above): ``None``, ``"sizes"`` or :math:`g(0), ..., g(n)`.
    first_comer
        With ``"sizes"``: :math:`F` of the first round's baseline (see above).

    Returns
    -------
    Allocation
        Method ``shapley_sampled``, status ``estimated``; ``info`` holds
        ``target_half_width``, ``target_met``, ``rounds``, ``quantile``,
        ``max_half_width``, ``antithetic``, ``orders_needed`` and
        ``plain_orders_needed``; ``samples``
        counts orders (two per antithetic pair).
    """
    players = tuple(players)
    if not players:
        raise GameError("players: expected at least one player id, got none")
    if len(set(players)) != len(players):
        raise GameError("players: expected unique ids, got duplicates")
    if min_samples < 2 or max_samples < min_samples:
        raise GameError(
            f"min_samples, max_samples: expected 2 <= min <= max, got {min_samples}, {max_samples}"
        )
    if not target_half_width > 0:
        raise GameError(f"target_half_width: expected > 0, got {target_half_width!r}")
    if not 0.0 < confidence < 1.0:
        raise GameError(f"confidence: expected a number in (0, 1), got {confidence!r}")
    n = len(players)
    store = cache if cache is not None else {}
    evaluated = 0
    rng = np.random.default_rng(seed)
    singles: list[np.ndarray] = []  # one marginal row per order
    rows: list[np.ndarray] = []  # one per sample unit: an order, or a pair's mean
    tail = 1.0 - (1.0 - confidence) / (2 * n)
    rounds = 0
    draw = min_samples
    raw: list[np.ndarray] = []  # the same marginals without the baseline
    by_size: list[list[float]] = [[] for _ in range(n + 1)]
    g = _first_baseline(baseline, players, store, first_comer)
    while True:
        orders = [rng.permutation(n) for _ in range(draw)]
        if antithetic:
            orders = [o for order in orders for o in (order, order[::-1])]
        chains = []
        for order in orders:
            chain, members = [], []
            for i in order:
                members.append(players[int(i)])
                chain.append(frozenset(members))
            chains.append(chain)
        missing = list(dict.fromkeys(c for chain in chains for c in chain if c not in store))
        if missing:
            costs = cost_batch(missing)
            for coalition in missing:
                value = float(costs[coalition])
                if not math.isfinite(value):
                    raise GameError(
                        f"cost_batch: expected a finite cost for "
                        f"{label(coalition, players)}, got {value!r}"
                    )
                store[coalition] = value
            evaluated += len(missing)
        for order, chain in zip(orders, chains, strict=True):
            row = np.empty(n)
            previous = 0.0
            for i, coalition in zip(order, chain, strict=True):
                value = float(store[coalition])
                row[int(i)] = value - previous
                previous = value
                by_size[len(coalition)].append(value)
            raw.append(row)
            # position k of player order[k-1]: g(k) - g(k-1), then g(n)/n back
            shift = np.empty(n)
            shift[order] = np.diff(g)
            singles.append(row - shift + g[n] / n)
        if isinstance(baseline, str):  # the next round's, from the sizes seen so far
            g = np.asarray([0.0] + [float(np.mean(v)) for v in by_size[1:]])
        rows = (
            singles
            if not antithetic
            else [(singles[k] + singles[k + 1]) / 2 for k in range(0, len(singles), 2)]
        )
        rounds += 1
        m = len(rows)
        marginals = np.asarray(rows)
        std_errors = marginals.std(axis=0, ddof=1) / math.sqrt(m)
        quantile = student_t_quantile(tail, m - 1)
        half_widths = quantile * std_errors
        widest = float(half_widths.max())
        if progress is not None:
            progress(m, widest)
        met = widest <= target_half_width
        if met or m >= max_samples:
            break
        deviations = float((std_errors * math.sqrt(m)).max())
        needed = _units_needed(deviations, target_half_width, tail, m, max_samples)
        draw = min(max(needed - m, math.ceil(m / 10)), m, max_samples - m)
    # orders each design needs for the target, by the normal quantile (comparable)
    z = NormalDist().inv_cdf(tail)

    def needed(deviations: np.ndarray) -> int:
        return math.ceil(float((z * deviations / target_half_width).max()) ** 2)

    plain_needed = needed(np.asarray(singles).std(axis=0, ddof=1))
    unit_needed = needed(std_errors * math.sqrt(m))
    raw_needed = needed(np.asarray(raw).std(axis=0, ddof=1))
    return Allocation(
        "shapley_sampled",
        players,
        tuple(marginals.mean(axis=0).tolist()),
        status="estimated",
        std_errors=tuple(std_errors.tolist()),
        half_widths=tuple(half_widths.tolist()),
        confidence=confidence,
        samples=len(singles),
        seed=seed,
        coalitions_evaluated=evaluated,
        info={
            "quantile": quantile,
            "target_half_width": float(target_half_width),
            "target_met": float(met),
            "rounds": float(rounds),
            "max_half_width": widest,
            "antithetic": float(antithetic),
            "plain_orders_needed": float(plain_needed),
            "orders_needed": float(unit_needed * (2 if antithetic else 1)),
            "orders_needed_without_baseline": float(raw_needed),
            "baseline": 0.0 if baseline is None else 1.0,
        },
    )


def _units_needed(deviation: float, target: float, tail: float, m: int, most: int) -> int:
    r"""Fewest units :math:`k > m` with :math:`t_{k-1}\, s / \sqrt{k} \le` target.

    The quantile is the one the rule will use at :math:`k` units, not the current one
    (at 5 orders and 40 players :math:`t_4 = 8.6` against :math:`t_{9} = 4.8`), so that
    a round is not sized by the widest quantile of the first. The search starts where
    the normal quantile (smaller than every t quantile) says, so it takes few steps.
    """
    normal = (NormalDist().inv_cdf(tail) * deviation / target) ** 2
    k = max(m + 1, math.ceil(normal) if math.isfinite(normal) else most)
    while k < most and student_t_quantile(tail, k - 1) * deviation / math.sqrt(k) > target:
        k += 1
    return min(k, most)


def _first_baseline(baseline, players: tuple[str, ...], known, first_comer=None) -> np.ndarray:
    """:math:`g(0..n)` of the first round (zeros: no baseline)."""
    n = len(players)
    if baseline is None:
        return np.zeros(n + 1)
    if not isinstance(baseline, str):
        g = np.asarray(baseline, dtype=np.float64)
        if g.shape != (n + 1,) or g[0] != 0.0 or not np.isfinite(g).all():
            raise GameError(
                f"baseline: expected {n + 1} finite costs g(0..n) with g(0) = 0, got {baseline!r}"
            )
        return g
    if baseline != "sizes":
        raise GameError(f"baseline: expected None, 'sizes' or g(0..n), got {baseline!r}")
    singles = [known.get(frozenset([p])) for p in players]
    grand = known.get(frozenset(players))
    if grand is not None and first_comer is not None and math.isfinite(first_comer):
        sizes = np.arange(1, n + 1)
        return np.concatenate(([0.0], first_comer + (grand - first_comer) * sizes / n))
    if n < 2 or grand is None or any(c is None for c in singles):
        return np.zeros(n + 1)
    alone = float(np.mean(singles))
    if alone <= 0 or grand <= 0:
        return np.zeros(n + 1)
    power = math.log(grand / alone) / math.log(n)
    return np.asarray([0.0] + [alone * k**power for k in range(1, n + 1)])


def first_comer_cost(
    players: Sequence[str],
    known: Mapping[frozenset[str], float],
    volumes: Mapping[str, float],
) -> float | None:
    """What a coalition pays before its first tonne, estimated from stand-alone costs.

    The intercept of stand-alone costs against the players' volumes (least squares),
    within [0, the least stand-alone cost]: the ``first_comer`` of
    :func:`adaptive_sampled_shapley`'s first-round baseline (a control variate: any value
    keeps the estimate unbiased; a good one narrows it).

    Parameters
    ----------
    players
        Player ids.
    known
        Coalition costs solved so far (the stand-alone ones are read).
    volumes
        Each player's volume (tonnes); a missing one counts as 0.

    Returns
    -------
    float or None
        The intercept, or ``None`` with fewer than 3 players, a stand-alone cost not yet
        known, or volumes all equal.
    """
    alone = [known.get(frozenset([f])) for f in players]
    if len(players) < 3 or any(c is None for c in alone):
        return None
    x = np.asarray([volumes.get(f, 0.0) for f in players])
    if np.ptp(x) <= 0:
        return None
    _, intercept = np.polyfit(x, np.asarray(alone), 1)
    return float(min(max(intercept, 0.0), max(min(alone), 0.0)))
