"""Redirect targets taken from a request (``next``) stay on this site.

A target is judged the way a browser reads the Location header (the WHATWG URL
parser): tab, CR and LF are dropped, leading controls and spaces are trimmed and a
backslash is a slash. Query values arrive percent-decoded, as Werkzeug decodes them.
Sign-in keeps the same rule: see ``tests/functional/test_oidc_client.py``.
"""

from urllib.parse import urlencode

import pytest

# Each as it is written in the query string of the request.
OFF_SITE = [
    "//evil.example/",
    "/%09/evil.example",
    "%09//evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/%09%0a%0d/evil.example",
    "%20//evil.example",
    "%00//evil.example",
    "%5C%5Cevil.example",
    "/%5Cevil.example",
    "%5C/evil.example",
    "/%09%5Cevil.example",
    "%2F%2Fevil.example",
    "%2F%5Cevil.example",
    "///evil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "/%255Cevil.example",
    "https://evil.example/",
    "https:evil.example",
    "https:/evil.example",
    "http:%5C%5Cevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt%3Aalert(1)",
    "java%09script:alert(1)",
    "data:text/html,x",
    "evil.example",
    "%0a",
    "/%00",
    "/%7f",
]

# Same-site targets, as the pages build them (``request.full_path``), kept as they are.
ON_SITE = [
    "/",
    "/forums/12",
    "/forums/12/items/3?",
    "/forums/12/items/3?tab=comments#comment-4",
    "/receipt?code=ABCD-EFGH",
    "/%EA%B2%80%EC%83%89",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_leaves_the_site(client, target):
    response = client.get(f"/lang/en?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/%0a", "/%0d", "/x%0d%0aSet-Cookie:%20a=b"])
def test_a_line_break_in_next_is_no_server_error(client, target):
    response = client.get(f"/lang/en?next={target}")
    assert response.status_code == 302
    assert "Set-Cookie: a=b" not in str(response.headers)


@pytest.mark.parametrize("target", ON_SITE)
def test_language_switch_returns_to_the_page_it_came_from(client, target):
    response = client.get("/lang/en?" + urlencode({"next": target}))
    assert response.status_code == 302
    # Werkzeug leaves out an empty query ("?"): the same page.
    assert response.headers["Location"] == target.removesuffix("?")


def test_a_missing_or_empty_next_goes_home(client):
    assert client.get("/lang/en").headers["Location"] == "/"
    assert client.get("/lang/en?next=").headers["Location"] == "/"


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        " //evil.example",
        "\x00//evil.example",
        "\u3000//evil.example",
        "/%2F/evil.example",
        "/%5c%5cevil.example",
        "https:evil.example",
        "//evil.example@forum.example",
        "/" + "\n" * 3 + "/evil.example",
        "",
        None,
    ],
)
def test_safe_next_refuses_anything_but_a_same_site_path(target):
    from core.redirects import safe_next

    assert safe_next(target) is None


def test_safe_next_keeps_a_same_site_path_and_drops_what_a_browser_drops():
    from core.redirects import safe_next

    assert safe_next("/forums/1?tab=x#c") == "/forums/1?tab=x#c"
    assert safe_next("/forums/\t1") == "/forums/1"
    assert safe_next("/\n") == "/"
