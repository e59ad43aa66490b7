"""Security headers on every response.

No inline script or style is allowed by the Content-Security-Policy: every script is a
file under /static. Pages cannot be framed. HSTS is sent in production only.
"""

from flask import Flask

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def headers(production: bool) -> dict[str, str]:
    """The security headers every response carries (HSTS in production only)."""
    found = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if production:
        found["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return found


def init_app(app: Flask) -> None:
    every = headers(app.config["APP_ENV"] == "production")

    @app.after_request
    def add_headers(response):
        for name, value in every.items():
            response.headers.setdefault(name, value)
        return response
