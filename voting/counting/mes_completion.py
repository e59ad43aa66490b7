"""The completion of the Method of Equal Shares: the starting money raised step by step
until the outcome would overspend or nothing more fits, skipping the steps whose outcome
cannot differ (see :class:`voting.counting.mes_engine.MesEngine`)."""

import math
from fractions import Fraction

from voting.counting import mes_prices
from voting.counting.mes_engine import MesEngine
from voting.counting.mes_prices import _bits
from voting.counting.mes_prices import _Price
from voting.counting.mes_prices import _RIVAL
from voting.counting.mes_prices import _same_trace
from voting.counting.mes_prices import _UNAFFORDABLE


class Mes(MesEngine):
    """The Method of Equal Shares on one election: once, or completed."""

    def region_end(self, trace: list, b: Fraction) -> Fraction | None:
        """How far the starting money can grow from ``b`` before the run that
        produced ``trace`` at ``b`` may change: a value ``h`` such that every
        starting money in ``[b, h)`` has the same outcome, or None if there is
        no such end. Each inequality of the class docstring is written as
        ``v + s * (money - b) >= 0``, with ``v`` and the slope ``s`` in fixed
        point with error bounds, and ``h`` is a lower bound of the smallest
        root, so skipping up to ``h`` is safe."""
        # Long on purpose: one pass over the trace writes every inequality of the class
        # docstring in the order the run met them; the small helpers are closures so
        # that they share the fixed-point scale.
        shift = mes_prices._SHIFT
        one = 1 << shift
        bfp = (b.numerator << shift) // b.denominator
        cost, util, votes = self.cost, self.util, self.votes
        slope_t: dict[int, tuple[int, int]] = {}
        slope_T: dict[int, tuple[int, int]] = {0: (0, 0)}
        lower: dict[int, tuple[int, int, int, int]] = {}
        seen: dict[int, int] = {}
        nearest: list[int] = []  # [numerator, denominator] of the smallest root offset

        def need(v: int, ev: int, s: int, es: int) -> None:
            if s - es >= 0:
                return  # cannot decrease
            num, den = max(v - ev, 0), es - s
            if not nearest or num * nearest[1] < nearest[0] * den:
                nearest[:] = [num, den]

        def need_order(a: tuple, ua: int, c: tuple, uc: int) -> None:
            """price ``a`` per unit of utility ``ua`` >= price ``c`` per ``uc``."""
            need(
                a[0] * uc - c[0] * ua,
                a[1] * uc + c[1] * ua,
                a[2] * uc - c[2] * ua,
                a[3] * uc + c[3] * ua,
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

        def price(ev: _Price) -> tuple[int, int, int, int]:
            total = error = 0
            for K, n in ev.paying_all():
                T, e = slope_x(K)
                total += n * (one - T)
                error += n * e
            return (ev.tfp, ev.err, (-total) // ev.rich, error // ev.rich + 2)

        for q in trace[0]:  # out of reach: votes * money < cost
            need((cost[q] << shift) - votes[q] * bfp, votes[q], -votes[q] * one, 0)
        previous = None
        for r, looked in enumerate(trace[1:], start=1):
            bought = None
            rivals = []
            for ev in looked:
                q = ev.q
                if previous is not None and seen.get(q, 0) < r - 1:
                    old = lower.get(q) or ((cost[q] << shift) // votes[q], 1, 0, 0)
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
                    need(v, ev_, s, es)
                elif ev.kind == _RIVAL:
                    lower[q] = price(ev)
                    rivals.append(q)
                else:
                    t = price(ev)
                    poor = {ev.keys[i] for i in ev.poor}
                    for c in ev.classes():
                        x, e = value(c, ev)
                        T, te = slope_x(c[1])
                        if c[1] in poor or not c[0]:
                            need(t[0] - x, t[1] + e, t[2] - (one - T), t[3] + te)
                        else:
                            need(x - t[0], e + t[1], (one - T) - t[2], te + t[3])
                    bought = (q, t)
            if bought is None:
                break
            p, t = bought
            if previous is not None:
                need_order(t, util[p], previous[1], util[previous[0]])
            for q in rivals:
                need_order(lower[q], util[q], t, util[p])
            slope_t[p] = (t[2], t[3])
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


