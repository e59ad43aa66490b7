"""Providers by configuration: the list read from OIDC_PROVIDERS or the single-provider
settings, each provider's checks, and the person key shared across providers."""

import pytest

from auth.services import derive_person_key
from auth.services import derive_voter_key
from core import config as settings
from core.providers import configured
from core.providers import ProviderError

KAKAO = {
    "name": "kakao",
    "label": "카카오",
    "issuer": "https://kauth.kakao.com/",
    "client_id": "kakao-app",
    "client_secret": "k" * 40,
    "token_endpoint_auth_method": "client_secret_post",
    "person_claim": "ci",
}
PASS = {
    "name": "pass",
    "label": "PASS",
    "issuer": "https://id.pass.example",
    "client_id": "pass-app",
    "client_secret": "p" * 40,
    "person_claim": "ci",
    "district_claim": "address_district",
    "birth_year_claim": "birthdate",
}


def test_the_single_provider_settings_still_make_one_provider():
    [only] = configured(
        {"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": "forum", "OIDC_CLIENT_SECRET": "s"}
    )
    assert (only.name, only.issuer, only.client_id, only.person_claim) == (
        "default",
        "https://idp.example",
        "forum",
        None,
    )
    assert only.token_endpoint_auth_method == "client_secret_basic"


def test_a_person_claim_for_the_single_provider():
    [only] = configured(
        {"OIDC_ISSUER": "https://idp.example", "OIDC_CLIENT_ID": "f", "OIDC_PERSON_CLAIM": "ci"}
    )
    assert only.person_claim == "ci"


def test_several_providers_keep_their_order_and_claim_mapping():
    kakao, passed = configured({"OIDC_PROVIDERS": [KAKAO, PASS], "OIDC_ISSUER": "ignored"})
    assert [kakao.name, passed.name] == ["kakao", "pass"]
    assert kakao.issuer == "https://kauth.kakao.com"  # no trailing slash
    assert kakao.token_endpoint_auth_method == "client_secret_post"
    assert kakao.district_claim == "district"  # the default mapping
    assert (passed.district_claim, passed.birth_year_claim) == ("address_district", "birthdate")


@pytest.mark.parametrize(
    "broken, words",
    [
        ({**KAKAO, "token_endpoint_auth_method": "private_key_jwt"}, "token_endpoint_auth"),
        ({**KAKAO, "issuer": ""}, "issuer"),
        ({**KAKAO, "scope": "profile"}, "openid"),
        ({**KAKAO, "colour": "yellow"}, "colour"),
    ],
)
def test_a_broken_provider_entry_is_refused_by_name(broken, words):
    with pytest.raises(ProviderError, match=words):
        configured({"OIDC_PROVIDERS": [broken]})


def test_provider_names_are_unique():
    with pytest.raises(ProviderError, match="unique"):
        configured({"OIDC_PROVIDERS": [KAKAO, {**PASS, "name": "kakao"}]})


def test_the_same_person_gets_one_key_from_two_providers():
    """HMAC(pepper, "person|" + CI): the issuer and subject play no part."""
    assert derive_person_key("pepper", "CI-0001") == derive_person_key("pepper", "CI-0001")
    assert derive_person_key("pepper", "CI-0001") != derive_person_key("pepper", "CI-0002")
    # Apart from issuer|subject keys: an issuer is a URL, never the word "person".
    assert derive_person_key("pepper", "123") != derive_voter_key("pepper", "https://idp", "123")


def test_oidc_providers_must_be_a_json_list(monkeypatch):
    monkeypatch.setenv("OIDC_PROVIDERS", "{not json")
    with pytest.raises(settings.ConfigError, match="OIDC_PROVIDERS"):
        settings.from_environment("/tmp")
    monkeypatch.setenv("OIDC_PROVIDERS", '{"name": "kakao"}')
    with pytest.raises(settings.ConfigError, match="list"):
        settings.from_environment("/tmp")


def _production(**overrides):
    config = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "VOTER_KEY_PEPPER": "p" * 40,
        "AUDIT_KEY": "a" * 40,
        "PUBLIC_URL": "https://forum.example",
        "PRIVACY_OFFICER_CONTACT": "privacy@forum.example",
        "DEV_IDP": False,
        "FEATURES": ["auth"],
        "OIDC_PROVIDERS": [KAKAO, PASS],
    }
    config.update(overrides)
    return config


def test_production_accepts_https_providers():
    settings.check(_production())


def test_production_refuses_a_provider_with_a_plain_http_issuer():
    with pytest.raises(settings.ConfigError, match="'pass' must have an https issuer"):
        settings.check(_production(OIDC_PROVIDERS=[KAKAO, {**PASS, "issuer": "http://id.pass"}]))
    settings.check(_production(OIDC_PROVIDERS=[{**PASS, "issuer": "http://127.0.0.1:9000"}]))


def test_production_refuses_a_provider_without_its_secret():
    with pytest.raises(settings.ConfigError, match="'kakao' needs the client_secret"):
        settings.check(_production(OIDC_PROVIDERS=[{**KAKAO, "client_secret": ""}]))
