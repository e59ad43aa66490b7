"""Review signals are reduced before they are hashed and stored (voting/casting/signals.py)."""

import pytest

from voting.casting.signals import agent_family
from voting.casting.signals import network_prefix


@pytest.mark.parametrize(
    "address, prefix",
    [
        ("59.10.20.30", "59.10.20.0/24"),  # IPv4 keeps its /24
        (" 59.10.20.30 ", "59.10.20.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),  # IPv6 keeps its /48
        ("::ffff:59.10.20.30", "59.10.20.0/24"),  # an IPv4-mapped address is IPv4
        ("", ""),  # unknown stays unknown
        (None, ""),
        ("not an address", ""),
        ("59.10.20.300", ""),
    ],
)
def test_an_address_is_reduced_to_its_network(address, prefix):
    assert network_prefix(address) == prefix


def test_two_addresses_of_one_network_share_a_prefix():
    assert network_prefix("175.211.40.17") == network_prefix("175.211.40.200")
    assert network_prefix("175.211.40.17") != network_prefix("175.211.41.17")


@pytest.mark.parametrize(
    "agent, family",
    [
        ("Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 SamsungBrowser/25.0 "
         "Chrome/121.0 Mobile Safari/537.36", "samsung/android"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
         "Version/17.5 Mobile/15E148 Safari/604.1", "safari/ios"),
        ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 NAVER(inapp; search; 1.0)",
         "naver/android"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) KAKAOTALK 10.6.0",
         "kakaotalk/ios"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 "
         "Safari/537.36 Edg/126.0", "edge/windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
         "firefox/mac"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
         "chrome/linux"),
        ("curl/8.5.0", "other/other"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_user_agent_is_reduced_to_a_coarse_family(agent, family):
    assert agent_family(agent) == family
