"""A crawl of every admin route: without a session nothing opens or changes; without the
CSRF token no POST changes anything; user text is escaped on every page that shows it;
an official bound to one authority cannot open another's items by typing their URLs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.modules import product_modules
from civic.clock import FixedClock
from civic.petitions import PetitionDraft, Petitions
from storage.db import Database
from storage.models import Petition, PetitionStatus
from storage.official_models import AuditEntry, OfficialRole
from tests.admin.conftest import Client, file_request, make_official, new_citizen, sign_in
from tests.helpers import make_authority

MARKUP = '<script>alert("x")</script><b>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;"


def _all_routes() -> list[tuple[str, str]]:
    from bot.admin import accounts, audit_views, calendar_views, dashboard

    routes = [*dashboard.ROUTES, *calendar_views.ROUTES, *audit_views.ROUTES, *accounts.ROUTES]
    for views in product_modules().admin_views:
        routes.extend(views.routes)
    # Every path parameter ({id}, {comment_id}...) is a number in the routes that exist.
    return [(route.method, "/admin" + re.sub(r"\{\w+\}", "1", route.path)) for route in routes]


ROUTES = _all_routes()


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_without_a_session_nothing_opens(client: Client, method: str, path: str) -> None:
    """Every admin GET redirects to the login form; every other method is refused."""
    response = await client.request(method, path, allow_redirects=False)
    if method == "GET":
        assert response.status == 303
        assert response.headers["Location"] == "/admin/login"
    else:
        assert response.status in (401, 403)


async def _petition_in_moderation(database: Database, clock: FixedClock, title: str) -> int:
    authority_id = await make_authority(database, clock.now(), name=f"Рада {title[:3]}")
    author_id = await new_citizen(database, clock)
    async with database.transaction() as session:
        petition = await Petitions(session).submit(
            PetitionDraft(
                authority_id=authority_id,
                title=title,
                body="Просимо облаштувати безпечний пішохідний перехід біля школи та світлофор.",
                author_name="Марія Коваль",
            ),
            author_id,
            clock.now(),
        )
        return petition.id


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST"])
async def test_a_post_without_the_csrf_token_changes_nothing(
    client: Client, database: Database, clock: FixedClock, method: str, path: str
) -> None:
    """With a live administrator's session but a wrong token, every POST answers 403
    and writes nothing (no audit entry, the petition still in moderation)."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    petition_id = await _petition_in_moderation(database, clock, "Перехід біля школи №1")
    path = path.replace("/1/", f"/{petition_id}/")
    await sign_in(client, "mod@example.org")
    async with database.transaction() as session:
        before = await session.scalar(select(func.count()).select_from(AuditEntry))
    response = await client.post(
        path,
        data={"csrf_token": "forged", "reason": "Не відповідає вимогам закону."},
        allow_redirects=False,
    )
    assert response.status == 403
    async with database.transaction() as session:
        after = await session.scalar(select(func.count()).select_from(AuditEntry))
        petition = await session.get(Petition, petition_id)
        assert petition is not None
        assert petition.status is PetitionStatus.MODERATION
    assert after == before


async def test_markup_in_user_text_is_shown_escaped(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A petition title, an authority name and a request's text full of markup appear as
    text on the lists, the items, the directory and the dashboard."""
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    petition_id = await _petition_in_moderation(database, clock, f"Назва {MARKUP} петиції")
    authority_id = await make_authority(database, clock.now(), name=f"Орган {MARKUP}")
    request_id = await file_request(
        database,
        clock,
        authority_id,
        f"Прошу надати копію рішення {MARKUP} про бюджет громади на 2026 рік.",
        "telegram",
    )
    await sign_in(client, "mod@example.org")
    for path in (
        "/admin/petitions",
        f"/admin/petitions/{petition_id}",
        "/admin/",
        "/admin/requests",
        f"/admin/requests/{request_id}",
        "/admin/authorities?q=Орган",
        f"/admin/authorities/{authority_id}",
    ):
        html = await (await client.get(path)).text()
        assert "<script>" not in html, path
        assert ESCAPED in html, path


async def test_an_official_cannot_open_another_authoritys_items(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """An official bound to one authority gets 404 for another authority's petition and
    request, by typing their URLs, and for its actions."""
    mine = await make_authority(database, clock.now(), name="Моя рада")
    other = await make_authority(database, clock.now(), name="Чужа рада")
    await make_official(database, clock, "off@example.org", OfficialRole.OFFICIAL, (mine,))
    request_id = await file_request(
        database,
        clock,
        other,
        "Прошу надати копію рішення про бюджет громади на 2026 рік і додатки.",
        "viber",
    )
    signed_in = await sign_in(client, "off@example.org")
    assert (await client.get(f"/admin/requests/{request_id}")).status == 404
    answer = await signed_in.post(
        f"/admin/requests/{request_id}/refuse",
        ground="not_holder",
        text="Не маємо такої інформації.",
    )
    assert answer.status == 404
    listing = await (await client.get("/admin/requests?status=all")).text()
    assert not re.search(rf'/admin/requests/{request_id}"', listing)
