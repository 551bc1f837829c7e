"""SQLite, the embedded default: WAL, foreign keys, and one writer at a time.

SQLite lets one transaction write at a time. Left to itself, every concurrent event of
this process would wait for the write lock inside SQLite's busy handler, which polls with
growing sleeps: at 32 events in flight p99 was 2.8 s (docs/performance.md). So the
process writes through one connection, the ``Writer``'s:

- **Writers take turns in the process.** An event's write transaction waits for its
  turn on an ``asyncio.Lock``, so a writer of this process never meets SQLite's lock held
  by another one. Readers (the open-data API) use the other connections and do not wait:
  in WAL mode they read in parallel. Other processes on the same file (the terminal
  chat, ``tick``, imports) still meet the lock, and wait up to ``BUSY_TIMEOUT_MS``.
- **Group commit.** Committing syncs the WAL file to disk (about 1 ms here, far more on
  a slow disk), and nothing can write meanwhile. So events that wait for their turn
  while one writes join its transaction, each in a savepoint of its own (a failed event
  rolls back to its savepoint and leaves the others' writes alone), and one ``COMMIT``
  makes all of them durable: whoever ends a turn with nobody waiting commits. An event's
  transaction ends only when the commit that carries it has returned, so its answer
  never promises what is not on disk; if that commit fails, every event in it fails
  (and is delivered again, nothing of it having been kept).
- **Nothing inside a turn waits for a thread.** aiosqlite runs every call on a thread of
  its own; a statement through SQLAlchemy costs about four handoffs, each ~100 us of CPU
  and a trip around the event loop during which the turn is held. So the transaction is
  begun, and the savepoints set and released, on the sqlite3 connection itself, on the
  event loop's thread, as are the hot statements (``storage.hot``). ``BEGIN IMMEDIATE``
  is tried with the busy timeout at zero: it takes the lock at once, or (another process
  writes) is left to aiosqlite's thread to wait for. ``COMMIT`` goes to aiosqlite's
  thread: its sync to disk must not stop the event loop. Statements the ORM runs go
  through aiosqlite on the same connection, inside the event's savepoint.

The connections are opened with ``check_same_thread=False`` for this; aiosqlite's thread
is idle whenever our code runs, since every call into it is awaited.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

log = logging.getLogger(__name__)

# How long a SQLite writer waits for another process's write transaction to end.
BUSY_TIMEOUT_MS = 30_000
OWN_TRANSACTION_KEY = "vz_sqlite_transaction"
# check_same_thread: the hot statements run on the event loop's thread, while aiosqlite's
# own thread is idle (every call into it is awaited).
CONNECT_ARGS = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
# Events whose writes one commit may carry, at most (it bounds the wait of the first).
MAX_GROUP = 64
_SAVEPOINT = "vz_event"


def configure(engine: AsyncEngine, read_only_option: str) -> None:
    """WAL, foreign keys and the busy timeout on every connection; ``BEGIN IMMEDIATE`` for
    SQLAlchemy's own write transactions, a plain ``BEGIN`` for ``read_only_option``'s.

    pysqlite's default deferred transactions let two writers both read, then one fails
    with "database is locked" when upgrading its lock. IMMEDIATE takes the write lock up
    front.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        # The pool's own reset would roll back every connection through aiosqlite's thread
        # (a handoff per event); a transaction is rarely open here, and ending it on the
        # sqlite3 connection takes no wait.
        raw = getattr(getattr(dbapi_connection, "_connection", None), "_conn", None)
        if isinstance(raw, sqlite3.Connection) and raw.in_transaction:
            raw.execute("ROLLBACK")

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        raw = raw_connection(connection)
        if raw is not None and raw.in_transaction:
            return  # inside ``write_transaction``: the ORM's statements join it
        # Readers (the public API) take no write lock, so they never queue behind signing.
        reading = connection.get_execution_options().get(read_only_option, False)
        statement = "BEGIN" if reading else "BEGIN IMMEDIATE"
        if raw is None or not begin_at_once(raw, statement):
            connection.exec_driver_sql(statement)


def raw_connection(connection: Any) -> sqlite3.Connection | None:
    """The sqlite3 connection under a SQLAlchemy connection (aiosqlite keeps it as
    ``_conn``, as SQLAlchemy's own adapter knows); None for anything else."""
    adapted = connection.connection.driver_connection
    raw = getattr(adapted, "_conn", None)
    return raw if isinstance(raw, sqlite3.Connection) else None


def begin_at_once(raw: sqlite3.Connection, statement: str) -> bool:
    """``statement`` (a ``BEGIN``) on this thread if it needs no waiting; False when
    another process holds the lock it needs (then nothing was begun)."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute(statement)
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return True


def is_busy(error: sqlite3.Error) -> bool:
    message = str(error).casefold()
    return "locked" in message or "busy" in message


@dataclass
class _Group:
    """One SQLite transaction that several events' writes share (a group commit)."""

    connection: AsyncConnection
    raw: sqlite3.Connection
    committed: asyncio.Future[None]
    members: int = 0
    committer_queued: bool = False


def _lost(statement: str, why: str) -> StatementError:
    """The error every member of a group gets when its transaction is gone: an unavailable
    database (``storage.errors``), so the messengers deliver the events again."""
    error = sqlite3.OperationalError(why)
    return DBAPIError.instance(statement, (), error, sqlite3.Error, connection_invalidated=True)


class Writer:
    """This process's one writer connection; events' write transactions take turns on it
    and are committed in groups (see the module's docstring)."""

    def __init__(self, url: str, read_only_option: str, *, max_group: int = MAX_GROUP) -> None:
        self.engine = create_async_engine(
            url,
            connect_args=CONNECT_ARGS,
            # SQLAlchemy neither begins nor ends transactions on this connection: the
            # writer does, on the sqlite3 connection (a session's rollback must never
            # end a group that other events' writes are in).
            isolation_level="AUTOCOMMIT",
            skip_autocommit_rollback=True,
            pool_size=1,
            max_overflow=0,
            pool_reset_on_return=None,
        )
        configure(self.engine, read_only_option)
        self.max_group = max_group
        self._turn = asyncio.Lock()
        self._waiting = 0
        self._connection: AsyncConnection | None = None
        self._group: _Group | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writing: ContextVar[bool] = ContextVar(f"vz_writing_{id(self)}", default=False)

    @asynccontextmanager
    async def transaction(
        self, session_factory: Callable[[AsyncConnection], AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        """A session whose writes are committed (with those of other events) when the
        block ends without an error, and undone when it raises. The block's end waits for
        the commit, so a caller that answers afterwards answers only what is on disk."""
        if self._writing.get():
            # The turn is not re-entrant: a transaction opened inside another one of the
            # same task would wait for itself for ever.
            raise RuntimeError("a write transaction is already open in this task")
        token = self._writing.set(True)
        try:
            group = await self._take_turn()
            try:
                raw = group.raw
                raw.execute(f"SAVEPOINT {_SAVEPOINT}")
                session = session_factory(group.connection)
                session.info[OWN_TRANSACTION_KEY] = raw
                try:
                    yield session
                    await session.flush()
                except BaseException:
                    self._undo(group)
                    raise
                finally:
                    await _close(session)
                raw.execute(f"RELEASE {_SAVEPOINT}")
                group.members += 1
            finally:
                self._pass_turn(group)
            # Shielded: a member that stops waiting must not cancel the others' commit.
            await asyncio.shield(group.committed)
        finally:
            self._writing.reset(token)

    async def _take_turn(self) -> _Group:
        self._waiting += 1
        try:
            await self._turn.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._group is None:
                self._group = await self._begin()
        except BaseException:
            self._turn.release()
            raise
        return self._group

    async def _begin(self) -> _Group:
        connection = self._connection
        if connection is None or connection.invalidated or connection.closed:
            if connection is not None:
                await connection.close()  # gives its place in the pool back
            connection = self._connection = await self.engine.connect()
        sync_connection = connection.sync_connection
        assert sync_connection is not None
        raw = raw_connection(sync_connection)
        if raw is None:
            raise RuntimeError("SQLite write transactions need the aiosqlite driver")
        if not begin_at_once(raw, "BEGIN IMMEDIATE"):
            # Another process writes: aiosqlite's thread waits for it, not the loop.
            aiosqlite_connection: Any = sync_connection.connection.driver_connection
            try:
                await aiosqlite_connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, sqlite3.Error) from error
        return _Group(connection, raw, asyncio.get_running_loop().create_future())

    def _undo(self, group: _Group) -> None:
        """Undo the failed event's writes; the group goes on without them. Should the
        whole transaction be gone (SQLAlchemy closes a connection whose statement was
        cancelled; SQLite ends it on a full disk or an I/O error), the group fails."""
        try:
            if _usable(group) and group.raw.in_transaction:
                group.raw.execute(f"ROLLBACK TO {_SAVEPOINT}")
                group.raw.execute(f"RELEASE {_SAVEPOINT}")
                return
        except sqlite3.Error as error:
            log.warning("the failed event's savepoint could not be rolled back: %s", error)
        self._fail(group, "the write transaction was lost")

    def _fail(self, group: _Group, why: str) -> None:
        if self._group is group:
            self._group = None
        if _usable(group):
            with contextlib.suppress(sqlite3.Error):
                if group.raw.in_transaction:
                    group.raw.execute("ROLLBACK")
        else:
            # SQLAlchemy gave the connection up (a statement of it was cancelled), and
            # with it SQLite's write lock, which must not stay taken.
            self._spawn(_let_go_of(group.raw))
        if not group.committed.done():
            group.committed.set_exception(_lost("COMMIT", why))
            group.committed.exception()  # retrieved here: the members raise it themselves

    def _pass_turn(self, group: _Group) -> None:
        """Let the next writer extend the group, or commit it when nobody waits (or it is
        full). The turn passes on at once, or once the commit has returned."""
        if self._group is not group:  # it failed: nothing to commit
            self._turn.release()
            return
        if self._waiting and group.members < self.max_group:
            if not group.committer_queued:
                # Whoever comes last commits; should the waiters go away instead, the
                # committer, queued behind them, does.
                group.committer_queued = True
                self._spawn(self._commit_in_turn(group))
            self._turn.release()
            return
        self._group = None
        self._spawn(self._commit_then_pass(group))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        # A task of its own, kept till it ends: a member's cancellation cannot cut a commit
        # short and leave the turn taken or the others waiting.
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _commit_in_turn(self, group: _Group) -> None:
        async with self._turn:
            if self._group is group:
                self._group = None
                await self._commit(group)

    async def _commit_then_pass(self, group: _Group) -> None:
        try:
            await self._commit(group)
        finally:
            self._turn.release()

    async def _commit(self, group: _Group) -> None:
        """``COMMIT`` on aiosqlite's thread: it syncs the WAL to disk (about 1 ms here, far
        more on a slow disk), which must not stop the event loop; an automatic checkpoint,
        when due, runs in it too."""
        if not _usable(group):
            self._fail(group, "the writer connection was lost")
            return
        sync_connection = group.connection.sync_connection
        assert sync_connection is not None
        aiosqlite_connection: Any = sync_connection.connection.driver_connection
        try:
            await aiosqlite_connection.execute("COMMIT")
        except BaseException as error:
            with contextlib.suppress(sqlite3.Error):
                if group.raw.in_transaction:
                    group.raw.execute("ROLLBACK")
            if not group.committed.done():
                failure = (
                    DBAPIError.instance("COMMIT", (), error, sqlite3.Error)
                    if isinstance(error, sqlite3.Error)
                    else _lost("COMMIT", f"the commit was interrupted: {error!r}")
                )
                group.committed.set_exception(failure)
                group.committed.exception()  # retrieved: its members raise it themselves
            if not isinstance(error, Exception):
                raise
            return
        if not group.committed.done():
            group.committed.set_result(None)

    async def dispose(self) -> None:
        """Let commits under way end, then close the writer connection."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        await self.engine.dispose()


async def _let_go_of(raw: sqlite3.Connection) -> None:
    """Make a sqlite3 connection SQLAlchemy gave up let go of SQLite's write lock.

    Still open, it is interrupted, rolled back and closed. Closed already (SQLAlchemy
    closes it from the event loop while aiosqlite's thread still ran its statement), it
    lives on as a "zombie" holding the lock until its statements are finalized, which
    happens when their abandoned cursors are collected: so collect them now.
    """
    try:
        raw.interrupt()
    except sqlite3.ProgrammingError:
        await asyncio.sleep(0)
        gc.collect()
        return
    for _ in range(100):
        try:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raw.close()
            return
        except sqlite3.ProgrammingError:
            return  # closed already
        except sqlite3.OperationalError:
            await asyncio.sleep(0.05)
    log.error("a lost writer connection could not be closed; SQLite's lock stays taken")


def _usable(group: _Group) -> bool:
    return not group.connection.invalidated and not group.connection.closed


async def _close(session: AsyncSession) -> None:
    try:
        await session.close()
    except Exception:
        # Closing only forgets the session's objects; the transaction is the writer's.
        log.exception("closing a write session failed")
