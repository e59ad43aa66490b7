"""RFC 6962 Merkle tree hashing, audit paths and their verification."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.publishing import merkle

# The Certificate Transparency test inputs and the roots of their first n leaves
# (RFC 6962's reference implementation, merkle_tree_test).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_empty_tree_is_the_hash_of_nothing():
    assert merkle.root([]).hex() == hashlib.sha256(b"").hexdigest()


def test_leaf_and_node_hashes_carry_their_prefixes():
    assert merkle.leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()
    left, right = b"l" * 32, b"r" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize("n", range(1, 9))
def test_certificate_transparency_roots(n):
    hashes = [merkle.leaf_hash(data) for data in CT_LEAVES[:n]]
    assert merkle.root(hashes).hex() == CT_ROOTS[n - 1]


def test_a_path_in_the_certificate_transparency_tree():
    hashes = [merkle.leaf_hash(data) for data in CT_LEAVES]
    path = merkle.audit_path(0, hashes)
    assert len(path) == 3
    assert merkle.verify(hashes[0], 0, 8, path, bytes.fromhex(CT_ROOTS[7]))
    assert (
        merkle.root_from_path(hashes[5], 5, 6, merkle.audit_path(5, hashes[:6])).hex()
        == (CT_ROOTS[5])
    )


def _leaves(draw_list):
    return [merkle.leaf_hash(data) for data in draw_list]


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40), st.data())
def test_every_leaf_proof_verifies_and_a_change_fails(datas, data):
    hashes = _leaves(datas)
    top = merkle.root(hashes)
    n = len(hashes)
    for index, leaf in enumerate(hashes):
        assert merkle.verify(leaf, index, n, merkle.audit_path(index, hashes), top)
    index = data.draw(st.integers(0, n - 1))
    path = merkle.audit_path(index, hashes)
    other = merkle.leaf_hash(datas[index] + b"!")
    assert not merkle.verify(other, index, n, path, top)
    if n > 1:
        wrong = data.draw(st.integers(0, n - 1).filter(lambda i: i != index))
        if hashes[wrong] != hashes[index]:
            assert not merkle.verify(hashes[index], wrong, n, path, top)
        step = data.draw(st.integers(0, len(path) - 1))
        bent = list(path)
        bent[step] = hashlib.sha256(bent[step]).digest()
        assert not merkle.verify(hashes[index], index, n, bent, top)
        assert not merkle.verify(hashes[index], index, n, path[:-1], top)
        assert not merkle.verify(hashes[index], index, n, path + [top], top)


@given(st.lists(st.binary(max_size=4), min_size=2, max_size=20, unique=True))
def test_order_matters(datas):
    hashes = _leaves(datas)
    assert merkle.root(hashes) != merkle.root(list(reversed(hashes)))


def test_bad_indexes_are_refused():
    hashes = _leaves([b"a", b"b"])
    with pytest.raises(ValueError):
        merkle.audit_path(2, hashes)
    assert not merkle.verify(hashes[0], 2, 2, [], merkle.root(hashes))
    assert not merkle.verify(hashes[0], -1, 2, [], merkle.root(hashes))
