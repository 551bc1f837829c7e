"""What a flow sees while it handles one event, and how it answers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from civic.citizens import Citizens
from civic.merge import MergeStep
from civic.petitions import Petitions
from handlers.events import IncomingEvent
from handlers.payloads import MAX_ID
from handlers.replies import Button, Document, Image, Reply
from handlers.state import DialogState
from handlers.texts import Texts
from storage.models import ChannelAccount, Citizen

if TYPE_CHECKING:
    from handlers.routing import ChatRoutes

_DEEP_LINK_ID = re.compile(r"[1-9][0-9]{0,18}")


@dataclass(frozen=True, slots=True)
class CoreConfig:
    default_locale: str
    zone: ZoneInfo
    verified_actions: frozenset[str]
    phone_key: bytes
    # What each module does with its rows when two citizens turn out to be one person.
    merge_steps: Sequence[MergeStep] = ()


@dataclass
class Context:
    session: AsyncSession
    event: IncomingEvent
    account: ChannelAccount
    state: DialogState
    now: datetime
    config: CoreConfig
    routes: ChatRoutes
    share_link: Callable[[str], str]
    replies: list[Reply] = field(default_factory=list)
    # Set by a flow that wants another payload handled after it (resume after verifying).
    follow_up: str | None = None
    _texts: Texts | None = None

    @property
    def t(self) -> Texts:
        if self._texts is None or self._texts.locale != self.account.locale:
            self._texts = Texts(self.account.locale, self.config.zone)
        return self._texts

    @property
    def citizen(self) -> Citizen:
        return self.account.citizen

    @property
    def channel(self) -> str:
        return self.event.sender.channel

    @property
    def petitions(self) -> Petitions:
        return Petitions(self.session)

    @property
    def citizens(self) -> Citizens:
        return Citizens(self.session, self.config.phone_key, self.config.merge_steps)

    def needs_verification(self, action: str) -> bool:
        return action in self.config.verified_actions and self.citizen.phone_hash is None

    def reply(
        self,
        text: str,
        buttons: Sequence[Sequence[Button]] = (),
        *,
        request_phone: str | None = None,
        image: Image | None = None,
        replaces_origin: bool = False,
        documents: Sequence[Document] = (),
    ) -> None:
        self.replies.append(
            Reply(
                text=text,
                buttons=buttons,
                request_phone=request_phone,
                image=image,
                replaces_origin=replaces_origin,
                documents=documents,
            )
        )

    async def open_deep_link(self, payload: str) -> bool:
        """``petition_5`` → the petition module's handler for id 5; False if none fits."""
        kind, _, raw_id = payload.rpartition("_")
        handler = self.routes.deep_links.get(kind)
        if handler is None or not _DEEP_LINK_ID.fullmatch(raw_id) or int(raw_id) > MAX_ID:
            return False
        await handler(self, int(raw_id))
        return True

    def main_menu_buttons(self) -> list[list[Button]]:
        return [[Button(entry.label(self.t), entry.press)] for entry in self.routes.menu]
