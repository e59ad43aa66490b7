"""Merkle tree hashing as Certificate Transparency does it (RFC 6962, section 2.1).

Pure functions over bytes; no Flask, no database. The rules:

* a leaf's hash is ``SHA-256(0x00 || leaf data)``, an inner node's hash is
  ``SHA-256(0x01 || left || right)``: the two prefixes keep a leaf from passing
  for a node (second-preimage resistance);
* the tree hash of no leaves is ``SHA-256()`` (of the empty string); of one leaf,
  that leaf's hash; of ``n > 1`` leaves, the node hash of the tree hash of the
  first ``k`` leaves and that of the remaining ``n - k``, where ``k`` is the
  largest power of two smaller than ``n``;
* a leaf's audit path lists the sibling hashes from the leaf up to the root
  (RFC 6962, 2.1.1); :func:`verify` recomputes the root from a leaf hash, its
  index, the tree size and its path (RFC 9162, 2.1.3.2) and compares.

``tools/verify.py`` repeats these few lines, so an auditor needs nothing of the app.
"""

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _tree(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    if end - start == 1:
        return hashes[start]
    middle = start + _split(end - start)
    return node_hash(_tree(hashes, start, middle), _tree(hashes, middle, end))


def root(hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash (MTH) of the leaves whose hashes are given, in order."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    return _tree(hashes, 0, len(hashes))


def audit_path(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]): the sibling hashes from leaf ``index`` up to the root.

    ValueError for an index outside the tree.
    """
    if not 0 <= index < len(hashes):
        raise ValueError(f"leaf index {index} outside a tree of {len(hashes)} leaves")
    path: list[bytes] = []
    start, end = 0, len(hashes)
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            path.append(_tree(hashes, middle, end))
            end = middle
        else:
            path.append(_tree(hashes, start, middle))
            start = middle
    path.reverse()
    return path


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root that leaf hash ``leaf`` at ``index`` of a tree of ``size`` leaves and
    its audit path lead to, or None when the path cannot belong to such a tree."""
    if not 0 <= index < size:
        return None
    fn, sn, value = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            value = node_hash(value, sibling)
        fn, sn = fn >> 1, sn >> 1
    return value if sn == 0 else None


def verify(leaf: bytes, index: int, size: int, path: Sequence[bytes], expected: bytes) -> bool:
    """Whether the audit path proves leaf hash ``leaf`` at ``index`` under root ``expected``."""
    return root_from_path(leaf, index, size, path) == expected
