"""Typed keys for what the application carries (aiohttp ``AppKey``)."""

from __future__ import annotations

from aiohttp import web

from civic.clock import Clock
from storage.db import Database

DATABASE_KEY = web.AppKey("database", Database)
CLOCK_KEY = web.AppKey("clock", Clock)
