"""The completion of the Method of Equal Shares: the starting money raised step by step
until the outcome would overspend or nothing more fits, skipping the steps whose outcome
cannot differ (see :class:`voting.counting.mes_engine.MesEngine`)."""

import math
from fractions import Fraction
from itertools import compress
from operator import not_

from voting.counting import mes_prices
from voting.counting.mes_engine import MesEngine
from voting.counting.mes_prices import _bits
from voting.counting.mes_prices import _Price
from voting.counting.mes_prices import _RIVAL
from voting.counting.mes_prices import _same_trace
from voting.counting.mes_prices import _UNAFFORDABLE


class _ExactLines:
    """The quantities of a trace at starting money ``b`` as exact affine functions
    of the starting money, each a pair ``(value at b, slope)`` of Fractions, for
    the inequalities of :meth:`Mes.region_end` that its fixed-point bounds cannot
    decide. An exact tie is one: its margin is exactly 0 and may stay so for good,
    which no error bound can tell from a margin about to turn negative.

    The rule, along a trace: a voter of pattern ``K`` holds ``b - T_K``, where
    ``T_K`` is the sum of the prices of the bought items in ``K``, or nothing
    (and keeps nothing) when that is negative: she paid all she had. Exactly 0
    is money that grows with the starting money (every slope ``1 - T_K'`` is at
    least 1, prices falling as the starting money grows). An item priced with a
    split costs ``(cost - money of those paying all they have or holding
    nothing) / (number paying the price)`` to each of the others: exact for the
    bought item while the split holds, and for a rival a lower bound of its
    price however the split changes. An item not priced yet costs at least its
    cost over its number of supporters. Each method returns an inequality's
    left side, which must stay ``>= 0``."""

    def __init__(self, b: Fraction, cost: list[int], votes: list[int]) -> None:
        self.b, self.cost, self.votes = b, cost, votes
        self.bought: dict[int, _Price] = {}  # item -> how it was bought, by :meth:`buy`
        self.prices: dict[_Price, tuple[Fraction, Fraction]] = {}
        self.totals: dict[int, tuple[Fraction, Fraction]] = {0: (Fraction(0), Fraction(0))}

    def buy(self, ev: _Price) -> None:
        """Record how an item was bought; its price is worked out only if asked for."""
        self.bought[ev.q] = ev

    def total(self, K: int) -> tuple[Fraction, Fraction]:
        """``T_K``: what a voter with pattern ``K`` has paid."""
        found = self.totals.get(K)
        if found is None:
            parts = [self.price(self.bought[p]) for p in _bits(K)]
            found = self.totals[K] = (sum(v for v, _s in parts), sum(s for _v, s in parts))
        return found

    def money(self, K: int) -> tuple[Fraction, Fraction]:
        """What a voter with pattern ``K`` holds."""
        value, slope = self.total(K)
        if value > self.b:
            return Fraction(0), Fraction(0)
        return self.b - value, 1 - slope

    def price(self, source: _Price | int) -> tuple[Fraction, Fraction]:
        """The price per payer of an item priced as ``source`` says, or the least
        price of item ``source`` (an int) if it was not priced."""
        if isinstance(source, int):
            return Fraction(self.cost[source], self.votes[source]), Fraction(0)
        found = self.prices.get(source)
        if found is None:
            value, slope = Fraction(self.cost[source.q]), Fraction(0)
            poor = {source.keys[i] for i in source.poor}
            for x, K, n in source.classes():
                if K in poor or not x:
                    x, xs = self.money(K)
                    value, slope = value - n * x, slope - n * xs
            found = self.prices[source] = (value / source.rich, slope / source.rich)
        return found

    def out_of_reach(self, q: int) -> tuple[Fraction, Fraction]:
        """Item ``q``'s supporters together start with less than its cost."""
        return self.cost[q] - self.votes[q] * self.b, Fraction(-self.votes[q])

    def unaffordable(self, ev: _Price) -> tuple[Fraction, Fraction]:
        """The supporters of the item priced as ``ev`` hold less than its cost."""
        value, slope = Fraction(self.cost[ev.q]), Fraction(0)
        for _x, K, n in ev.classes():
            x, xs = self.money(K)
            value, slope = value - n * x, slope - n * xs
        return value, slope

    def split(self, ev: _Price, K: int, pays_all: bool) -> tuple[Fraction, Fraction]:
        """A voter with pattern ``K`` holds at most the price of the item bought as
        ``ev`` if she pays all she has (``pays_all``), else at least that price."""
        t, ts = self.price(ev)
        x, xs = self.money(K)
        return (t - x, ts - xs) if pays_all else (x - t, xs - ts)

    def order(self, a, ua: int, c, uc: int) -> tuple[Fraction, Fraction]:
        """The price of ``a`` per unit of utility ``ua`` is at least that of ``c`` per
        ``uc`` (``a`` and ``c`` as :meth:`price` takes them)."""
        (av, as_), (cv, cs) = self.price(a), self.price(c)
        return av * uc - cv * ua, as_ * uc - cs * ua


class Mes(MesEngine):
    """The Method of Equal Shares on one election: once, or completed."""

    def region_end(self, trace: list, b: Fraction) -> Fraction | None:
        """How far the starting money can grow from ``b`` before the run that
        produced ``trace`` at ``b`` may change: a value ``h`` such that every
        starting money in ``[b, h)`` has the same outcome, or None if there is
        no such end. Each inequality of the class docstring is written as
        ``v + s * (money - b) >= 0``, with ``v`` and the slope ``s`` in fixed
        point with error bounds, and ``h`` is a lower bound of the smallest
        root, so skipping up to ``h`` is safe. Where the bounds cannot decide
        (the margin ``v`` may be 0 and the slope negative, as at an exact tie)
        the inequality is written again exactly (:class:`_ExactLines`) and its
        root, if any, is exact: a tie that holds for good ends nothing."""
        # Long on purpose: one pass over the trace writes every inequality of the class
        # docstring in the order the run met them; the small helpers are closures so
        # that they share the fixed-point scale.
        shift = mes_prices._SHIFT
        one = 1 << shift
        bfp = (b.numerator << shift) // b.denominator
        cost, util, votes = self.cost, self.util, self.votes
        slope_t: dict[int, tuple[int, int]] = {}
        slope_T: dict[int, tuple[int, int]] = {0: (0, 0)}
        lower: dict[int, tuple] = {}  # rival: its price as price() gives it
        seen: dict[int, int] = {}
        nearest: list[int] = []  # [numerator, denominator] of the smallest root offset
        lines = _ExactLines(b, cost, votes)
        paid_t: dict[int, tuple[int, int]] = {}  # bought item: its price, error bound
        growing: dict[int, bool] = {}

        def need(v: int, ev: int, s: int, es: int, exact, *args) -> None:
            """``v + s * (money - b) >= 0`` (``v`` within ``ev``, ``s`` within
            ``es``); ``exact(*args)``, the same exactly, when that cannot be told."""
            if s - es >= 0:
                return  # cannot decrease
            if v - ev > 0:
                num, den = v - ev, es - s
            else:
                value, slope = exact(*args)
                if slope >= 0:
                    return  # holds for good, if only just
                root = max(value, Fraction(0)) / -slope
                num, den = root.numerator, root.denominator
            if not nearest or num * nearest[1] < nearest[0] * den:
                nearest[:] = [num, den]

        def need_order(a: tuple, ua: int, c: tuple, uc: int) -> None:
            """price ``a`` per unit of utility ``ua`` >= price ``c`` per ``uc``
            (the fifth field of each says where the price came from)."""
            need(
                a[0] * uc - c[0] * ua,
                a[1] * uc + c[1] * ua,
                a[2] * uc - c[2] * ua,
                a[3] * uc + c[3] * ua,
                lines.order,
                a[4],
                ua,
                c[4],
                uc,
            )

        def slope_x(K: int) -> tuple[int, int]:
            """The slope of the total price per supporter paid by pattern ``K``."""
            found = slope_T.get(K)
            if found is None:
                s = e = 0
                for p in _bits(K):
                    s += slope_t[p][0]
                    e += slope_t[p][1]
                found = slope_T[K] = (s, e)
            return found

        def value(c: tuple, ev: _Price) -> tuple[int, int]:
            x = c[0]
            if isinstance(x, Fraction):
                return (x.numerator << shift) // x.denominator, 1
            return x, ev.merr

        def grows(K: int) -> bool:
            """Whether a voter of pattern ``K`` who holds nothing holds exactly 0,
            money that grows with the starting money, rather than having paid
            all she had (``b - T_K`` negative: she keeps nothing). Told in fixed
            point when far from 0, else exactly."""
            found = growing.get(K)
            if found is None:
                v, e = bfp, 1
                for p in _bits(K):
                    t, te = paid_t[p]
                    v, e = v - t, e + te
                found = growing[K] = v + e >= 0 and lines.money(K)[1] > 0
            return found

        def price(ev: _Price) -> tuple[int, int, int, int, _Price]:
            """The price of the item priced as ``ev``, its slope, and where it came
            from; those holding exactly 0 pay all they have, as it grows."""
            keys, numbers = ev.keys, ev.numbers
            zero = compress(range(len(keys)), map(not_, ev.money))
            paying = [*ev.poor, *(i for i in zero if grows(keys[i]))]
            total = error = 0
            for i in paying:
                T, e = slope_x(keys[i])
                total += numbers[i] * (one - T)
                error += numbers[i] * e
            return (ev.tfp, ev.err, (-total) // ev.rich, error // ev.rich + 2, ev)

        for q in trace[0]:  # out of reach: votes * money < cost
            v = (cost[q] << shift) - votes[q] * bfp
            need(v, votes[q], -votes[q] * one, 0, lines.out_of_reach, q)
        previous = None
        for r, looked in enumerate(trace[1:], start=1):
            bought = None
            rivals = []
            for ev in looked:
                q = ev.q
                if previous is not None and seen.get(q, 0) < r - 1:
                    old = lower.get(q) or ((cost[q] << shift) // votes[q], 1, 0, 0, q)
                    need_order(old, util[q], previous[1], util[previous[0]])
                seen[q] = r
                # Classes with nothing left count too: money is never negative, so
                # theirs is exactly 0 here and may grow with the starting money.
                if ev.kind == _UNAFFORDABLE:
                    v, ev_, s, es = cost[q] << shift, 0, 0, 0
                    for c in ev.classes():
                        x, e = value(c, ev)
                        T, te = slope_x(c[1])
                        n = c[2]
                        v -= n * x
                        ev_ += n * e
                        s -= n * (one - T)
                        es += n * te
                    need(v, ev_, s, es, lines.unaffordable, ev)
                elif ev.kind == _RIVAL:
                    lower[q] = price(ev)
                    rivals.append(q)
                else:
                    t = price(ev)
                    poor = {ev.keys[i] for i in ev.poor}
                    for c in ev.classes():
                        x, e = value(c, ev)
                        T, te = slope_x(c[1])
                        pays_all = c[1] in poor or not c[0]
                        if pays_all:
                            v, s = t[0] - x, t[2] - (one - T)
                        else:
                            v, s = x - t[0], (one - T) - t[2]
                        need(v, t[1] + e, s, t[3] + te, lines.split, ev, c[1], pays_all)
                    bought = (q, t)
            if bought is None:
                break
            p, t = bought
            if previous is not None:
                need_order(t, util[p], previous[1], util[previous[0]])
            for q in rivals:
                need_order(lower[q], util[q], t, util[p])
            slope_t[p], paid_t[p] = (t[2], t[3]), (t[0], t[1])
            lines.buy(t[4])
            previous = bought
        if not nearest:
            return None
        return b + Fraction(nearest[0], nearest[1])

    # -- the rule ------------------------------------------------------------------

    def reachable(self, b: Fraction) -> int:
        """The items whose supporters together start with at least their cost
        (a bit mask): only those can be bought with starting money ``b``."""
        return sum(
            1 << q
            for q in range(self.m)
            if self.votes[q] * b.numerator >= self.cost[q] * b.denominator
        )

    def once(self, envelope: int) -> list[int]:
        """MES with starting money ``envelope / n``."""
        if not self.n or not self.m:
            return []
        return self.run(Fraction(envelope, self.n))[0]

    def complete(self, envelope: int, increment: Fraction) -> list[int]:
        """MES with the starting money raised by ``increment`` per step, as
        described in :func:`equal_shares` (without the final greedy fill)."""
        if not self.n or not self.m:
            return []
        cost = self.cost
        start = Fraction(envelope, self.n)
        previous: list[int] = []
        previous_trace = None
        skipping = True  # whether the last region computed let steps be skipped
        k = 0
        while True:
            b = start + k * increment
            chosen, trace = self.run(b, want_trace=True)
            spent = sum(cost[q] for q in chosen)
            if spent > envelope:
                return previous
            left = envelope - spent
            taken = set(chosen)
            if all(cost[q] > left for q in range(self.m) if q not in taken):
                return chosen
            following = k + 1
            if skipping or _same_trace(trace, previous_trace):
                end = self.region_end(trace, b)
                if end is not None:
                    following = max(following, math.ceil((end - start) / increment))
                skipping = following > k + 1
            previous, previous_trace = chosen, trace
            k = following
