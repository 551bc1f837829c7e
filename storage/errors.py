"""Which database failures mean "the database is unavailable, try again later".

Only a lost connection or a timeout is unavailability: nothing was committed, and the same
event will succeed once the database answers again, so a webhook answers 503 (the
messenger re-sends it) and polling holds its offset. Every other failure (a constraint
violated, a missing table, a bug in a statement) is deterministic: the same event would
fail the same way for ever, and re-delivering it would hold up every update behind it.

Unavailable:

- the driver could not connect or lost its connection (``OSError``, SQLAlchemy's
  ``connection_invalidated``, asyncpg's connection errors);
- a timeout: ``TimeoutError``, the pool waiting too long for a connection, PostgreSQL
  cancelling a statement (SQLSTATE 57014) or breaking a deadlock or serialisation
  conflict (40P01, 40001: another transaction holds what we need, as with a lock
  timeout; the retry will find it free), SQLite's busy timeout ("database is locked");
- SQLite's disk failing (an I/O error, a full disk, a file it cannot open);
- the server refusing work for now: connection exceptions (SQLSTATE class 08),
  insufficient resources (53), operator intervention (57P01-57P05, shutting down or
  starting up).
"""

from __future__ import annotations

from sqlalchemy import exc

_UNAVAILABLE_SQLSTATES = ("57014", "40P01", "40001")
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57P")
# SQLite's timeouts and the disk failing under it: the same event succeeds later.
_SQLITE_BUSY = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "disk i/o error",
    "database or disk is full",
    "unable to open database file",
)


class DatabaseUnavailable(Exception):
    """The database did not answer (connection lost or a timeout); nothing was committed."""


def _sqlstate(error: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str):
            return state
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return None


def is_unavailable(error: BaseException) -> bool:
    """True for a lost connection or a timeout; False for deterministic failures."""
    if isinstance(error, DatabaseUnavailable | OSError | TimeoutError | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error.orig, OSError | TimeoutError):
            return True
    state = _sqlstate(error)
    if state is not None:
        return state in _UNAVAILABLE_SQLSTATES or state.startswith(_UNAVAILABLE_SQLSTATE_CLASSES)
    if isinstance(error, exc.OperationalError) and _is_sqlite(error):
        message = str(error.orig).casefold()
        return any(busy in message for busy in _SQLITE_BUSY)
    cause = error.__cause__
    return cause is not None and cause is not error and is_unavailable(cause)


def _is_sqlite(error: exc.DBAPIError) -> bool:
    return type(error.orig).__module__.startswith(("sqlite3", "aiosqlite"))
