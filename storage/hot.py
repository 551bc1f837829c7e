"""The hot path's transaction and statements straight on asyncpg, on PostgreSQL.

SQLAlchemy costs about 140 µs of CPU per statement on top of asyncpg's own ~110 µs, and
~300 µs more for a session's begin and commit (docs/performance.md); a sign event runs six
round trips. So on PostgreSQL an event's transaction is the driver's own (``driver_
transaction``: ``BEGIN`` and ``COMMIT`` sent by us, the session bound to that connection
in autocommit mode so that it sends neither), and the hot statements run on the same
asyncpg connection directly:

- The SQL, the parameter order, and the conversion of values both ways are SQLAlchemy's
  own, taken once from the compiled statement and the column types. The row a statement
  returns is the row SQLAlchemy would have returned.
- Errors come out as SQLAlchemy's: ``OperationalError`` (a ``DBAPIError``), with
  ``connection_invalidated`` set, and the connection invalidated, when the connection was
  lost. The conversation core's retry and the webhooks' 503 work as for any statement.

Everything else the session does (ORM loads, flushes) runs through SQLAlchemy on the same
connection, inside the same transaction.

On SQLite the cost is elsewhere: aiosqlite runs every call on a thread of its own, about
four handoffs a statement through SQLAlchemy (a ``SELECT 1`` costs 620 us of CPU through
the session, 1.6 us on sqlite3 itself). Once the event's write transaction has begun
(``storage.sqlite``: this connection then holds SQLite's write lock), the hot statements
run on its sqlite3 connection directly, on the event loop's thread; with the lock held
they never wait for one.

Anywhere else (the API's read-only sessions, a session before its first statement)
there is no driver connection and the callers run the statement through the session as
usual.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache
from typing import Any, cast

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql.expression import Executable

from storage import sqlite

log = logging.getLogger(__name__)

_CONNECTION_KEY = "vz_driver_connection"
_SQLITE_KEY = "vz_sqlite_connection"
# The driver connection of a session whose transaction is the driver's own.
_OWN_TRANSACTION_KEY = "vz_driver_transaction"
# What a connection that is gone raises (the socket, or the server ending the session).
# InternalClientError: the protocol is in a state it did not expect (seen when the server
# ends the session between two statements); the connection cannot be trusted again.
_LOST = (
    OSError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.PostgresConnectionError,
    asyncpg.InternalClientError,
)
_DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)

Processor = Callable[[Any], Any]


class DriverStatement:
    """A statement compiled once for asyncpg: its SQL, arguments and result conversion."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled: Any = cast(Any, statement).compile(dialect=dialect)
        self.sql = str(compiled)
        self._compiled = compiled
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self._bind: dict[str, Processor] = {}
        for bind in compiled.binds.values():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._bind[compiled.bind_names[bind]] = processor
        selected = getattr(statement, "selected_columns", ())
        self._result: list[tuple[str, Processor | None]] = [
            (column.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in selected
        ]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = self._compiled.construct_params(params)
        return [
            self._bind[name](values[name]) if name in self._bind else values[name]
            for name in self._names
        ]

    def value(self, record: Sequence[Any]) -> Any:
        """The first column of ``record``, converted as SQLAlchemy would."""
        processor = self._result[0][1] if self._result else None
        return record[0] if processor is None else processor(record[0])

    def row(self, record: Sequence[Any]) -> dict[str, Any]:
        return {
            key: record[index] if processor is None else processor(record[index])
            for index, (key, processor) in enumerate(self._result)
        }


@cache
def driver_statement(statement: Executable, dialect: Dialect) -> DriverStatement:
    return DriverStatement(statement, dialect)


async def driver_connection(session: AsyncSession) -> asyncpg.Connection | None:
    """The asyncpg connection of the session's transaction, once SQLAlchemy has begun it
    on PostgreSQL; otherwise None."""
    own = session.info.get(_OWN_TRANSACTION_KEY)
    if own is not None:
        owned: asyncpg.Connection = own
        return owned
    transaction = session.sync_session.get_transaction()
    if transaction is None:
        return None
    cached = session.info.get(_CONNECTION_KEY)
    if cached is not None and cached[0] is transaction:
        known: asyncpg.Connection = cached[1]
        return known
    if session.get_bind().dialect.name != "postgresql":
        return None
    # One await: the pooled connection's driver connection is a plain attribute chain.
    connection = (await session.connection()).sync_connection
    driver = None if connection is None else connection.connection.driver_connection
    if not isinstance(driver, asyncpg.Connection) or not driver.is_in_transaction():
        return None
    session.info[_CONNECTION_KEY] = (transaction, driver)
    return driver


async def sqlite_connection(session: AsyncSession) -> sqlite3.Connection | None:
    """The sqlite3 connection of the session's write transaction, once it has begun and
    when the driver lets us use it from this thread; otherwise None."""
    own = session.info.get(sqlite.OWN_TRANSACTION_KEY)
    if own is not None:
        owned: sqlite3.Connection = own
        return owned
    transaction = session.sync_session.get_transaction()
    if transaction is None or session.get_bind().dialect.name != "sqlite":
        return None
    cached = session.info.get(_SQLITE_KEY)
    if cached is not None and cached[0] is transaction:
        known: sqlite3.Connection = cached[1]
        return known
    connection = (await session.connection()).sync_connection
    raw = None if connection is None else sqlite.raw_connection(connection)
    if raw is None or not raw.in_transaction:
        return None
    session.info[_SQLITE_KEY] = (transaction, raw)
    return raw


def _sqlite_rows(
    raw: sqlite3.Connection, compiled: DriverStatement, params: Mapping[str, Any]
) -> list[Any]:
    arguments = compiled.arguments(params)
    try:
        cursor = raw.execute(compiled.sql, arguments)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()
    except sqlite3.Error as error:
        raise DBAPIError.instance(compiled.sql, arguments, error, sqlite3.Error) from error


async def fetch_one(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """The statement's one row (or None), as SQLAlchemy's ``mappings().one_or_none()``."""
    driver = await driver_connection(session)
    if driver is None:
        raw = await sqlite_connection(session)
        if raw is not None:
            compiled = driver_statement(statement, session.get_bind().dialect)
            rows = _sqlite_rows(raw, compiled, params)
            return compiled.row(rows[0]) if rows else None
        row = (await session.execute(statement, params)).mappings().one_or_none()
        return None if row is None else dict(row)
    compiled = driver_statement(statement, session.get_bind().dialect)
    arguments = compiled.arguments(params)
    try:
        record = await driver.fetchrow(compiled.sql, *arguments)
    except _DRIVER_ERRORS as error:
        raise await _translated(session, driver, compiled.sql, error) from error
    return None if record is None else compiled.row(record)


async def fetch_value(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any]
) -> Any:
    """The first column of the first row, or None when there is no row."""
    driver = await driver_connection(session)
    if driver is None:
        raw = await sqlite_connection(session)
        if raw is not None:
            compiled = driver_statement(statement, session.get_bind().dialect)
            rows = _sqlite_rows(raw, compiled, params)
            return compiled.value(rows[0]) if rows else None
        return (await session.execute(statement, params)).scalar_one_or_none()
    compiled = driver_statement(statement, session.get_bind().dialect)
    try:
        return await driver.fetchval(compiled.sql, *compiled.arguments(params))
    except _DRIVER_ERRORS as error:
        raise await _translated(session, driver, compiled.sql, error) from error


async def execute(session: AsyncSession, statement: Executable, params: Mapping[str, Any]) -> None:
    """Run a statement that returns no rows."""
    driver = await driver_connection(session)
    if driver is None:
        raw = await sqlite_connection(session)
        if raw is not None:
            compiled = driver_statement(statement, session.get_bind().dialect)
            _sqlite_rows(raw, compiled, params)
            return
        await session.execute(statement, params)
        return
    compiled = driver_statement(statement, session.get_bind().dialect)
    try:
        await driver.execute(compiled.sql, *compiled.arguments(params))
    except _DRIVER_ERRORS as error:
        raise await _translated(session, driver, compiled.sql, error) from error


async def _translated(
    session: AsyncSession, driver: asyncpg.Connection, sql: str, error: Exception
) -> OperationalError:
    lost = isinstance(error, _LOST) or driver.is_closed()
    session.info.pop(_CONNECTION_KEY, None)
    if lost:
        # As SQLAlchemy does on a disconnect: the pool must not hand this connection out.
        await (await session.connection()).invalidate()
    return OperationalError(sql, None, error, connection_invalidated=lost)


@asynccontextmanager
async def driver_transaction(
    autocommit_engine: AsyncEngine, session_factory: Callable[[AsyncConnection], AsyncSession]
) -> AsyncIterator[AsyncSession]:
    """A session in one transaction that the driver begins and ends.

    ``autocommit_engine`` hands out pooled connections on which SQLAlchemy sends no
    ``BEGIN``/``COMMIT`` of its own; we send them. On success the session is flushed, then
    committed; on any error rolled back. A connection that fails to begin, commit or roll
    back is invalidated, and the error comes out as SQLAlchemy's ``OperationalError``.
    """
    async with autocommit_engine.connect() as connection:
        sync_connection = connection.sync_connection
        assert sync_connection is not None
        driver = sync_connection.connection.driver_connection
        await _control(connection, driver, "BEGIN")
        session = session_factory(connection)
        session.info[_OWN_TRANSACTION_KEY] = driver
        try:
            yield session
            await session.flush()
        except BaseException:
            await _roll_back(connection, driver)
            await session.close()
            raise
        try:
            await _control(connection, driver, "COMMIT")
        finally:
            await session.close()


async def _control(connection: AsyncConnection, driver: asyncpg.Connection, sql: str) -> None:
    try:
        await driver.execute(sql)
    except _DRIVER_ERRORS as error:
        lost = isinstance(error, _LOST) or driver.is_closed()
        if lost:
            await connection.invalidate()
        elif driver.is_in_transaction():
            await _roll_back(connection, driver)
        raise OperationalError(sql, None, error, connection_invalidated=lost) from error


async def _roll_back(connection: AsyncConnection, driver: asyncpg.Connection) -> None:
    """Roll back; a connection that cannot is invalidated, never returned mid-transaction."""
    try:
        await driver.execute("ROLLBACK")
    except BaseException as error:
        log.warning("rollback failed (%s): the connection is discarded", error)
        await connection.invalidate()
        if not isinstance(error, Exception):
            raise
