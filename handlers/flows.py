"""Step-by-step flows, typed: their steps and what they have gathered so far.

A flow (creating a petition, filing a request...) keeps where the citizen is and what
they have typed in the dialog state, which is stored as JSON between events. A ``Flow``
names its steps with a ``StrEnum`` and its gathered values with a pydantic model, so a
handler reads ``FLOW.gathered(ctx.state)`` (typed, validated) instead of picking strings
out of a dictionary, and a state it cannot read (written by an older version, say) is
None: the flow starts again instead of failing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from handlers.state import DialogState

S = TypeVar("S", bound=enum.StrEnum)
G = TypeVar("G", bound=BaseModel)


class Gathered(BaseModel):
    """Base of a flow's gathered values: a flow stores nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Nothing(Gathered):
    """For a flow that gathers nothing (a search box)."""


@dataclass(frozen=True)
class Flow(Generic[S, G]):
    name: str
    steps: type[S]
    gathered_as: type[G]

    def go(self, state: DialogState, step: S, gathered: G) -> None:
        """Put the dialog at ``step`` of this flow, with what it has gathered."""
        state.flow, state.step = self.name, step.value
        state.data = gathered.model_dump(mode="json", exclude_none=True)

    def step(self, state: DialogState) -> S | None:
        """The step the dialog is at, if it is in this flow."""
        if state.flow != self.name or state.step is None:
            return None
        try:
            return self.steps(state.step)
        except ValueError:
            return None

    def gathered(self, state: DialogState) -> G | None:
        """What the flow has gathered; None outside it or for a state it cannot read."""
        if state.flow != self.name:
            return None
        try:
            return self.gathered_as.model_validate(state.data)
        except ValidationError:
            return None
