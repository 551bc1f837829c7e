"""The council elections module's admin views: the elections, one with its candidates,
results and seat allocation and the links to its published lists; creating one, editing
its terms until voting opens, nominating and withdrawing candidates, and counting it once
its window has ended.
Everyone signed in reads; ``Permission.RUN_ELECTIONS`` (administrators) changes, for
the authorities the official may see. Every change is one audit entry, with no ballot
content and no voter."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from bot.admin.authority_scope import authorities_for, page_of, within
from bot.admin.context import AdminContext
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.forms import posted
from bot.admin.responses import see_other
from civic.access import Permission
from civic.elections import ElectionError, Elections, ElectionTerms, phase
from civic.text import TextProblem
from storage.election_models import Election
from storage.models import Authority
from storage.organisation_models import Organisation

PAGE_SIZE = 25
RUN = Permission.RUN_ELECTIONS
FORM_FIELDS = ("authority_id", "title", "seats", "max_choices", "opens_at", "closes_at")


def _problem(context: AdminContext, code: str) -> str:
    t = context.texts
    problems = {
        "unknown_authority": t._("Choose the authority from the list."),
        "seats_out_of_range": t._("A public council has 1 to 35 seats."),
        "max_choices_out_of_range": t._("A ballot names at least one candidate."),
        "closes_before_it_opens": t._("Voting must close after it opens."),
        "already_open": t._("Voting has begun: the terms and the candidates are fixed."),
        "unknown_organisation": t._("Choose the organisation from the list."),
        "organisation_not_verified": t._("Only a verified organisation nominates."),
        "organisation_has_a_candidate": t._("This organisation already has a candidate."),
        "already_counted": t._("The ballots are already counted."),
        "still_open": t._("Voting has not closed yet."),
        "unknown_candidate": t._("No such candidate."),
        "photo_too_large": t._("The photo is larger than 5 MB."),
        "photo_not_an_image": t._("The photo must be a JPEG or PNG picture."),
        "photo_too_many_pixels": t._("The photo has too many pixels (40 million at most)."),
        "bad_time": t._("Write the dates and times as the form shows them."),
        "text": t._("A text is too short or too long."),
    }
    return problems.get(code, t._("That did not work."))


async def election_list(context: AdminContext) -> web.StreamResponse:
    statement = within(context, select(Election), Election.authority_id)
    order = (Election.opens_at.desc(), Election.id.desc())
    found = await page_of(context, statement, order, PAGE_SIZE)
    return context.render(
        "elections.html",
        elections=[(e, phase(e, context.now).value) for e in found.rows],
        page=found.page,
        pages=found.pages,
        total=found.total,
        may_run=context.official.can(RUN),
    )


async def _page(
    context: AdminContext, election_id: int, problem: str | None = None, http_status: int = 200
) -> web.Response:
    async with context.database.reading() as session:
        rules = Elections(session)
        election = await rules.get(election_id)
        if election is None or not context.official.sees_authority(election.authority_id):
            raise web.HTTPNotFound()
        candidates = await rules.candidates(election_id)
        organisations = (
            await session.scalars(
                select(Organisation)
                .where(Organisation.verified.is_(True))
                .order_by(Organisation.name)
            )
        ).all()
        authority = await session.get(Authority, election.authority_id)
        photos = await rules.with_photos(election_id)
    names = {candidate.id: candidate.name for candidate, _organisation in candidates}
    return context.render(
        "election.html",
        http_status=http_status,
        election=election,
        authority=authority,
        status=phase(election, context.now).value,
        candidates=candidates,
        photos=photos,
        results=[
            (place, names.get(int(place["candidate_id"]), "?")) for place in election.results or []
        ],
        organisations=organisations,
        values={
            "title": election.title,
            "seats": str(election.seats),
            "max_choices": str(election.max_choices),
            "opens_at": _form_time(election.opens_at, context.texts.zone),
            "closes_at": _form_time(election.closes_at, context.texts.zone),
        },
        problem=_problem(context, problem) if problem else None,
        may_run=context.official.may(RUN, election.authority_id),
    )


def _form_time(moment: datetime, zone: ZoneInfo) -> str:
    """As a ``datetime-local`` field shows it, in Kyiv time."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


async def election_view(context: AdminContext) -> web.StreamResponse:
    return await _page(context, context.int_param("id"))


async def new_form(context: AdminContext) -> web.StreamResponse:
    return await _new_page(context, {}, None)


async def _new_page(
    context: AdminContext, values: dict[str, str], problem: str | None, http_status: int = 200
) -> web.Response:
    authorities = await authorities_for(context)
    return context.render(
        "election_new.html",
        http_status=http_status,
        authorities=authorities,
        values=values,
        problem=_problem(context, problem) if problem else None,
    )


def _local(raw: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(raw).replace(tzinfo=zone)


def _posted_terms(context: AdminContext) -> tuple[dict[str, str], ElectionTerms | None]:
    """The form's values (to show again) and the terms they make (None: a number or a
    time the form could not have sent)."""
    form = posted(context.request)
    values = {name: form.get(name) for name in FORM_FIELDS}
    try:
        terms = ElectionTerms(
            title=values["title"],
            seats=int(values["seats"]),
            max_choices=int(values["max_choices"]),
            opens_at=_local(values["opens_at"], context.texts.zone),
            closes_at=_local(values["closes_at"], context.texts.zone),
        )
    except ValueError:
        return values, None
    return values, terms


async def create(context: AdminContext) -> web.StreamResponse:
    values, terms = _posted_terms(context)
    try:
        authority_id = int(values["authority_id"])
    except ValueError:
        terms = None
    if terms is None:
        return await _new_page(context, values, "bad_time", http_status=400)
    if not context.official.may(RUN, authority_id):
        return await _new_page(context, values, "unknown_authority", http_status=400)
    try:
        async with context.database.transaction() as session:
            election = await Elections(session).create(authority_id, terms, context.now)
            context.audit(
                session,
                action="election_create",
                object_type="election",
                object_id=election.id,
                after=_fields(election),
            )
            created = election.id
    except ElectionError as error:
        return await _new_page(context, values, error.code, http_status=400)
    except TextProblem:
        return await _new_page(context, values, "text", http_status=400)
    return see_other(f"/admin/elections/{created}?done=created")


def _fields(election: Election) -> dict[str, Any]:
    return {
        "authority_id": election.authority_id,
        "title": election.title,
        "seats": election.seats,
        "max_choices": election.max_choices,
        "opens_at": election.opens_at,
        "closes_at": election.closes_at,
    }


async def _change(context: AdminContext, change: str) -> web.StreamResponse:
    """Edit the terms, nominate (with a photo or not), set a photo, withdraw or count,
    checked and audited."""
    election_id = context.int_param("id")
    form = posted(context.request)
    try:
        async with context.database.transaction() as session:
            rules = Elections(session)
            election = await rules.get(election_id)
            if election is None or not context.official.sees_authority(election.authority_id):
                raise web.HTTPNotFound()
            context.require(RUN, election.authority_id)
            before: dict[str, Any] | None = None
            if change == "edit":
                _values, terms = _posted_terms(context)
                if terms is None:
                    raise ValueError("bad terms")
                before = _fields(election)
                edited = await rules.edit(election_id, terms, context.now)
                after: dict[str, Any] = _fields(edited)
            elif change == "nominate":
                candidate = await rules.nominate(
                    election_id,
                    int(form.get("organisation_id") or 0),
                    form.get("name"),
                    form.get("biography"),
                    context.now,
                )
                after = {
                    "candidate_id": candidate.id,
                    "name": candidate.name,
                    "organisation_id": candidate.organisation_id,
                }
                upload = _uploaded_photo(context)
                if upload is not None:
                    await rules.set_photo(election_id, candidate.id, upload, context.now)
                    after["photo"] = True
            elif change == "photo":
                candidate_id = int(form.get("candidate_id") or 0)
                upload = _uploaded_photo(context)
                if upload is None:
                    raise ElectionError("photo_not_an_image")
                photo = await rules.set_photo(election_id, candidate_id, upload, context.now)
                after = {"candidate_id": candidate_id, "photo_bytes": len(photo.content)}
            elif change == "withdraw":
                candidate_id = int(form.get("candidate_id") or 0)
                standing = {c.id for c, _o in await rules.candidates(election_id)}
                if candidate_id not in standing:
                    raise ElectionError("unknown_candidate")
                candidate = await rules.withdraw(candidate_id, context.now)
                after = {"candidate_id": candidate.id, "withdrawn_at": candidate.withdrawn_at}
            else:
                counted = await rules.count(election_id, context.now)
                after = {
                    "ballot_count": counted.ballot_count,
                    "ballots_digest": counted.ballots_digest,
                    "receipts_digest": counted.receipts_digest,
                }
            context.audit(
                session,
                action=f"election_{change}",
                object_type="election",
                object_id=election_id,
                before=before,
                after=after,
            )
    except ElectionError as error:
        return await _page(context, election_id, error.code, http_status=409)
    except (TextProblem, ValueError):
        return await _page(context, election_id, "text", http_status=400)
    return see_other(f"/admin/elections/{election_id}?done={change}")


async def edit(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "edit")


def _uploaded_photo(context: AdminContext) -> bytes | None:
    files = posted(context.request).files.get("photo", [])
    return files[0].content if files else None


async def photo(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "photo")


async def nominate(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "nominate")


async def withdraw(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "withdraw")


async def close(context: AdminContext) -> web.StreamResponse:
    return await _change(context, "close")


VIEWS = AdminViews(
    routes=(
        AdminRoute("GET", "/elections", election_list),
        AdminRoute("GET", "/elections/new", new_form, RUN),
        AdminRoute("POST", "/elections/new", create, RUN),
        AdminRoute("GET", "/elections/{id}", election_view),
        AdminRoute("POST", "/elections/{id}/edit", edit, RUN),
        AdminRoute("POST", "/elections/{id}/candidates", nominate, RUN),
        AdminRoute("POST", "/elections/{id}/withdraw", withdraw, RUN),
        AdminRoute("POST", "/elections/{id}/photo", photo, RUN),
        AdminRoute("POST", "/elections/{id}/close", close, RUN),
    ),
    nav=(NavEntry("/admin/elections", lambda t: t._("Elections")),),
)
