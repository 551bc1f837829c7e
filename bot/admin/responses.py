"""What every admin response shares: the cookie name, the security headers, redirects,
and the constant-time comparison of CSRF tokens."""

from __future__ import annotations

import hmac

from aiohttp import web

SESSION_COOKIE = "vz_admin_session"

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def see_other(location: str) -> web.Response:
    """303 to ``location``: after a POST, and to the login form.

    (aiohttp deprecates returning its HTTP exceptions.)"""
    return web.Response(status=303, headers={"Location": location})


def secured(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.update(SECURITY_HEADERS)
    return response


def tokens_match(given: str, expected: str) -> bool:
    """A CSRF token as sent, against the one issued (none issued matches nothing)."""
    return bool(expected) and hmac.compare_digest(given, expected)
