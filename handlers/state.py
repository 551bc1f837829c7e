"""Dialog state, persisted per channel account as JSON in the database."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError


class DialogState(BaseModel):
    """Where a user is in a flow, what they have typed so far, and the choices on screen.

    ``choices`` are the (label, payload) pairs of the last reply's buttons, so that typing
    "2" or a button's label works on any channel, with or without buttons.
    """

    flow: str | None = None
    step: str | None = None
    # What the current flow has gathered (see handlers.flows): its own typed model, dumped.
    data: dict[str, Any] = Field(default_factory=dict)
    choices: list[tuple[str, str]] = Field(default_factory=list)
    # An action waiting for phone verification, resumed once the phone is confirmed.
    resume: str | None = None
    # The last answer asked for the phone (its "share" keyboard may still be on screen).
    phone_requested: bool = False

    @classmethod
    def load(cls, raw: dict[str, Any] | None) -> DialogState:
        try:
            return cls.model_validate(raw or {})
        except ValidationError:
            # A state written by an older version we cannot read: start afresh rather than
            # leave the citizen stuck.
            return cls()

    def dump(self) -> dict[str, Any]:
        return self.model_dump(exclude_defaults=True)

    def leave(self) -> None:
        self.flow = self.step = None
        self.data = {}
