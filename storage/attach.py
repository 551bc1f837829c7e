"""ORM objects from rows a Core statement read, without the ORM's loading machinery.

The hot path (every sign event) reads the sender's account and the petition with Core
statements that do more than one thing in one round trip (claim the event and lock the
account, say). The handlers still want ORM objects, so the row is turned into the
persistent instance an ORM query would have given: built, marked as freshly loaded
(``make_transient_to_detached``) and added to the session's identity map. This costs a
fraction of an ORM load (docs/performance.md). An instance the session already holds is
returned as it is, as an ORM query without ``populate_existing`` would.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import Label, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.sql import FromClause

from storage.models import Base

M = TypeVar("M", bound=Base)


@cache
def _attributes(model: type[Base]) -> tuple[tuple[str, str], ...]:
    """(attribute, column name) of each mapped column of ``model``."""
    return tuple((prop.key, prop.columns[0].name) for prop in inspect(model).column_attrs)


@cache
def _primary_key(model: type[Base]) -> tuple[str, ...]:
    mapper = inspect(model)
    return tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)


def labelled_columns(model: type[Base], source: FromClause, prefix: str) -> list[Label[Any]]:
    """``source``'s columns for ``model``'s attributes, labelled ``prefix + attribute``."""
    return [source.c[column].label(prefix + key) for key, column in _attributes(model)]


def attach(session: AsyncSession, model: type[M], row: Mapping[Any, Any], prefix: str) -> M | None:
    """The persistent ``model`` instance for the ``prefix``-labelled columns of ``row``;
    None when the row has none (the outer side of a join that matched nothing)."""
    values = {key: row[prefix + key] for key, _ in _attributes(model)}
    primary_key = tuple(values[key] for key in _primary_key(model))
    if any(value is None for value in primary_key):
        return None
    identity = inspect(model).identity_key_from_primary_key(primary_key)
    existing = session.sync_session.identity_map.get(identity)
    if existing is not None:
        return cast(M, existing)
    # A bare instance with its column values as loaded, not set attribute by attribute
    # through the constructor: each instrumented set records history that
    # make_transient_to_detached would only throw away (half the cost of an attach).
    instance: M = manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance
