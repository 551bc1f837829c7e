"""Two citizens who turn out to be one person (the same verified phone on two messengers)
become one: every module moves its rows from the one to the other, then the shared parts
(messenger accounts, the outbox's notices) follow and the emptied citizen is deleted.

A module whose rows name a citizen declares a ``MergeStep`` in its module declaration;
the merge runs each in the declared order inside the verifying event's transaction, so a
merge is whole or not at all. A step resolves what cannot be moved as it is (two
signatures under one petition keep the earlier one) before moving the rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from storage import repositories as repo

# (session, source citizen id, target citizen id): move the module's rows to the target.
MergeStep = Callable[[AsyncSession, int, int], Awaitable[None]]


async def merge_citizens(
    session: AsyncSession, *, source_id: int, target_id: int, steps: Sequence[MergeStep]
) -> None:
    """Fold citizen ``source_id`` into ``target_id``: the modules' rows, then the shared
    ones; the source citizen is deleted."""
    for step in steps:
        await step(session, source_id, target_id)
    await repo.merge_shared_rows(session, source_id=source_id, target_id=target_id)
