"""Responses the admin web returns (aiohttp deprecates returning its HTTP exceptions)."""

from __future__ import annotations

from aiohttp import web


def see_other(location: str) -> web.Response:
    """303 to ``location``: after a POST, and to the login form."""
    return web.Response(status=303, headers={"Location": location})


def refused(reason: str) -> web.Response:
    return web.Response(status=403, text=reason)
