"""The values an equal-shares run works with: money in fixed point, an item priced in
one round (:class:`_Price`), supporters grouped by pattern (:class:`_Hist`)."""

import math

_SHIFT = 128  # money is held as integers scaled by 2**_SHIFT
_RHO_SHIFT = 32  # extra bits for prices per unit of utility
_UNKNOWN = object()
_UNAFFORDABLE, _RIVAL, _BOUGHT = 0, 1, 2


class _Price:
    """An item looked at in one round.

    Its supporters, by pattern: ``keys`` and ``numbers``, and ``money``, what
    a supporter of each pattern has left (0 if nothing): in fixed point
    within ``merr``, or as Fractions when ``exact``. ``poor`` is None if the
    item is unaffordable; otherwise the positions (in ``keys``) of the
    classes that pay all they have, while the ``rich`` other supporters with money
    pay the price ``t`` each: exactly ``t`` if ``exact``, else ``tfp`` (fixed
    point) within ``err``. ``lo`` and ``hi`` bound the price per unit of
    utility, scaled by ``2**(_SHIFT + _RHO_SHIFT)``. For an unaffordable item,
    ``rich`` counts all its supporters with money.
    """

    __slots__ = (
        "q", "keys", "numbers", "money", "merr", "poor", "rich", "exact", "t", "tfp", "err",
        "lo", "hi", "kind",
    )

    def __init__(self, q, hist, money, merr, poor=None, rich=0, exact=False, t=None, tfp=0,
                 err=0, utility=1):
        self.q, self.keys, self.numbers = q, hist.keys, hist.numbers
        self.money, self.merr = money, merr
        self.poor, self.rich = poor, rich
        self.exact, self.t, self.tfp, self.err = exact, t, tfp, err
        self.kind = _UNAFFORDABLE
        if poor is None:
            self.lo = self.hi = None
        elif exact:
            scaled = t * (1 << (_SHIFT + _RHO_SHIFT)) / utility
            self.lo, self.hi = math.floor(scaled), math.ceil(scaled)
        else:
            self.lo = ((tfp - err) << _RHO_SHIFT) // utility
            self.hi = -((-(tfp + err) << _RHO_SHIFT) // utility)

    def live(self) -> list[tuple]:
        """The classes ``(money, pattern, number)`` with money left."""
        return [c for c in self.classes() if c[0]]

    def classes(self) -> list[tuple]:
        """Every class ``(money, pattern, number)``, those with nothing left included."""
        return list(zip(self.money, self.keys, self.numbers, strict=True))

    def shape(self) -> tuple:
        """What the trace compares first (cheap)."""
        return (self.q, self.kind, None if self.poor is None else len(self.poor), self.rich)

    def paying_all(self) -> list[tuple[int, int]]:
        return sorted((self.keys[i], self.numbers[i]) for i in self.poor)

    def paying_price(self) -> list[tuple[int, int]]:
        poor = {self.keys[i] for i in self.poor}
        return sorted((K, n) for _x, K, n in self.live() if K not in poor)

    def content(self) -> tuple:
        """The exact structure: who pays all, and how many pay the price."""
        if self.kind == _UNAFFORDABLE:
            return (sorted((K, n) for _x, K, n in self.live()),)
        if self.kind == _RIVAL:
            return (self.paying_all(), self.rich)
        return (self.paying_all(), self.paying_price())


class _Hist:
    """An item's supporters by pattern: the patterns (``keys``) and how many
    supporters have each (``numbers``). ``shape`` remembers the last split
    into those with no money, those who paid all they had, and the others
    (as indices into ``keys``), with the numbers of the last two groups:
    ``(zero, poor, rich, rich count, count with money)``."""

    __slots__ = ("keys", "numbers", "shape", "order")

    def __init__(self, keys: tuple, numbers: tuple) -> None:
        self.keys, self.numbers, self.shape, self.order = keys, numbers, None, None


def _same_trace(a: list | None, b: list | None) -> bool:
    """Whether two traces (see :class:`_Mes`) are the same: the items out of
    reach from the start (``trace[0]``), then the rounds."""
    if a is None or b is None or len(a) != len(b) or a[0] != b[0]:
        return False
    for round_a, round_b in zip(a[1:], b[1:], strict=True):
        if [p.shape() for p in round_a] != [p.shape() for p in round_b]:
            return False
    for round_a, round_b in zip(a[1:], b[1:], strict=True):
        for p, q in zip(round_a, round_b, strict=True):
            if p.content() != q.content():
                return False
    return True




def _by_item(price: _Price) -> int:
    return price.q



def _bits(mask: int) -> tuple[int, ...]:
    """The positions of the bits set in ``mask``."""
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return tuple(found)
