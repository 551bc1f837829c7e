"""Two citizens who turn out to be one person: every module's rows follow the merge.

Before the module contract the merge moved petitions, signatures and accounts only, so a
citizen who had filed an information request could not confirm a phone known from another
messenger (the foreign key refused to delete the emptied citizen).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from civic.clock import FixedClock
from civic.consultations import Consultations, ConsultationTerms
from civic.draft_sections import DraftSection
from civic.elections import Elections, ElectionTerms
from civic.information_requests import InformationRequests, RequestDraft
from civic.outbox import owe_notice
from civic.petitions import PetitionDraft, Petitions
from civic.polls import Polls, PollTerms
from civic.preferences import Preferences
from handlers.core import ConversationCore
from storage.consultation_models import (
    CommentFlag,
    CommentKind,
    ConsultationComment,
    ConsultationStance,
    Stance,
)
from storage.db import Database
from storage.election_models import ElectionVoter
from storage.models import (
    Base,
    ChannelAccount,
    Citizen,
    InformationRequest,
    Notice,
    Petition,
    Signature,
)
from storage.outbox_models import FollowedTopic, NotificationPreference
from storage.poll_models import PollRespondent, PollResponse
from tests.helpers import BODY, make_authority, make_open_petition
from tests.personas import Persona

PHONE = "+380671234567"
REQUEST = "Прошу надати копію кошторису ремонту школи № 5 за 2026 рік."

# Every column that names a citizen, and the rows this test gives the citizen who is
# folded into the other. A module that adds such a column adds its row here too.
CITIZEN_COLUMNS = {
    ("channel_account", "citizen_id"),
    ("petition", "author_citizen_id"),
    ("signature", "citizen_id"),
    ("information_request", "citizen_id"),
    ("notice", "citizen_id"),
    ("notification_preference", "citizen_id"),
    ("followed_topic", "citizen_id"),
    ("election_voter", "citizen_id"),
    ("poll_respondent", "citizen_id"),
    ("poll_response", "citizen_id"),
    ("consultation_stance", "citizen_id"),
    ("consultation_comment", "citizen_id"),
    ("consultation_flag", "citizen_id"),
}


def test_every_column_naming_a_citizen_is_covered() -> None:
    """The schema has no column referring to a citizen that this test does not fill."""
    referring = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == "citizen"
    }
    assert referring == CITIZEN_COLUMNS


async def _owns_one_of_everything(database: Database, clock: FixedClock, citizen_id: int) -> None:
    now = clock.now()
    authority_id = await make_authority(database, now, name="Рада для злиття")
    petition_id = await make_open_petition(database, now, authority_id=authority_id)
    async with database.transaction() as session:
        petitions = Petitions(session)
        await petitions.sign(petition_id, citizen_id, "telegram", now)
        draft = PetitionDraft(authority_id, "Власна петиція для злиття", BODY, "Олена Коваль")
        await petitions.submit(draft, citizen_id, now)
        await InformationRequests(session).file(
            RequestDraft(authority_id, REQUEST, "Олена Коваль"), citizen_id, "telegram", "en", now
        )
        owe_notice(
            session,
            citizen_id=citizen_id,
            channel="telegram",
            kind="request_overdue",
            subject_id=1,
            now=now,
        )
        await Preferences(session).set_quiet_hours(citizen_id, False, now)
        session.add(FollowedTopic(citizen_id=citizen_id, topic="roads"))
        # A voter row as such (casting itself needs the phone the merge is about).
        election = await Elections(session).create(
            authority_id,
            ElectionTerms(
                title="Вибори для злиття",
                seats=1,
                max_choices=1,
                opens_at=now,
                closes_at=now + timedelta(days=1),
            ),
            now,
        )
        session.add(ElectionVoter(election_id=election.id, citizen_id=citizen_id))
        # A named poll's respondent and response as such (answering needs the phone too).
        poll = await Polls(session).create(
            PollTerms(
                authority_id=authority_id,
                title="Опитування для злиття",
                opens_at=now,
                closes_at=now + timedelta(days=1),
            ),
            now,
        )
        session.add(PollRespondent(poll_id=poll.id, citizen_id=citizen_id))
        session.add(
            PollResponse(id="merge-test", poll_id=poll.id, citizen_id=citizen_id, answered_at=now)
        )
        # A stance, a comment and a flag on a consultation open now.
        consultation = await Consultations(session).create(
            ConsultationTerms(
                authority_id=authority_id,
                title="Консультація для злиття",
                summary="Проєкт рішення для перевірки злиття.",
                affected="Мешканці громади та підприємства.",
                opens_at=now,
                closes_at=now + timedelta(days=20),
            ),
            [DraftSection("Стаття 1", "Текст.")],
            now,
        )
        consultations = Consultations(session)
        await consultations.set_stance(consultation.id, citizen_id, 1, Stance.SUPPORT, now)
        own = await consultations.comment(
            consultation.id, citizen_id, 1, CommentKind.COMMENT, "Мій коментар.", now
        )
        other = Citizen(created_at=now)
        session.add(other)
        await session.flush()
        theirs = await consultations.comment(
            consultation.id, other.id, 1, CommentKind.COMMENT, "Чужий коментар.", now
        )
        await consultations.flag(theirs.id, citizen_id, "спам", now)
        assert own.citizen_id == citizen_id


async def _owned_by(database: Database, citizen_id: int) -> dict[str, int]:
    async with database.transaction() as session:
        counts = {}
        for model, column in (
            (ChannelAccount, ChannelAccount.citizen_id),
            (Petition, Petition.author_citizen_id),
            (Signature, Signature.citizen_id),
            (InformationRequest, InformationRequest.citizen_id),
            (Notice, Notice.citizen_id),
            (NotificationPreference, NotificationPreference.citizen_id),
            (FollowedTopic, FollowedTopic.citizen_id),
            (ElectionVoter, ElectionVoter.citizen_id),
            (PollRespondent, PollRespondent.citizen_id),
            (PollResponse, PollResponse.citizen_id),
            (ConsultationStance, ConsultationStance.citizen_id),
            (ConsultationComment, ConsultationComment.citizen_id),
            (CommentFlag, CommentFlag.citizen_id),
        ):
            statement = select(func.count()).select_from(model).where(column == citizen_id)
            counts[model.__tablename__] = int((await session.execute(statement)).scalar_one())
        return counts


async def test_a_citizen_who_owns_one_of_everything_merges_whole(
    core: ConversationCore, database: Database, clock: FixedClock
) -> None:
    """Confirming a phone known from Viber folds the Telegram citizen, with a petition, a
    signature, an information request and a notice, into the Viber one; nothing stays
    behind and the emptied citizen is gone."""
    on_viber = Persona(core, channel="viber", user_id="olena-v", language_code="en")
    await on_viber.say("/start")
    await on_viber.share_phone(PHONE)
    on_telegram = Persona(core, channel="telegram", user_id="555", language_code="en")
    await on_telegram.say("/start")
    async with database.transaction() as session:
        source = (
            await session.execute(
                select(ChannelAccount.citizen_id).where(ChannelAccount.external_id == "555")
            )
        ).scalar_one()
        target = (
            await session.execute(
                select(ChannelAccount.citizen_id).where(ChannelAccount.external_id == "olena-v")
            )
        ).scalar_one()
    await _owns_one_of_everything(database, clock, source)
    before = await _owned_by(database, source)
    assert all(before.values()), before

    await on_telegram.share_phone(PHONE)

    assert "We know you from another messenger" in on_telegram.last.text
    assert all(count == 0 for count in (await _owned_by(database, source)).values())
    after = await _owned_by(database, target)
    assert after == {
        "channel_account": 2,
        "petition": 1,
        "signature": 1,
        "information_request": 1,
        "notice": 1,
        "notification_preference": 1,
        "followed_topic": 1,
        "election_voter": 1,
        "poll_respondent": 1,
        "poll_response": 1,
        "consultation_stance": 1,
        "consultation_comment": 1,
        "consultation_flag": 1,
    }
    async with database.transaction() as session:
        assert await session.get(Citizen, source) is None
    await on_telegram.say("/myrequests")
    assert "ЗІ-2026-000001" in on_telegram.last.text
