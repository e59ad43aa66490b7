"""The identity providers a district configures, and how each one's claims are read.

``OIDC_PROVIDERS`` lists them (JSON, see the README); without it the single-provider
settings (``OIDC_ISSUER``, ``OIDC_CLIENT_ID``, ...) make one provider named "default".
"""

from dataclasses import dataclass

AUTH_METHODS = ("client_secret_basic", "client_secret_post")
# The development provider's issuer: one constant, whatever PORT or host the app runs
# on, so a voter key (derived from the issuer) granted a role in any shell matches.
# Its discovery document is read where the app answers (PUBLIC_URL).
DEV_ISSUER = "http://localhost/dev-idp"


class ProviderError(ValueError):
    """A provider entry that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Provider:
    """One OpenID provider and its claim mapping.

    ``person_claim`` names a claim identifying the person across providers (a Korean
    identity-verification CI, say); None means the person is this issuer's subject.
    """

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scope: str = "openid profile"
    token_endpoint_auth_method: str = "client_secret_basic"
    person_claim: str | None = None
    district_claim: str = "district"
    birth_year_claim: str = "birth_year"
    # The discovery document's address when it is not under the issuer.
    metadata_url: str = ""

    @property
    def discovery_url(self) -> str:
        return self.metadata_url or f"{self.issuer}/.well-known/openid-configuration"


def _entry(raw: dict, defaults: dict) -> Provider:
    if not isinstance(raw, dict):
        raise ProviderError("each OIDC_PROVIDERS entry must be an object")
    known = set(Provider.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ProviderError(f"unknown provider settings: {', '.join(sorted(unknown))}")
    values = {**defaults, **{k: v for k, v in raw.items() if v is not None}}
    for name in ("name", "issuer", "client_id"):
        if not str(values.get(name) or "").strip():
            raise ProviderError(f"a provider needs {name!r}")
    values["issuer"] = str(values["issuer"]).rstrip("/")
    values.setdefault("label", values["name"])
    values.setdefault("client_secret", "")
    if values.get("token_endpoint_auth_method", AUTH_METHODS[0]) not in AUTH_METHODS:
        raise ProviderError(f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}")
    if "openid" not in str(values.get("scope", "openid")).split():
        raise ProviderError(f"provider {values['name']!r}: scope must include openid")
    return Provider(**values)


def _dev_metadata(config) -> str:
    if config.get("OIDC_ISSUER") != DEV_ISSUER:
        return ""
    return f"{config.get('PUBLIC_URL', '')}/dev-idp/.well-known/openid-configuration"


def configured(config) -> list[Provider]:
    """The providers of a configuration, in the order the sign-in page offers them.

    Rule: OIDC_PROVIDERS when given (names unique); otherwise one provider "default"
    from the single-provider settings. Claim names default to OIDC_DISTRICT_CLAIM and
    OIDC_BIRTH_YEAR_CLAIM; OIDC_PERSON_CLAIM applies to the single provider only.
    """
    defaults = {
        "district_claim": config.get("OIDC_DISTRICT_CLAIM", "district"),
        "birth_year_claim": config.get("OIDC_BIRTH_YEAR_CLAIM", "birth_year"),
    }
    entries = config.get("OIDC_PROVIDERS") or []
    if not entries:
        if not config.get("OIDC_ISSUER"):
            return []
        entries = [
            {
                "name": "default",
                "issuer": config["OIDC_ISSUER"],
                "client_id": config.get("OIDC_CLIENT_ID"),
                "client_secret": config.get("OIDC_CLIENT_SECRET", ""),
                "person_claim": config.get("OIDC_PERSON_CLAIM") or None,
                "metadata_url": config.get("OIDC_METADATA_URL") or _dev_metadata(config),
            }
        ]
    providers = [_entry(raw, defaults) for raw in entries]
    names = [provider.name for provider in providers]
    if len(set(names)) != len(names):
        raise ProviderError("provider names must be unique")
    return providers
