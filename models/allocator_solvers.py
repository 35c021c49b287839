"""How the allocator finds its optimum: exact multipliers if concave, a grid greedy for S-curves.

``models.allocator`` states the problem and why each method; this module
solves it for the decision cells (allocated channels x months) and revenue
weights per cell (currency of value per unit of attributed revenue):

* ``free(weight)``: per cell the spend maximising weight x revenue - spend,
  each channel within its yearly minimum and maximum and monthly caps;
* ``fixed(weight, budget)``: the same with the cells' spend summing to
  ``budget``; also returns the budget's price, the marginal contribution
  of its last unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, log_expit

from models.curves import hill_marginal, hill_revenue

GRID_POINTS = 160
_MOST = 1e15  # a cap or maximum too large to matter, as a finite number of cents
_FIRST = 1e300  # the contribution that puts a forced step before every other
# Prices are searched on a log scale between e^-60 and e^60.
LOG_RANGE = 60.0


@dataclass(frozen=True)
class Cells:
    """The decision cells (allocated channels x months), flattened, and their limits."""

    channel: np.ndarray  # (n,) position among the allocated channels
    month: np.ndarray  # (n,) fiscal month
    beta: np.ndarray
    k: np.ndarray
    s: np.ndarray
    value: np.ndarray  # CM2 per unit of revenue (w)
    net: np.ndarray  # net sales per unit of revenue (1 - return rate)
    cap: np.ndarray  # monthly cap (inf without one)
    planned: np.ndarray
    lower: np.ndarray  # (channels,) yearly minimum
    upper: np.ndarray  # (channels,) yearly maximum (inf without one)

    @property
    def count(self) -> int:
        return int(self.upper.size)

    def totals(self, spend: np.ndarray) -> np.ndarray:
        total: np.ndarray = np.bincount(self.channel, weights=spend, minlength=self.count)
        return total

    def revenue(self, spend: np.ndarray) -> np.ndarray:
        return hill_revenue(spend, self.beta, self.k, self.s)

    def marginal(self, spend: np.ndarray) -> np.ndarray:
        return hill_marginal(spend, self.beta, self.k, self.s)

    @property
    def room(self) -> np.ndarray:
        """The most each channel can spend in the year: its maximum or its caps' sum."""
        room: np.ndarray = np.minimum(self.upper, self.totals(self.cap))
        return room


class Solver:
    """Best spend of the cells for revenue weights: a free budget, or a fixed one."""

    def free(self, weight: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def fixed(self, weight: np.ndarray, budget: float) -> tuple[np.ndarray, float]:
        raise NotImplementedError


class Exact(Solver):
    """Concave curves (s <= 1): spend where each month's marginal contribution equals a price."""

    def __init__(self, cells: Cells) -> None:
        self.cells = cells
        self.members = [np.flatnonzero(cells.channel == c) for c in range(cells.count)]

    def spend_at(
        self, price: np.ndarray | float, weight: np.ndarray, where: np.ndarray | None = None
    ) -> np.ndarray:
        """Per cell (or the cells ``where``), the spend maximising weight * revenue - price * spend.

        That is where weight * revenue'(x) = price, within 0 and the cap; 0
        where revenue is worth nothing (weight or beta <= 0).
        """
        c = self.cells
        index = slice(None) if where is None else where
        beta, k, s, cap = c.beta[index], c.k[index], c.s[index], c.cap[index]
        weight = np.broadcast_to(weight, beta.shape)
        price = np.broadcast_to(price, beta.shape)
        useful = (weight > 0) & (beta > 0)
        wanted = np.where(useful, price / np.where(useful, weight, 1.0), np.inf)
        spend = np.zeros(beta.shape)
        plain = useful & (s == 1)
        spend[plain] = np.sqrt(beta[plain] * k[plain] / wanted[plain]) - k[plain]
        curved = useful & (s < 1)
        if curved.any():
            spend[curved] = _inverse_marginal(wanted[curved], beta[curved], k[curved], s[curved])
        result: np.ndarray = np.clip(spend, 0.0, cap)
        return result

    def _channel_price(self, weight: np.ndarray, channel: int, total: float) -> float:
        """The price at which ``channel`` spends ``total`` in the year (spend falls as it rises)."""
        where = self.members[channel]

        def excess(log_price: float) -> float:
            return float(self.spend_at(math.exp(log_price), weight[where], where).sum()) - total

        # Prices around the channel's own weights: a price far below them buys everything
        # the caps allow, far above them nothing.
        centre = math.log(max(float(weight[where].max()), 1e-300))
        low, high = centre - LOG_RANGE, centre + LOG_RANGE
        if excess(low) <= 0:
            return math.exp(low)
        if excess(high) >= 0:
            return math.exp(high)
        return math.exp(brentq(excess, low, high, xtol=1e-12))

    def _bound_prices(self, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per channel, the price range within which its yearly minimum and maximum hold.

        Below ``low`` the channel would spend more than its maximum, above
        ``high`` less than its minimum (its spend falls as its price rises).
        """
        c = self.cells
        low = np.zeros(c.count)
        high = np.full(c.count, np.inf)
        for channel in range(c.count):
            if math.isfinite(c.upper[channel]):
                low[channel] = self._channel_price(weight, channel, c.upper[channel])
            if c.lower[channel] > 0:
                high[channel] = self._channel_price(weight, channel, c.lower[channel])
        return low, np.maximum(high, low)

    def _fill_minimums(self, spend: np.ndarray) -> np.ndarray:
        """Channels below their minimum even at the lowest price (revenue worth nothing to them):
        the shortfall spread over their months' remaining room."""
        c = self.cells
        short = c.lower - c.totals(spend)
        for channel in np.flatnonzero(short > 1e-9 * np.maximum(c.lower, 1.0)):
            where = self.members[channel]
            spend[where] = _spread(spend[where], c.cap[where], float(short[channel]))
        return spend

    def free(self, weight: np.ndarray) -> np.ndarray:
        """Each month where its marginal contribution is 1; channels outside their yearly
        limits at the price that brings them to the limit."""
        c = self.cells
        spend = self.spend_at(np.ones(c.beta.shape), weight)
        totals = c.totals(spend)
        for channel in range(c.count):
            if totals[channel] > c.upper[channel]:
                bound = float(c.upper[channel])
            elif totals[channel] < c.lower[channel]:
                bound = float(c.lower[channel])
            else:
                continue
            where = self.members[channel]
            price = self._channel_price(weight, channel, bound)
            spend[where] = self.spend_at(price, weight[where], where)
        return self._fill_minimums(spend)

    def fixed(self, weight: np.ndarray, budget: float) -> tuple[np.ndarray, float]:
        """One price for the budget, each channel's clipped to its limits' range, by Brent's
        method until the budget is spent."""
        c = self.cells
        low, high = self._bound_prices(weight)

        def spend(log_price: float) -> np.ndarray:
            price = np.clip(math.exp(log_price), low, high)[c.channel]
            return self.spend_at(price, weight)

        def excess(log_price: float) -> float:
            return float(spend(log_price).sum()) - budget

        if excess(-LOG_RANGE) <= 0:
            # Even at the lowest price the curves take less than the budget: the
            # rest goes where there is room (revenue there is worth nothing more).
            result = self._fill_minimums(spend(-LOG_RANGE))
            return _spread_budget(result, c, budget), 0.0
        if excess(LOG_RANGE) >= 0:
            return self._fill_minimums(spend(LOG_RANGE)), math.exp(LOG_RANGE)
        log_price = brentq(excess, -LOG_RANGE, LOG_RANGE, xtol=1e-13, rtol=1e-14)
        result = self._fill_minimums(spend(log_price))
        return _spread_budget(result, c, budget), math.exp(log_price)


def _inverse_marginal(
    wanted: np.ndarray, beta: np.ndarray, k: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """The spend x > 0 where revenue'(x) = ``wanted``, for shapes s < 1 (revenue'(0) is infinite).

    Newton's method on y = log x: h(y) = log revenue'(e^y) - log wanted is
    decreasing and concave, so from the first step on the iterates approach
    the root from the right and converge without overshooting.
    """
    log_k = np.log(k)
    target = np.log(wanted) - np.log(beta * s)
    y = log_k.copy()
    for _ in range(100):
        z = s * (y - log_k)
        h = -y + log_expit(z) + log_expit(-z) - target
        slope = -1.0 + s * (1.0 - 2.0 * expit(z))
        step = h / slope
        y = y - step
        if np.all(np.abs(step) < 1e-13 * np.maximum(1.0, np.abs(y))):
            break
    result: np.ndarray = np.exp(y)
    return result


def _spread(spend: np.ndarray, cap: np.ndarray, amount: float) -> np.ndarray:
    """``amount`` more spend spread evenly over cells with room below their caps."""
    spend = spend.copy()
    for _ in range(spend.size):
        room = cap - spend
        open_cells = room > 0
        if amount <= 0 or not open_cells.any():
            break
        share = amount / open_cells.sum()
        added = np.where(open_cells, np.minimum(room, share), 0.0)
        spend += added
        amount -= float(added.sum())
    return spend


def _spread_budget(spend: np.ndarray, cells: Cells, budget: float) -> np.ndarray:
    """What a fixed budget still has unspent, over cells and channels with room."""
    missing = budget - float(spend.sum())
    if missing <= 1e-9 * max(budget, 1.0):
        return spend
    headroom = cells.upper - cells.totals(spend)
    for channel in range(cells.count):
        if missing <= 0:
            break
        where = np.flatnonzero(cells.channel == channel)
        amount = min(missing, float(headroom[channel]))
        if amount > 0:
            before = float(spend[where].sum())
            spend[where] = _spread(spend[where], cells.cap[where], amount)
            missing -= float(spend[where].sum()) - before
    return spend


class Grid(Solver):
    """Any S-curve (s > 1): steps of spend on each month's concave envelope, bought greedily."""

    def __init__(self, cells: Cells, top: np.ndarray) -> None:
        self.cells = cells
        s, k = cells.s, cells.k
        with np.errstate(divide="ignore", invalid="ignore"):
            best_average = np.where(s > 1, k * np.maximum(s - 1.0, 0.0) ** (1.0 / s), 0.0)
        start = np.minimum(np.where(s > 1, best_average, k * 1e-3), top)
        start = np.where(start > 0, start, top)
        steps = np.linspace(0.0, 1.0, GRID_POINTS)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(start > 0, top / start, 1.0)
        points = start[:, None] * ratio[:, None] ** steps[None, :]
        values = hill_revenue(points, cells.beta[:, None], k[:, None], s[:, None])
        dx = np.diff(points, axis=1, prepend=0.0)
        dv = np.diff(values, axis=1, prepend=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(dx > 0, dv / dx, 0.0)
        self.start = start
        self.cell = np.repeat(np.arange(cells.beta.size), GRID_POINTS)
        self.first = np.tile(np.arange(GRID_POINTS) == 0, cells.beta.size)
        self.dx = dx.ravel()
        self.slope = slope.ravel()
        self.segment_channel = cells.channel[self.cell]

    def _order(
        self, weight: np.ndarray, excluded: np.ndarray, forced: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Segments by channel, best marginal contribution first; that contribution; their size.

        An ``excluded`` cell offers no step; a ``forced`` cell's first step
        (up to an S-curve's best average return) comes before any other.
        """
        gain = weight[self.cell] * self.slope
        gain = np.where(forced[self.cell] & self.first, _FIRST, gain)
        dx = np.where(excluded[self.cell], 0.0, self.dx)
        order = np.lexsort((-gain, self.segment_channel))
        return order, gain, dx

    def _prefix(self, order: np.ndarray, wanted: np.ndarray, dx: np.ndarray) -> np.ndarray:
        """Per segment in ``order`` (grouped by channel), how much of it fills each channel's
        ``wanted`` total, best segments first."""
        channel = self.segment_channel[order]
        steps = dx[order]
        cumulative = np.cumsum(steps)
        starts = np.searchsorted(channel, np.arange(self.cells.count))
        before_channel = np.concatenate([[0.0], cumulative])[starts]
        before = cumulative - steps - before_channel[channel]
        taken = np.zeros_like(dx)
        taken[order] = np.clip(wanted[channel] - before, 0.0, steps)
        return taken

    def _spend(self, taken: np.ndarray) -> np.ndarray:
        spend = np.bincount(self.cell, weights=taken, minlength=self.cells.beta.size)
        capped: np.ndarray = np.minimum(spend, self.cells.cap)
        return capped

    def _free(self, weight: np.ndarray, excluded: np.ndarray, forced: np.ndarray) -> np.ndarray:
        c = self.cells
        order, gain, dx = self._order(weight, excluded, forced)
        paying = np.bincount(
            self.segment_channel, weights=np.where(gain > 1.0, dx, 0.0), minlength=c.count
        )
        wanted = np.clip(paying, c.lower, c.upper)
        return self._spend(self._prefix(order, wanted, dx))

    def _fixed(
        self, weight: np.ndarray, budget: float, excluded: np.ndarray, forced: np.ndarray
    ) -> tuple[np.ndarray, float]:
        c = self.cells
        order, gain, dx = self._order(weight, excluded, forced)
        minimum = self._prefix(order, c.lower, dx)
        rest = dx - minimum
        # The channel's remaining room, best segments first, then the budget across channels.
        allowed = self._prefix(order, c.upper - c.lower, rest)
        ranked = np.argsort(-gain, kind="stable")
        available = allowed[ranked]
        before = np.cumsum(available) - available
        left = budget - float(minimum.sum())
        bought = np.zeros_like(dx)
        bought[ranked] = np.clip(left - before, 0.0, available)
        last = ranked[np.flatnonzero((bought[ranked] > 0) & (gain[ranked] < _FIRST))]
        price = float(gain[last[-1]]) if last.size else 0.0
        spend = self._spend(minimum + bought)
        return _spread_budget(spend, c, budget), price

    def _repaired(
        self,
        weight: np.ndarray,
        run: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, float]],
    ) -> tuple[np.ndarray, float]:
        """The greedy's answer, or a better one where it stopped part-way up an S.

        The last step bought may end inside the chord from zero to an
        S-curve's best average return, where the curve lies below the chord.
        Both ways out are tried, leaving that month out or buying its whole
        chord first, and the best of the three is kept, a few times over.
        """
        c = self.cells
        excluded = np.zeros(c.beta.size, dtype=bool)
        forced = np.zeros(c.beta.size, dtype=bool)
        best = run(excluded, forced)

        def value(spend: np.ndarray) -> float:
            return float((weight * c.revenue(spend) - spend).sum())

        for _ in range(4):
            partial = (c.s > 1) & (best[0] > 0) & (best[0] < self.start * (1 - 1e-9))
            if not partial.any():
                break
            options = [(excluded | partial, forced), (excluded, forced | partial)]
            results = [(run(*option), option) for option in options]
            (candidate, option) = max(results, key=lambda item: value(item[0][0]))
            if value(candidate[0]) <= value(best[0]) or not self._within(candidate[0]):
                break
            best, (excluded, forced) = candidate, option
        return best

    def _within(self, spend: np.ndarray) -> bool:
        totals = self.cells.totals(spend)
        return bool((totals <= self.cells.upper * (1 + 1e-9) + 1e-6).all())

    def free(self, weight: np.ndarray) -> np.ndarray:
        return self._repaired(weight, lambda e, f: (self._free(weight, e, f), 1.0))[0]

    def fixed(self, weight: np.ndarray, budget: float) -> tuple[np.ndarray, float]:
        return self._repaired(weight, lambda e, f: self._fixed(weight, budget, e, f))


def to_cents(spend: np.ndarray, cells: Cells, budget: float | None) -> np.ndarray:
    """Spend rounded to cents, still within every cap, minimum, maximum and the budget.

    Each month is rounded down to the cent, then each channel's year (and a
    fixed budget) gets its missing cents back, one at a time, in the months
    with the largest remainders: no month moves by a cent or more, and the
    channel's year and the budget are kept to the cent.
    """
    exact = np.clip(spend, 0.0, cells.cap) * 100.0
    cap = np.floor(np.minimum(cells.cap, _MOST) * 100.0 + 1e-6)
    cents = np.minimum(np.floor(exact + 1e-6), cap)
    remainder = exact - cents
    lower = np.ceil(cells.lower * 100.0 - 1e-6)
    upper = np.floor(np.minimum(cells.upper, _MOST) * 100.0 + 1e-6)
    for channel in range(cells.count):
        where = np.flatnonzero(cells.channel == channel)
        wanted = min(max(round(float(exact[where].sum())), lower[channel]), upper[channel])
        missing = int(wanted - cents[where].sum())
        for cell in where[np.argsort(-remainder[where], kind="stable")]:
            if missing <= 0:
                break
            if cents[cell] < cap[cell]:
                cents[cell] += 1
                missing -= 1
    if budget is not None:
        drift = int(round(budget * 100.0) - cents.sum())
        totals = np.bincount(cells.channel, weights=cents, minlength=cells.count)
        step = 1 if drift > 0 else -1
        for _ in range(abs(drift)):
            room = (cents < cap) & (totals[cells.channel] < upper[cells.channel])
            if step < 0:
                room = (cents > 0) & (totals[cells.channel] > lower[cells.channel])
            if not room.any():
                break
            cell = int(np.argmax(np.where(room, step * remainder, -np.inf)))
            cents[cell] += step
            totals[cells.channel[cell]] += step
            remainder[cell] -= step
    result: np.ndarray = cents / 100.0
    return result
