"""Broadcasts in the admin web: a preview that shows each text as the messengers will,
the audience per messenger and the cost, and writes nothing; sending, audited, then
delivered by the outbox worker; following and cancelling one; only administrators send
or cancel; what was typed is shown as text everywhere."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from bot.admin.site import AdminSettings, AdminSite
from bot.modules import product_modules
from bot.web.server import create_app
from civic.broadcasts import Audience, BroadcastDraft, Broadcasts
from civic.clock import FixedClock
from civic.preferences import Preferences
from handlers.texts import Texts
from storage.db import Database
from storage.models import ChannelAccount, Notice
from storage.official_models import AuditEntry, OfficialRole
from storage.outbox_models import Broadcast, BroadcastStatus
from tests.admin.conftest import Client, SignedIn, make_official, sign_in, sign_in_administrator
from tests.helpers import make_authority
from tests.outbox_support import RecordingPusher, add_citizens, drain, worker

ADMIN = "admin@example.org"
KYIV = ZoneInfo("Europe/Kyiv")
MARKUP = '<script>alert("x")</script><b>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;"
UK_TEXT = "Увага: завтра з 9:00 до 18:00 не буде води на вулиці Шевченка."
EN_TEXT = "Notice: no water on Shevchenko Street tomorrow from 9:00 to 18:00."
STOP_EN = "🔕 Stop these announcements"


async def _audience(database: Database, clock: FixedClock) -> None:
    """Three citizens on Telegram in Ukrainian, two on Viber in English."""
    await add_citizens(database, clock.now(), "telegram", 3, "uk")
    await add_citizens(database, clock.now(), "viber", 2, "en")


async def _post(signed_in: SignedIn, path: str, fields: Sequence[tuple[str, str]]) -> web.Response:
    response = await signed_in.client.post(
        path, data=[("csrf_token", signed_in.csrf), *fields], allow_redirects=False
    )
    return response  # type: ignore[return-value]


def _form(uk: str = UK_TEXT, en: str = EN_TEXT, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    when = [] if any(name == "when" for name, _value in extra) else [("when", "now")]
    return [("text_uk", uk), ("text_en", en), *when, *extra]


async def _written(database: Database) -> tuple[int, int, int]:
    """Broadcasts, notice rows and broadcast audit entries in the database."""
    async with database.transaction() as session:
        broadcasts = await session.scalar(select(func.count()).select_from(Broadcast))
        notices = await session.scalar(select(func.count()).select_from(Notice))
        audit = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("broadcast%"))
        )
    return int(broadcasts or 0), int(notices or 0), int(audit or 0)


async def _audit(database: Database, action: str) -> list[AuditEntry]:
    async with database.transaction() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows.all())


def _id_of(response: web.Response) -> int:
    assert response.status == 303, response.status
    found = re.fullmatch(r"/admin/broadcasts/([0-9]+)\?done=\w+", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def _cell(page: str, label: str) -> str:
    """The cell after a row heading (``<th scope="row">label</th><td>…</td>``)."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th><td>([^<]*)</td>', page)
    assert found, label
    return found.group(1)


async def _drain(database: Database, clock: FixedClock, *pushers: RecordingPusher) -> None:
    await drain(worker(database, clock, *pushers))


async def test_preview_shows_each_messengers_audience_and_the_texts_and_writes_nothing(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The preview counts 3 Telegram and 2 Viber accounts, shows both texts escaped with
    the stop button's label in each language, and writes no broadcast, row or entry."""
    await _audience(database, clock)
    admin = await sign_in_administrator(client, database, clock)
    response = await _post(
        admin, "/admin/broadcasts/preview", _form(f"{UK_TEXT} {MARKUP}", f"{EN_TEXT} {MARKUP}")
    )
    page = await response.text()
    assert response.status == 200, page
    assert _cell(page, "Telegram") == "3"
    assert _cell(page, "Viber") == "2"
    assert _cell(page, "In all") == "5"
    assert "<script>" not in page
    assert f"{UK_TEXT} {ESCAPED}" in page
    assert f"{EN_TEXT} {ESCAPED}" in page
    stop_uk = Texts("uk", KYIV)._(STOP_EN)
    assert f"Button: {STOP_EN}" in page
    assert f"Button: {stop_uk}" in page
    assert "Estimated cost" not in page
    assert 'action="/admin/broadcasts"' in page
    assert await _written(database) == (0, 0, 0)


async def test_the_audience_follows_the_choices(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Choosing Viber only counts the Viber accounts; English without an English text
    previews the Ukrainian one, saying so; a topic or a region counts its followers."""
    await _audience(database, clock)
    await make_authority(database, clock.now(), name="Вінницька міська рада")
    async with database.transaction() as session:
        [first, second] = (
            await session.scalars(
                select(ChannelAccount.citizen_id)
                .where(ChannelAccount.channel == "telegram")
                .order_by(ChannelAccount.id)
                .limit(2)
            )
        ).all()
        await Preferences(session).toggle_topic(first, "roads", clock.now())
        await Preferences(session).set_region(second, "Вінницька область", clock.now())
    admin = await sign_in_administrator(client, database, clock)
    viber = await _post(
        admin, "/admin/broadcasts/preview", _form(UK_TEXT, "", ("channel", "viber"))
    )
    page = await viber.text()
    assert _cell(page, "Viber") == "2"
    assert '<th scope="row">Telegram</th>' not in page
    english = await _post(
        admin, "/admin/broadcasts/preview", _form(UK_TEXT, "", ("language", "en"))
    )
    page = await english.text()
    assert _cell(page, "In all") == "2"
    assert "No text in this language: they receive the Ukrainian one." in page
    assert UK_TEXT in page
    for name, value in (("topic", "roads"), ("region", "Вінницька область")):
        followers = await _post(
            admin, "/admin/broadcasts/preview", _form(UK_TEXT, "", (name, value))
        )
        page = await followers.text()
        assert _cell(page, "Telegram") == "1", name
        assert _cell(page, "In all") == "1", name


async def test_sending_creates_it_audited_and_the_worker_delivers_it(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Send creates the broadcast by this official, with one audit entry of its texts,
    audience and time; the outbox worker delivers each account its language, and the
    page then shows it finished with five delivered and stops reloading itself."""
    await _audience(database, clock)
    admin = await sign_in_administrator(client, database, clock)
    broadcast_id = _id_of(await _post(admin, "/admin/broadcasts", _form()))

    async with database.transaction() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        assert broadcast.created_by == ADMIN
        assert broadcast.official_id is not None
        assert broadcast.texts == {"uk": UK_TEXT, "en": EN_TEXT}
        assert broadcast.status is BroadcastStatus.SCHEDULED
        assert broadcast.send_at == clock.now()
    [entry] = await _audit(database, "broadcast_create")
    assert entry.object_id == str(broadcast_id)
    assert entry.official_email == ADMIN
    assert entry.after == {
        "text_uk": UK_TEXT,
        "text_en": EN_TEXT,
        "channels": [],
        "languages": [],
        "region": None,
        "topic": None,
        "low_priority": False,
        "send_at": clock.now().isoformat(),
    }
    waiting = await client.get(f"/admin/broadcasts/{broadcast_id}?done=created")
    assert waiting.headers["Refresh"].startswith("5;")
    assert "The broadcast is queued" in await waiting.text()

    telegram, viber = RecordingPusher("telegram"), RecordingPusher("viber")
    await _drain(database, clock, telegram, viber)
    assert sorted(text for _chat, text, _b in telegram.sent) == [UK_TEXT] * 3
    assert sorted(text for _chat, text, _b in viber.sent) == [EN_TEXT] * 2

    done = await client.get(f"/admin/broadcasts/{broadcast_id}")
    page = await done.text()
    assert "Refresh" not in done.headers
    assert "<dd>Finished</dd>" in page
    assert _cell(page, "Delivered") == "5"
    assert _cell(page, "Queued") == "0"
    listing = await (await client.get("/admin/broadcasts")).text()
    assert f'href="/admin/broadcasts/{broadcast_id}"' in listing
    assert "Finished" in listing


async def test_a_second_press_of_send_does_not_send_it_twice(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """The same texts, audience and time sent again a moment later lead to the first
    broadcast (one broadcast, one audit entry); the same texts for tomorrow are another."""
    await _audience(database, clock)
    admin = await sign_in_administrator(client, database, clock)
    first = _id_of(await _post(admin, "/admin/broadcasts", _form()))
    again = await _post(admin, "/admin/broadcasts", _form())
    assert again.headers["Location"] == f"/admin/broadcasts/{first}?done=already"
    assert (await _written(database))[0] == 1
    assert len(await _audit(database, "broadcast_create")) == 1
    tomorrow = (clock.now() + timedelta(days=1)).astimezone(KYIV).strftime("%Y-%m-%dT%H:%M")
    later = _id_of(
        await _post(
            admin,
            "/admin/broadcasts",
            _form(UK_TEXT, EN_TEXT, ("when", "later"), ("send_at", tomorrow)),
        )
    )
    assert later != first
    assert len(await _audit(database, "broadcast_create")) == 2


async def test_a_scheduled_broadcast_is_cancelled_and_audited(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Scheduled for tomorrow 09:00 Kyiv time, it waits; cancelled, it is audited with
    its status before and after, never sent when the time comes, and a second cancel
    is refused."""
    await _audience(database, clock)
    admin = await sign_in_administrator(client, database, clock)
    tomorrow = (clock.now().astimezone(KYIV) + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    broadcast_id = _id_of(
        await _post(
            admin,
            "/admin/broadcasts",
            _form(UK_TEXT, "", ("when", "later"), ("send_at", tomorrow.strftime("%Y-%m-%dT%H:%M"))),
        )
    )
    page = await (await client.get(f"/admin/broadcasts/{broadcast_id}")).text()
    assert "Scheduled" in page
    assert "Cancel the broadcast" in page

    cancelled = await _post(admin, f"/admin/broadcasts/{broadcast_id}/cancel", [])
    assert cancelled.headers["Location"] == f"/admin/broadcasts/{broadcast_id}?done=cancelled"
    [entry] = await _audit(database, "broadcast_cancel")
    assert (entry.before, entry.after) == ({"status": "scheduled"}, {"status": "cancelled"})
    async with database.transaction() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        assert broadcast.send_at == tomorrow
        assert broadcast.status is BroadcastStatus.CANCELLED

    again = await _post(admin, f"/admin/broadcasts/{broadcast_id}/cancel", [])
    assert again.status == 409
    assert "not running any more" in await again.text()
    assert len(await _audit(database, "broadcast_cancel")) == 1

    clock.at = tomorrow + timedelta(hours=1)
    telegram, viber = RecordingPusher("telegram"), RecordingPusher("viber")
    await _drain(database, clock, telegram, viber)
    assert telegram.sent == viber.sent == []


async def test_cancelling_mid_way_ends_the_waiting_rows_as_cancelled(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """A broadcast being sent (expanded, one delivered ten seconds ago) shows its pace and
    the time left; cancelled, its four waiting rows end cancelled and nothing more goes."""
    await _audience(database, clock)
    admin = await sign_in_administrator(client, database, clock)
    broadcast_id = _id_of(await _post(admin, "/admin/broadcasts", _form()))
    now = clock.now()
    async with database.transaction() as session:
        rules = Broadcasts(session)
        [broadcast] = await rules.due(now)
        await rules.expand_step(broadcast, now)
        first = await session.scalar(
            select(func.min(Notice.id)).where(Notice.broadcast_id == broadcast_id)
        )
        await session.execute(
            update(Notice)
            .where(Notice.id == first)
            .values(sent_at=now - timedelta(seconds=10), outcome="delivered")
        )
    page = await (await client.get(f"/admin/broadcasts/{broadcast_id}")).text()
    assert "Sending" in page
    assert "Pace: 1 message delivered in the last minute" in page
    assert "About 4 minutes left" in page

    await _post(admin, f"/admin/broadcasts/{broadcast_id}/cancel", [])
    page = await (await client.get(f"/admin/broadcasts/{broadcast_id}")).text()
    assert _cell(page, "Cancelled") == "4"
    assert _cell(page, "Delivered") == "1"
    telegram, viber = RecordingPusher("telegram"), RecordingPusher("viber")
    await _drain(database, clock, telegram, viber)
    assert telegram.sent == viber.sent == []
    [entry] = await _audit(database, "broadcast_cancel")
    assert entry.before == {"status": "sending"}


@pytest.mark.parametrize("role", [OfficialRole.MODERATOR, OfficialRole.ANALYST])
async def test_others_follow_broadcasts_but_only_administrators_send_or_cancel(
    client: Client, database: Database, clock: FixedClock, role: OfficialRole
) -> None:
    """A moderator or an analyst opens the list and a broadcast (without its Cancel
    button) but is refused the form, the preview, sending and cancelling."""
    await _audience(database, clock)
    async with database.transaction() as session:
        broadcast = await Broadcasts(session).create(
            BroadcastDraft({"uk": UK_TEXT}, Audience()),
            official_id=None,
            created_by="command line",
            send_at=clock.now(),
            now=clock.now(),
        )
        broadcast_id = broadcast.id
    await make_official(database, clock, "other@example.org", role)
    other = await sign_in(client, "other@example.org")
    listing = await client.get("/admin/broadcasts")
    assert listing.status == 200
    assert "New broadcast" not in await listing.text()
    shown = await client.get(f"/admin/broadcasts/{broadcast_id}")
    assert shown.status == 200
    assert "Cancel the broadcast" not in await shown.text()
    assert (await client.get("/admin/broadcasts/new")).status == 403
    assert (await _post(other, "/admin/broadcasts/preview", _form())).status == 403
    assert (await _post(other, "/admin/broadcasts", _form())).status == 403
    assert (await _post(other, f"/admin/broadcasts/{broadcast_id}/cancel", [])).status == 403
    assert await _written(database) == (1, 0, 0)
    async with database.transaction() as session:
        kept = await session.get(Broadcast, broadcast_id)
        assert kept is not None
        assert kept.status is BroadcastStatus.SCHEDULED


async def test_markup_in_the_texts_is_shown_escaped(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Texts full of markup are shown as text on the list, the broadcast's page and the
    form sent back with a problem."""
    admin = await sign_in_administrator(client, database, clock)
    broadcast_id = _id_of(
        await _post(admin, "/admin/broadcasts", _form(f"Увага {MARKUP}", f"Notice {MARKUP}"))
    )
    for path in ("/admin/broadcasts", f"/admin/broadcasts/{broadcast_id}"):
        page = await (await client.get(path)).text()
        assert "<script>" not in page, path
        assert ESCAPED in page, path
    refused = await _post(admin, "/admin/broadcasts/preview", _form(f"Увага {MARKUP}", "x" * 5000))
    page = await refused.text()
    assert refused.status == 400
    assert "<script>" not in page
    assert ESCAPED in page


async def test_bad_input_is_refused_with_a_reason_and_nothing_written(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """No Ukrainian text, a text too long, a time long past or unreadable, an unknown
    messenger, language, topic or region: the form again (400) saying what is wrong,
    nothing written; a time in the last minute means now."""
    admin = await sign_in_administrator(client, database, clock)
    past = (clock.now() - timedelta(minutes=5)).astimezone(KYIV).strftime("%Y-%m-%dT%H:%M")
    cases = [
        (_form("  ", EN_TEXT), "Write the announcement in Ukrainian"),
        (_form("я" * 4001), "The text is too long: at most 4,000 characters; it has 4,001."),
        (_form(UK_TEXT, "", ("channel", "whatsapp")), "Choose the messengers from the list."),
        (_form(UK_TEXT, "", ("language", "de")), "Choose the languages from the list."),
        (
            [("text_uk", UK_TEXT), ("when", "later"), ("send_at", past)],
            "That time has passed",
        ),
        ([("text_uk", UK_TEXT), ("when", "later"), ("send_at", "tomorrow")], "e.g. 2026-12-31"),
        (_form(UK_TEXT, "", ("topic", "weather")), "Choose the topic from the list."),
        (_form(UK_TEXT, "", ("region", "Атлантида")), "Choose the region from the list."),
    ]
    for fields, message in cases:
        for path in ("/admin/broadcasts/preview", "/admin/broadcasts"):
            response = await _post(admin, path, fields)
            page = await response.text()
            assert response.status == 400, (path, message)
            assert message in page, (path, message)
            assert "Nothing was sent. Correct this:" in page
    assert await _written(database) == (0, 0, 0)

    this_minute = clock.now().astimezone(KYIV).strftime("%Y-%m-%dT%H:%M")
    now_id = _id_of(
        await _post(
            admin,
            "/admin/broadcasts",
            [("text_uk", UK_TEXT), ("when", "later"), ("send_at", this_minute)],
        )
    )
    async with database.transaction() as session:
        broadcast = await session.get(Broadcast, now_id)
        assert broadcast is not None
        assert broadcast.send_at == clock.now()


async def test_an_unknown_broadcast_is_not_found(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Its page and its cancel answer 404."""
    admin = await sign_in_administrator(client, database, clock)
    assert (await client.get("/admin/broadcasts/999")).status == 404
    assert (await _post(admin, "/admin/broadcasts/999/cancel", [])).status == 404


@pytest.fixture
async def priced_client(database: Database, clock: FixedClock) -> AsyncIterator[Client]:
    """The application with Viber priced at 0.75 UAH a message and Telegram paid
    broadcasts on."""
    modules = product_modules()
    settings = AdminSettings(
        default_locale="en",
        zone=KYIV,
        secure_cookies=False,
        message_prices={"telegram": 0.0, "viber": 0.75},
        price_currency="UAH",
        telegram_paid_broadcast=True,
    )
    site = AdminSite(database, clock, settings, modules.admin_views)
    app = create_app(database, clock, modules=modules, admin=site)
    test_client: Client = TestClient(TestServer(app, host="127.0.0.1"))
    await test_client.start_server()
    try:
        yield test_client
    finally:
        await test_client.close()


async def test_the_cost_is_shown_where_a_messenger_charges(
    priced_client: Client, database: Database, clock: FixedClock
) -> None:
    """With Viber at 0.75 UAH, two Viber accounts cost UAH 1.50 and Telegram is free;
    paid Telegram broadcasts add at most 0.1 Star per Telegram message."""
    await _audience(database, clock)
    admin = await sign_in_administrator(priced_client, database, clock)
    response = await _post(admin, "/admin/broadcasts/preview", _form())
    page = await response.text()
    assert response.status == 200, page
    assert "Estimated cost" in page
    assert re.search(r'<th scope="row">Viber</th><td>2</td><td>UAH\s?1\.50</td>', page)
    assert re.search(r'<th scope="row">Telegram</th><td>3</td><td>free</td>', page)
    assert "at most 0.3 Stars for this audience" in page
    assert await _written(database) == (0, 0, 0)


async def test_a_low_priority_broadcast_is_marked_previewed_and_audited(
    client: Client, database: Database, clock: FixedClock
) -> None:
    """Ticking "low priority" is explained in the preview, kept through the confirming
    form, stored on the broadcast and written in its audit entry."""
    await _audience(database, clock)
    admin = await sign_in_administrator(client, database, clock)
    fields = _form(UK_TEXT, EN_TEXT, ("low_priority", "on"))
    preview = await (await _post(admin, "/admin/broadcasts/preview", fields)).text()
    assert "Low priority: citizens who chose the daily digest" in preview
    assert '<input type="hidden" name="low_priority" value="on">' in preview
    broadcast_id = _id_of(await _post(admin, "/admin/broadcasts", fields))
    async with database.transaction() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        assert broadcast.low_priority is True
    [entry] = await _audit(database, "broadcast_create")
    assert entry.after is not None
    assert entry.after["low_priority"] is True
