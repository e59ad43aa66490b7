"""Signals recorded with a ballot for bloc-voting review, reduced before they are stored.

Pure functions: an address becomes its network prefix (IPv4 /24, IPv6 /48) and a
user-agent string its coarse family; the service stores only keyed hashes of these and
of the device cookie, never the values themselves.
"""

import ipaddress
import re


def network_prefix(address: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) network an address belongs to; "" when unknown."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


_BROWSERS = (
    ("samsung", re.compile(r"SamsungBrowser", re.I)),
    ("naver", re.compile(r"NAVER", re.I)),
    ("kakaotalk", re.compile(r"KAKAOTALK", re.I)),
    ("edge", re.compile(r"Edg/", re.I)),
    ("firefox", re.compile(r"Firefox/", re.I)),
    ("chrome", re.compile(r"Chrome/|CriOS/", re.I)),
    ("safari", re.compile(r"Safari/", re.I)),
)
_SYSTEMS = (
    ("android", re.compile(r"Android", re.I)),
    ("ios", re.compile(r"iPhone|iPad|iPod", re.I)),
    ("windows", re.compile(r"Windows", re.I)),
    ("mac", re.compile(r"Macintosh|Mac OS X", re.I)),
    ("linux", re.compile(r"Linux", re.I)),
)


def agent_family(user_agent: str | None) -> str:
    """A coarse "browser/system" family, e.g. "chrome/android"; "" when unknown."""
    text = user_agent or ""
    if not text:
        return ""
    browser = next((name for name, rx in _BROWSERS if rx.search(text)), "other")
    system = next((name for name, rx in _SYSTEMS if rx.search(text)), "other")
    return f"{browser}/{system}"
