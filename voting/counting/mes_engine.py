"""One run of the Method of Equal Shares at a given starting money, exact and fast.

The class docstring explains how: grouping, laziness, exactness, and the trace from
which :mod:`voting.counting.mes_completion` works out how many steps it may skip.
"""

import heapq
from bisect import bisect_left
from fractions import Fraction
from itertools import accumulate
from itertools import compress
from itertools import repeat
from operator import is_
from operator import itemgetter
from operator import mul
from operator import not_

from voting.counting import mes_prices
from voting.counting.mes_groups import MesGroups
from voting.counting.mes_prices import _bits
from voting.counting.mes_prices import _BOUGHT
from voting.counting.mes_prices import _by_item
from voting.counting.mes_prices import _Hist
from voting.counting.mes_prices import _Price
from voting.counting.mes_prices import _RIVAL


class MesEngine(MesGroups):
    """The Method of Equal Shares on one election, for any starting money.

    Grouping. A voter's money left is ``b - T`` (or 0 once that is not
    positive), where ``b`` is the starting money and ``T`` the sum of the
    per-supporter prices of the bought items she approves. So voters who
    approve the same bought items (the same *pattern*, a bit mask) hold the
    same money, and an item's price only depends on how many of its
    supporters have each pattern (its histogram). Ballots are grouped once;
    each item's supporters are grouped by their approvals among the items
    that may be bought (:meth:`focus`), and its histogram is derived from
    that when the item is priced.

    Laziness. An item's price can only rise from round to round (money only
    decreases), so a round prices items in the order of their last prices
    and stops as soon as the next last price exceeds the best price found;
    items whose supporters start with less than their cost are never priced.

    Exactness. Money is held in fixed point (``2**128`` units per currency
    unit) together with a bound on the rounding error of all values. Every
    decision (who pays all she has, whether an item is affordable, which
    item is cheapest) is taken in fixed point only when its margin exceeds
    the error bound; otherwise that item is priced again with
    ``fractions.Fraction``, the exact prices of the items bought so far
    being recomputed from the recorded decisions. So every decision is the
    exact one, and ties go to the smallest item id as text, as in pabutools.

    Skipping steps of the completion. A run's trace lists, per round, every
    item priced, who paid all she had, and the item bought. Along a trace,
    every quantity is an affine function of the starting money ``b``, and a
    run has the trace's outcome whenever these affine inequalities hold: the
    bought item's price per unit of utility is at most every other priced
    item's (a price computed with any split into payers in full and others
    is a lower bound of the true price, so the others' splits need not
    hold; a voter who holds exactly 0 counts as a payer in full, her money
    growing with the starting money); the bought item's payers in full hold
    at most its price and the others at least; unaffordable items stay so;
    prices per unit of utility do not fall from round to round; and an
    item's last price exceeds the best price of the rounds in which it was
    not priced. They all hold at the ``b`` of the run, so :meth:`region_end`
    finds, from their values and slopes, a point up to which they keep
    holding (deciding exactly those too tight for fixed point, such as exact
    ties), and the completion resumes at the first step beyond it. The
    result is that of the step-by-step procedure; the interval is worked out
    when it is likely to pay off (two consecutive steps with the same trace,
    or the last interval let steps be skipped).
    """


    # -- one run -------------------------------------------------------------------

    def run(self, b: Fraction, want_trace: bool = False) -> tuple[list[int], list | None]:
        """MES with starting money ``b`` per voter: the items bought, in order,
        and the trace (see the class docstring) if asked for."""
        # Long on purpose: this is the hot loop of equal shares (a million ballots are
        # counted through it), so its helpers are closures over local names rather than
        # methods; the exact definition it must agree with is equal_shares_reference.py.
        shift = mes_prices._SHIFT
        bfp = (b.numerator << shift) // b.denominator
        cost, util, votes = self.cost, self.util, self.votes
        m = self.m
        if not self.supp:
            self.focus(self.reachable(b))
        tfp = [0] * m  # the price per supporter of each item bought, in fixed point
        tfp_item = tfp.__getitem__
        bits_of = self.bits_of
        money: dict[int, int] = {}  # money left by pattern, in fixed point
        money_get = money.get
        error = 1  # bounds the error of every fixed-point money value
        exact_t: dict[int, Fraction] = {}
        exact_T: dict[int, Fraction] = {}
        paid_by: dict[int, tuple[list, int]] = {}
        selected: list[int] = []
        done = 0
        funded = 0
        dead = [False] * m
        version = [0] * m
        heap = list(self.heap0)
        pop, push = heapq.heappop, heapq.heappush
        fresh: dict = {}
        histogram = self._histogram

        def exact_all() -> None:
            nonlocal done
            while done < len(selected):
                p = selected[done]
                if p not in exact_t:
                    poor, rich = paid_by[p]
                    paid = sum((n * (b - T_exact(K)) for K, n in poor), Fraction(0))
                    exact_t[p] = (cost[p] - paid) / rich
                done += 1

        def T_exact(K: int) -> Fraction:
            found = exact_T.get(K)
            if found is None:
                found = exact_T[K] = sum((exact_t[p] for p in _bits(K)), Fraction(0))
            return found

        def money_of(K: int) -> int:
            """Money left to a voter with pattern ``K``, exactly, for when it is
            too close to 0 to tell: 0 if none, else rounded down to fixed point
            but at least 1 (so that it still counts as some money)."""
            exact_all()
            x = b - T_exact(K)
            return max((x.numerator << shift) // x.denominator, 1) if x > 0 else 0

        def price(q: int, h: _Hist) -> _Price:
            keys, numbers = h.keys, h.numbers
            xs = list(map(money_get, keys))
            if None in xs:
                for i in compress(range(len(xs)), map(is_, xs, repeat(None))):
                    K = keys[i]
                    bits = bits_of.get(K)
                    if bits is None:
                        bits = bits_of[K] = _bits(K)
                    x = bfp - sum(map(tfp_item, bits))
                    if x <= error:
                        x = money_of(K) if x >= -error else 0
                    money[K] = xs[i] = x
            need = cost[q] << shift
            if h.shape is not None:
                # Who paid all she had the last time this item was priced with
                # these patterns (usually at a nearby starting money)? If
                # that split still holds, it gives the price.
                zero, poor, rich_idx, rich, live = h.shape
                if not any(map(xs.__getitem__, zero)):
                    px = list(map(xs.__getitem__, poor))
                    if all(px):
                        margin = error * live
                        num = need - sum(map(mul, map(numbers.__getitem__, poor), px))
                        t = num // rich
                        slack = margin // rich + 2  # bounds |t - price|
                        if (not px or max(px) + error + slack < t) and min(
                            map(xs.__getitem__, rich_idx)
                        ) - error - slack >= t:
                            return _Price(
                                q, h, xs, error, poor, rich, False, None, t, slack, util[q]
                            )
            total = sum(map(mul, numbers, xs))
            live = sum(compress(numbers, xs))
            margin = error * live  # bounds the error of any sum of these classes' money
            if total + margin < need:
                return _Price(q, h, xs, error, None, live)
            if total - margin < need:
                return price_exact(q, h)
            # Sort the supporters by money: those who hold less than the price
            # pay all they have, the others pay the price. If the poorest j
            # pay all, the price is (need - paid[j]) / (live - count[j]); once
            # the j-th holds at least that, so do all after her (a textbook
            # property), so the cut is found by bisection.
            # (The last order, when there is one, is nearly right: sorting it
            # again is quick. Those with no money come first.)
            h.order = sorted(h.order or range(len(xs)), key=xs.__getitem__)
            order = h.order[xs.count(0) :]
            money_sorted = list(map(xs.__getitem__, order))
            numbers_sorted = list(map(numbers.__getitem__, order))
            paid = list(accumulate(map(mul, numbers_sorted, money_sorted), initial=0))
            count = list(accumulate(numbers_sorted, initial=0))

            def pays_price(j: int) -> bool:
                return money_sorted[j] * (live - count[j]) >= need - paid[j]

            cut = bisect_left(range(len(order)), True, key=pays_price)
            # Make sure of the two decisions that settle all the others.
            if cut < len(order):
                if (need - paid[cut]) - money_sorted[cut] * (live - count[cut]) + margin > 0:
                    return price_exact(q, h)
            if cut:
                j = cut - 1
                if (need - paid[j]) - money_sorted[j] * (live - count[j]) - margin <= 0:
                    return price_exact(q, h)
            rich = live - count[cut]
            num = need - paid[cut]
            poor = order[:cut]
            h.shape = (
                list(compress(range(len(xs)), map(not_, xs))), poor, order[cut:], rich, live,
            )
            return _Price(
                q, h, xs, error, poor, rich, False, None, num // rich, margin // rich + 2, util[q]
            )

        def price_exact(q: int, h: _Hist) -> _Price:
            exact_all()
            keys, numbers = h.keys, h.numbers
            xs = []
            for K in keys:
                x = b - T_exact(K)
                xs.append(x if x > 0 else 0)
            order = sorted(zip(xs, range(len(xs)), strict=True))
            zeros = xs.count(0)
            live = rich = sum(compress(numbers, xs))
            paid = Fraction(0)
            for cut in range(zeros, len(order)):
                x, i = order[cut]
                t = (cost[q] - paid) / rich
                if t <= x:
                    index = itemgetter(1)
                    poor = list(map(index, order[zeros:cut]))
                    h.shape = (
                        list(map(index, order[:zeros])), poor, list(map(index, order[cut:])),
                        rich, live,
                    )
                    return _Price(
                        q, h, xs, 0, poor, rich, True, t, (t.numerator << shift) // t.denominator,
                        1, util[q],
                    )
                paid += numbers[i] * x
                rich -= numbers[i]
            return _Price(q, h, xs, 0, None, live)

        # Items whose supporters together start with less than their cost
        # can never be bought.
        out_of_reach = tuple(
            q for q in range(m) if votes[q] * b.numerator < cost[q] * b.denominator
        )
        for q in out_of_reach:
            dead[q] = True
        trace: list | None = [out_of_reach] if want_trace else None
        while True:
            best: _Price | None = None
            priced: list[_Price] = []
            looked: list[_Price] = []
            while heap:
                key, q, ver = heap[0]
                if dead[q] or ver != version[q]:
                    pop(heap)
                    continue
                if best is not None and key > best.hi:
                    break
                pop(heap)
                ev = price(q, histogram(q, funded, fresh))
                if ev.poor is None:
                    dead[q] = True
                    looked.append(ev)
                    continue
                priced.append(ev)
                if best is None or ev.hi < best.hi or (ev.hi == best.hi and q < best.q):
                    best = ev
            if best is None:
                if want_trace and looked:
                    trace.append(sorted(looked, key=_by_item))
                self.hists = fresh
                return selected, trace
            close = [ev for ev in priced if ev is not best and ev.lo <= best.hi]
            if close:
                exact = {}
                for ev in [best, *close]:
                    exact[ev.q] = ev if ev.exact else price_exact(ev.q, _Hist(ev.keys, ev.numbers))
                priced = [exact.get(ev.q, ev) for ev in priced]
                best = min(exact.values(), key=lambda ev: (ev.t / util[ev.q], ev.q))
            p = best.q
            dead[p] = True
            selected.append(p)
            tfp[p] = best.tfp
            error += best.err
            if best.exact:
                exact_t[p] = best.t
            paid_by[p] = (best.paying_all(), best.rich)
            funded |= 1 << p
            if not (self.umask >> p) & 1:
                self._widen(p)
            for ev in priced:
                if ev is not best:
                    ev.kind = _RIVAL
                    version[ev.q] += 1
                    push(heap, (ev.lo, ev.q, version[ev.q]))
            if want_trace:
                best.kind = _BOUGHT
                looked.extend(priced)
                trace.append(sorted(looked, key=_by_item))

