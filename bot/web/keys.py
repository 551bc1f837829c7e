"""Typed keys for what the application carries (aiohttp ``AppKey``)."""

from __future__ import annotations

from aiohttp import web

from civic.clock import Clock
from storage.db import Database

DATABASE_KEY = web.AppKey("database", Database)
CLOCK_KEY = web.AppKey("clock", Clock)
# VZ_PUBLIC_URL, when set: links we hand out (such as a list's "next") start with it, so
# they are right behind a reverse proxy that terminates HTTPS.
PUBLIC_URL_KEY = web.AppKey("public_url", str)
