"""Public council elections: the rules both the chat and the admin web call.

An election belongs to an authority's public council: at most 35 seats, a voting window,
candidates nominated by verified civil-society organisations (one each), and how many
candidates one ballot may name (``max_choices``). A citizen casts one ballot, whatever
the messenger, with the verification the election requires; the ballot gets a receipt
code shown once to the voter. After closing, the count (``civic.council_seats``) and the
two unlinked lists (``civic.ballot_lists``) are frozen on the election, and every voter
is owed the result (a fan-out over ``election_voter``).

One ballot per citizen is the database's: the voter row's primary key. Casting inserts
it first, in the same transaction as the ballot, its choices and its receipt; a repeat,
a parallel tap or the citizen's other messenger inserts nothing and is told so.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, exists, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from civic.ballot_lists import (
    canonical,
    digest,
    new_receipt_code,
    receipt_hash,
    shuffled_ballots,
)
from civic.candidate_photos import MEDIA_TYPE, PhotoProblem, prepared_photo
from civic.citizens import meets_verification
from civic.council_seats import Contender, allocate, count_votes
from civic.fan_outs import owe_fan_out
from civic.text import LengthRule, check_length
from storage.election_models import (
    Ballot,
    Candidate,
    CandidatePhoto,
    Election,
    ElectionReceipt,
    ElectionVoter,
    Verification,
)
from storage.election_queries import cast_in_one_statement
from storage.models import Authority, Citizen
from storage.organisation_models import Organisation
from storage.upsert import dialect_of, insert_for

MAX_SEATS = 35
TITLE_RULE = LengthRule(min_chars=5, max_chars=300, min_letters=3)
NAME_RULE = LengthRule(min_chars=3, max_chars=200, min_letters=3)
BIOGRAPHY_RULE = LengthRule(min_chars=0, max_chars=2000, min_letters=0)
# The fan-out audience of an election's voters, and the notice they get.
VOTERS = "election_voters"
RESULT_NOTICE = "election_result"


@dataclass(frozen=True)
class ElectionTerms:
    """What an official sets on an election, checked on create and on every edit until
    voting opens; the authority is set once, on create."""

    title: str
    seats: int
    max_choices: int
    opens_at: datetime
    closes_at: datetime


class ElectionError(Exception):
    """A rule refused; ``code`` names it for messages and the API."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ElectionPhase(enum.StrEnum):
    """An election's status, as the open data names it."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


Phase = ElectionPhase  # the short name the module's callers use


def phase(election: Election, now: datetime) -> Phase:
    if election.counted_at is not None or now >= election.closes_at:
        return Phase.CLOSED
    if now < election.opens_at:
        return Phase.SCHEDULED
    return Phase.OPEN


class CastOutcome(enum.StrEnum):
    CAST = "cast"
    ALREADY_VOTED = "already_voted"


@dataclass(frozen=True, slots=True)
class Cast:
    outcome: CastOutcome
    receipt: str | None = None  # shown once to the voter; only its hash is kept


def voters(election_id: int) -> Select[int, int, str]:
    """The fan-out audience: everyone who voted, on the messenger they used last (no
    preferred one: ``""``)."""
    return select(
        ElectionVoter.citizen_id.label("key"),
        ElectionVoter.citizen_id,
        literal("").label("channel"),
    ).where(ElectionVoter.election_id == election_id)


class Elections:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- officials --------------------------------------------------------------------

    async def create(self, authority_id: int, terms: ElectionTerms, now: datetime) -> Election:
        if await self.session.get(Authority, authority_id) is None:
            raise ElectionError("unknown_authority")
        election = Election(
            authority_id=authority_id, required_verification=Verification.PHONE, created_at=now
        )
        _apply(election, terms)
        self.session.add(election)
        await self.session.flush()
        return election

    async def edit(self, election_id: int, terms: ElectionTerms, now: datetime) -> Election:
        """New terms, only before voting opens (the authority stays)."""
        election = await self.session.get(Election, election_id, with_for_update=True)
        if election is None:
            raise ElectionError("not_found")
        if phase(election, now) is not Phase.SCHEDULED:
            raise ElectionError("already_open")
        _apply(election, terms)
        await self.session.flush()
        return election

    async def nominate(
        self, election_id: int, organisation_id: int, name: str, biography: str, now: datetime
    ) -> Candidate:
        """A candidate of a verified organisation, one per organisation, before opening."""
        election = await self._get(election_id)
        if phase(election, now) is not Phase.SCHEDULED:
            raise ElectionError("already_open")
        organisation = await self.session.get(Organisation, organisation_id)
        if organisation is None:
            raise ElectionError("unknown_organisation")
        if not organisation.verified:
            raise ElectionError("organisation_not_verified")
        taken = await self.session.scalar(
            select(
                exists().where(
                    Candidate.election_id == election_id,
                    Candidate.organisation_id == organisation_id,
                )
            )
        )
        if taken:
            raise ElectionError("organisation_has_a_candidate")
        candidate = Candidate(
            election_id=election_id,
            organisation_id=organisation_id,
            name=check_length(name, NAME_RULE),
            biography=check_length(biography, BIOGRAPHY_RULE) if biography.strip() else "",
        )
        self.session.add(candidate)
        await self.session.flush()
        return candidate

    async def set_photo(
        self, election_id: int, candidate_id: int, upload: bytes, now: datetime
    ) -> CandidatePhoto:
        """A candidate's photo (checked, shrunk, stripped of metadata), before voting
        opens; it replaces the one before."""
        election = await self._get(election_id)
        if phase(election, now) is not Phase.SCHEDULED:
            raise ElectionError("already_open")
        candidate = await self.session.get(Candidate, candidate_id)
        if candidate is None or candidate.election_id != election_id:
            raise ElectionError("unknown_candidate")
        try:
            content = prepared_photo(upload)
        except PhotoProblem as problem:
            raise ElectionError(f"photo_{problem.code}") from problem
        photo = await self.session.get(CandidatePhoto, candidate_id)
        if photo is None:
            photo = CandidatePhoto(candidate_id=candidate_id)
            self.session.add(photo)
        photo.media_type = MEDIA_TYPE
        photo.content = content
        photo.updated_at = now
        await self.session.flush()
        return photo

    async def photo(self, election_id: int, candidate_id: int) -> CandidatePhoto | None:
        """A candidate's photo, only under the election they stand in."""
        candidate = await self.session.get(Candidate, candidate_id)
        if candidate is None or candidate.election_id != election_id:
            return None
        return await self.session.get(CandidatePhoto, candidate_id)

    async def with_photos(self, election_id: int) -> set[int]:
        """The ids of the election's candidates who have a photo."""
        return set(
            await self.session.scalars(
                select(CandidatePhoto.candidate_id)
                .join(Candidate, Candidate.id == CandidatePhoto.candidate_id)
                .where(Candidate.election_id == election_id)
            )
        )

    async def withdraw(self, candidate_id: int, now: datetime) -> Candidate:
        """A candidate out of the race until the count; ballots cast for them before stay
        as they were, and a withdrawn candidate takes no seat."""
        candidate = await self.session.get(Candidate, candidate_id, with_for_update=True)
        if candidate is None:
            raise ElectionError("unknown_candidate")
        election = await self._get(candidate.election_id)
        if election.counted_at is not None:
            raise ElectionError("already_counted")
        if candidate.withdrawn_at is None:
            candidate.withdrawn_at = now
        return candidate

    # --- citizens ---------------------------------------------------------------------

    async def open_now(self, now: datetime) -> list[Election]:
        statement = (
            select(Election)
            .where(
                Election.opens_at <= now,
                Election.closes_at > now,
                Election.counted_at.is_(None),
            )
            .order_by(Election.closes_at, Election.id)
        )
        return list(await self.session.scalars(statement))

    async def get(self, election_id: int) -> Election | None:
        return await self.session.get(Election, election_id)

    async def candidates(self, election_id: int) -> list[tuple[Candidate, Organisation]]:
        rows = await self.session.execute(
            select(Candidate, Organisation)
            .join(Organisation, Organisation.id == Candidate.organisation_id)
            .where(Candidate.election_id == election_id)
            .order_by(Candidate.id)
        )
        return [(candidate, organisation) for candidate, organisation in rows.all()]

    async def has_voted(self, election_id: int, citizen_id: int) -> bool:
        found = await self.session.get(ElectionVoter, (election_id, citizen_id))
        return found is not None

    async def cast(
        self, election_id: int, citizen_id: int, choices: Sequence[int], now: datetime
    ) -> Cast:
        """Cast the citizen's one ballot naming ``choices`` (candidate ids, untrusted).

        On PostgreSQL the checks and the inserts are one statement, as signing a petition
        is (``storage.election_queries``); elsewhere the same steps one by one, with the
        same refusals in the same order."""
        chosen = sorted(set(choices))
        ballot_id = secrets.token_hex(16)
        code = new_receipt_code()
        if dialect_of(self.session) == "postgresql":
            outcome = await cast_in_one_statement(
                self.session,
                election_id=election_id,
                citizen_id=citizen_id,
                choices=chosen,
                ballot_id=ballot_id,
                code_hash=receipt_hash(code),
                now=now,
            )
        else:
            outcome = await self._cast_step_by_step(
                election_id, citizen_id, chosen, ballot_id, code, now
            )
        if outcome == CastOutcome.ALREADY_VOTED:
            return Cast(CastOutcome.ALREADY_VOTED)
        if outcome != CastOutcome.CAST:
            raise ElectionError(outcome)
        return Cast(CastOutcome.CAST, code)

    async def _cast_step_by_step(
        self,
        election_id: int,
        citizen_id: int,
        chosen: list[int],
        ballot_id: str,
        code: str,
        now: datetime,
    ) -> str:
        election = await self.session.get(Election, election_id)
        if election is None:
            return "not_found"
        current = phase(election, now)
        if current is Phase.SCHEDULED:
            return "not_open_yet"
        if current is Phase.CLOSED:
            return "closed"
        citizen = await self.session.get(Citizen, citizen_id)
        if citizen is None or not meets_verification(citizen, election.required_verification):
            return "verification_required"
        if not chosen:
            return "no_choice"
        if len(chosen) > election.max_choices:
            return "too_many_choices"
        standing = {
            candidate.id: candidate
            for candidate in await self.session.scalars(
                select(Candidate).where(Candidate.id.in_(chosen))
            )
        }
        if any(
            candidate_id not in standing or standing[candidate_id].election_id != election_id
            for candidate_id in chosen
        ):
            return "unknown_candidate"
        if any(standing[candidate_id].withdrawn_at is not None for candidate_id in chosen):
            return "withdrawn_candidate"
        inserted = await self.session.execute(
            insert_for(self.session, ElectionVoter)
            .values(election_id=election_id, citizen_id=citizen_id)
            .on_conflict_do_nothing()
            .returning(ElectionVoter.citizen_id)
        )
        if inserted.first() is None:
            return CastOutcome.ALREADY_VOTED
        await self.session.execute(
            insert(Ballot).values(id=ballot_id, election_id=election_id, choices=chosen)
        )
        await self.session.execute(
            insert(ElectionReceipt).values(election_id=election_id, code_hash=receipt_hash(code))
        )
        return CastOutcome.CAST

    async def receipt_counted(self, election_id: int, code: str) -> bool | None:
        """Whether a receipt code is in the published list (None: not counted yet)."""
        election = await self._get(election_id)
        if election.published_receipts is None:
            return None
        wanted = receipt_hash(code.strip().upper())
        found = await self.session.get(ElectionReceipt, (election_id, wanted))
        return found is not None

    # --- the count --------------------------------------------------------------------

    async def count(self, election_id: int, now: datetime) -> Election:
        """Close it: count the ballots, allocate the seats, freeze the two lists and their
        digests, and owe every voter the result. Once only, and not before the window
        ends."""
        election = await self.session.get(Election, election_id, with_for_update=True)
        if election is None:
            raise ElectionError("not_found")
        if election.counted_at is not None:
            raise ElectionError("already_counted")
        if now < election.closes_at:
            raise ElectionError("still_open")
        cast = await self.session.scalars(
            select(Ballot.choices).where(Ballot.election_id == election_id)
        )
        published = shuffled_ballots(list(cast))
        receipts = sorted(
            await self.session.scalars(
                select(ElectionReceipt.code_hash).where(ElectionReceipt.election_id == election_id)
            )
        )
        ballots_digest = digest(published)
        contenders = [
            Contender(candidate.id, candidate.organisation_id, candidate.withdrawn_at is not None)
            for candidate, _organisation in await self.candidates(election_id)
        ]
        placed = allocate(
            contenders, count_votes(b["choices"] for b in published), election.seats, ballots_digest
        )
        election.results = [place.as_dict() for place in placed]
        election.published_ballots = canonical(published)
        election.published_receipts = canonical(receipts)
        election.ballots_digest = ballots_digest
        election.receipts_digest = digest(receipts)
        election.ballot_count = len(published)
        election.counted_at = now
        owe_fan_out(
            self.session, audience=VOTERS, kind=RESULT_NOTICE, subject_id=election_id, now=now
        )
        return election

    async def count_due(self, now: datetime) -> int:
        """The scheduled step: count every election whose window has ended."""
        due = list(
            await self.session.scalars(
                select(Election.id).where(Election.closes_at <= now, Election.counted_at.is_(None))
            )
        )
        for election_id in due:
            await self.count(election_id, now)
        return len(due)

    async def _get(self, election_id: int) -> Election:
        election = await self.session.get(Election, election_id)
        if election is None:
            raise ElectionError("not_found")
        return election


def _apply(election: Election, terms: ElectionTerms) -> None:
    """Check the terms and set them on the election (nothing is set when one is refused)."""
    if not 1 <= terms.seats <= MAX_SEATS:
        raise ElectionError("seats_out_of_range")
    if terms.max_choices < 1:
        raise ElectionError("max_choices_out_of_range")
    if terms.closes_at <= terms.opens_at:
        raise ElectionError("closes_before_it_opens")
    election.title = check_length(terms.title, TITLE_RULE)
    election.seats = terms.seats
    election.max_choices = terms.max_choices
    election.opens_at = terms.opens_at
    election.closes_at = terms.closes_at


async def merge_step(session: AsyncSession, source_id: int, target_id: int) -> None:
    """A citizen who turns out to be another: their voter rows move. Both cannot have
    voted in one election: voting needs the verified phone, and two citizens merge when
    the second confirms the phone the first already has, so the second had none and could
    not vote. Should it happen anyway, one voter row stays (the ballots, unlinked, stay
    as cast)."""
    target_elections = select(ElectionVoter.election_id).where(
        ElectionVoter.citizen_id == target_id
    )
    await session.execute(
        delete(ElectionVoter).where(
            ElectionVoter.citizen_id == source_id,
            ElectionVoter.election_id.in_(target_elections),
        )
    )
    moving = list(
        await session.scalars(
            select(ElectionVoter.election_id).where(ElectionVoter.citizen_id == source_id)
        )
    )
    await session.execute(delete(ElectionVoter).where(ElectionVoter.citizen_id == source_id))
    for election_id in moving:
        session.add(ElectionVoter(election_id=election_id, citizen_id=target_id))
    await session.flush()
