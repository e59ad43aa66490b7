"""The Method of Equal Shares' voters, grouped once: ballots by their approval sets, and
each item's supporters by their approvals among the items that may be bought (see
:class:`voting.counting.mes_engine.MesEngine`, whose runs work on these groups)."""

from collections.abc import Iterable
from collections.abc import Mapping

from voting.counting import mes_prices
from voting.counting.mes_prices import _Hist
from voting.counting.tally import Item


class MesGroups:
    """An election's ballots and items as the runs use them: items with votes sorted by
    id, their costs, utilities and votes, and the supporters' groups (:meth:`focus`)."""

    def __init__(
        self,
        profile: Mapping[frozenset[str], int],
        counts: Mapping[str, int],
        items: Iterable[Item],
        utility: str,
    ) -> None:
        self.items = sorted(
            (item for item in items if counts.get(item.id, 0) > 0), key=lambda item: item.id
        )
        self.m = len(self.items)
        self.cost = [item.cost for item in self.items]
        self.util = [item.cost if utility == "cost" else 1 for item in self.items]
        self.votes = [counts[item.id] for item in self.items]
        self.n = sum(profile.values())

        # Ballots as bit masks of the items they approve among these.
        bits = {item.id: 1 << q for q, item in enumerate(self.items)}
        bit_of = bits.__getitem__
        self.groups: list[tuple[int, int, Iterable[str]]] = []
        for ballot, number in profile.items():
            try:
                mask = sum(map(bit_of, ballot))
                ids = ballot
            except KeyError:
                ids = [i for i in ballot if i in bits]
                mask = sum(map(bit_of, ids))
            if mask:
                self.groups.append((mask, number, ids))
        self.umask = 0
        self.gproj: list[tuple[int, ...]] = []
        self.gmult: list[int] = []
        self.rmask: list[int] = []
        self.supp: list[list[int]] = []
        self.odict: list[dict[int, int] | None] = []
        self.olists: list[tuple[list[int], list[int]] | None] = []
        self.hists: dict[tuple[int, int], _Hist] = {}
        self.bits_of: dict[int, tuple[int, ...]] = {}
        scale = 1 << (mes_prices._SHIFT + mes_prices._RHO_SHIFT)
        self.heap0 = sorted(
            (self.cost[q] * scale // (self.votes[q] * self.util[q]), q, 0) for q in range(self.m)
        )

    # -- supporters grouped by the items that may be bought -----------------------

    def focus(self, umask: int) -> None:
        """Group each item's supporters by their approvals among the items of
        ``umask``, the items that may be bought: only bought items set a
        voter's money, the rest of a ballot only says whom she supports. An
        item outside ``umask`` is split out when it is bought (:meth:`_widen`).
        Each item's groups are built when first needed."""
        self.umask = umask
        position = {item.id: q for q, item in enumerate(self.items)}.__getitem__
        self.gproj = [tuple(map(position, ids)) for _mask, _number, ids in self.groups]
        self.gmult = [number for _mask, number, _ids in self.groups]
        self.rmask = [mask & umask for mask, _number, _ids in self.groups]
        self.supp = [[] for _ in range(self.m)]
        supp = self.supp
        for g, projects in enumerate(self.gproj):
            for q in projects:
                supp[q].append(g)
        self.odict = [None] * self.m
        self.olists = [None] * self.m
        self.hists = {}

    def _widen(self, p: int) -> None:
        bit = 1 << p
        gproj, gmult, rmask, odict, olists = (
            self.gproj, self.gmult, self.rmask, self.odict, self.olists
        )
        for g in self.supp[p]:
            old = rmask[g]
            new = old | bit
            rmask[g] = new
            number = gmult[g]
            for q in gproj[g]:
                d = odict[q]
                if d is None:
                    continue
                left = d[old] - number
                if left:
                    d[old] = left
                else:
                    del d[old]
                d[new] = d.get(new, 0) + number
                olists[q] = None
        self.umask |= bit

    def _lists(self, q: int) -> tuple[list[int], list[int]]:
        """The supporters of ``q`` grouped by ballot (as masks of the items that
        may be bought), and the numbers in each group."""
        found = self.olists[q]
        if found is None:
            d = self.odict[q]
            if d is None:
                d = self.odict[q] = {}
                rmask, gmult = self.rmask, self.gmult
                for g in self.supp[q]:
                    key = rmask[g]
                    d[key] = d.get(key, 0) + gmult[g]
            found = self.olists[q] = (list(d), list(d.values()))
        return found

    def _histogram(self, q: int, funded: int, fresh: dict) -> "_Hist":
        """Supporters of ``q`` by pattern (their approvals among ``funded``)."""
        key = (q, funded)
        hist = fresh.get(key) or self.hists.get(key)
        if hist is None and not funded:
            hist = _Hist((0,), (self.votes[q],))
        if hist is None:
            masks, numbers = self._lists(q)
            found: dict[int, int] = {}
            get = found.get
            for mask, number in zip(masks, numbers, strict=True):
                pattern = mask & funded
                found[pattern] = get(pattern, 0) + number
            hist = _Hist(tuple(found), tuple(found.values()))
        fresh[key] = hist
        return hist
