"""Officials at work in a real browser, citizens in their messengers: signing in with the
second factor, publishing a petition made in Telegram, answering with a file a request
filed in Viber, another authority's request refused by URL, and the audit log that the
actions leave. Every test runs on SQLite and on PostgreSQL (the shared ``database``)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pyotp
from playwright.async_api import Page, expect
from sqlalchemy import select

from bot.admin.responses import SESSION_COOKIE
from storage.models import InformationRequest, Petition, PetitionStatus, RequestStatus
from storage.official_models import OfficialRole
from tests.admin.conftest import PASSWORD, file_request, make_official
from tests.browser.conftest import OpenPage, Product, eventually
from tests.channels.telegram.updates import TelegramUser
from tests.channels.viber import builders
from tests.helpers import make_authority

OLENA = TelegramUser(111_222_333, "Olena", "en")
BOHDAN = "01234567890A="
PETITIONS_COUNCIL = "Vinnytsia City Council"
REQUESTS_COUNCIL = "Zhytomyr City Council"
TITLE = "Safe crossing near school No. 17"
PETITION_BODY = (
    "Please build a safe pedestrian crossing near school No. 17, with a traffic light "
    "and street lighting: children cross this busy road every single day."
)
REQUEST_BODY = "Please send a copy of the 2026 contract for repairing Shevchenka street."
ANSWER = "The contract No. 17/2026 is attached."
PDF = b"%PDF-1.4\n% the contract No. 17/2026\n%%EOF\n"


# --- citizens, in their messengers -------------------------------------------------------


async def petition_from_telegram(product: Product) -> int:
    """Olena creates a petition to a council in Telegram; its number."""
    await make_authority(product.database, product.clock.now(), name=PETITIONS_COUNCIL)
    chat = product.telegram
    await chat.say(OLENA, "/start")
    await chat.press(OLENA, "Petitions")
    await chat.press(OLENA, "Create a petition")
    await chat.press(OLENA, PETITIONS_COUNCIL)
    await chat.say(OLENA, TITLE)
    await chat.say(OLENA, PETITION_BODY)
    await chat.say(OLENA, "Olena Koval")
    await chat.press(OLENA, "Submit for moderation")
    submitted = chat.last_text(OLENA)
    found = re.search(r"Petition No\. (\d+) is submitted", submitted)
    assert found, submitted
    return int(found.group(1))


async def request_from_viber(product: Product) -> tuple[int, int]:
    """Bohdan files an information request to a council in Viber; (request, authority)."""
    authority_id = await make_authority(
        product.database, product.clock.now(), name=REQUESTS_COUNCIL
    )
    chat = product.viber
    await chat.post(builders.subscribed(BOHDAN))
    await chat.say(BOHDAN, "/start")
    await chat.press(BOHDAN, "Information requests")
    await chat.press(BOHDAN, "New request")
    await chat.press(BOHDAN, REQUESTS_COUNCIL)
    await chat.say(BOHDAN, REQUEST_BODY)
    await chat.say(BOHDAN, "no")
    await chat.press(BOHDAN, "In this chat")
    await chat.say(BOHDAN, "Bohdan Shevchuk")
    await chat.press(BOHDAN, "Send the request")
    assert "ЗІ-2026-000001" in chat.last_text(BOHDAN)
    async with product.database.transaction() as session:
        (request,) = (await session.scalars(select(InformationRequest))).all()
    assert request.channel == "viber"
    return request.id, authority_id


# --- officials, in the browser -----------------------------------------------------------


async def sign_in(page: Page, email: str) -> None:
    """The password form, as a person fills it in."""
    await page.goto("/admin/login")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def publish(page: Page, petition_id: int) -> None:
    """From the moderation queue to the petition, then Publish."""
    await page.goto("/admin/petitions?status=moderation")
    await page.get_by_role("link", name=TITLE).click()
    await expect(page).to_have_url(re.compile(rf"/admin/petitions/{petition_id}$"))
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_role("status")).to_contain_text("Done.")
    await expect(page.locator("dl")).to_contain_text("collecting signatures")


async def answer_with_file(page: Page, request_id: int, attachment: Path) -> None:
    """The request's page, its answer form filled in with a file attached, sent."""
    await page.goto(f"/admin/requests/{request_id}")
    await expect(page.locator(".text").first).to_have_text(REQUEST_BODY)
    await page.get_by_label("Answer text").fill(ANSWER)
    await page.get_by_label("Files").set_input_files(attachment)
    await page.get_by_role("button", name="Send the answer").click()
    await expect(page.get_by_role("status")).to_contain_text("Done.")
    await expect(page.get_by_role("listitem").filter(has_text=attachment.name)).to_be_visible()


async def administrator_with_totp(product: Product) -> str:
    """An administrator's account with the second factor enrolled; its TOTP secret."""
    secret = await make_official(
        product.database, product.clock, "admin@example.org", OfficialRole.ADMINISTRATOR, totp=True
    )
    assert secret is not None
    # Enrolment used up this 30 s step's code; the next step's code is the one to type.
    product.clock.at += timedelta(seconds=30)
    return secret


async def give_the_code(page: Page, secret: str, product: Product) -> None:
    """The second factor's form: the code an authenticator app shows at the test clock's time."""
    await expect(page).to_have_url(re.compile(r"/admin/login/second-factor$"))
    await page.get_by_label("The 6-digit code").fill(pyotp.TOTP(secret).at(product.clock.now()))
    await page.get_by_role("button", name="Continue").click()


async def audit_rows(page: Page) -> list[dict[str, str]]:
    """The audit log's table as shown, newest first: one dict per row, by column heading."""
    table = page.get_by_role("table")
    headings = await table.locator("thead th").all_inner_texts()
    return [
        dict(zip(headings, await row.locator("td").all_inner_texts(), strict=True))
        for row in await table.locator("tbody tr").all()
    ]


def small_pdf(directory: Path) -> Path:
    path = directory / "contract-17-2026.pdf"
    path.write_bytes(PDF)
    return path


# --- the tests ---------------------------------------------------------------------------


async def test_an_administrator_signs_in_with_the_second_factor(
    product: Product, open_page: OpenPage
) -> None:
    """E-mail and password, then the current TOTP code, land an administrator on the
    dashboard; the password alone does not."""
    secret = await administrator_with_totp(product)
    browser_page = await open_page()
    await sign_in(browser_page, "admin@example.org")
    await expect(browser_page).to_have_url(re.compile(r"/admin/login/second-factor$"))
    await browser_page.goto("/admin/")
    await give_the_code(browser_page, secret, product)
    await expect(browser_page).to_have_url(f"{product.url}/admin/")
    await expect(browser_page.get_by_role("heading", level=1)).to_have_text("What waits for me")
    (cookie,) = [c for c in await browser_page.context.cookies() if c["name"] == SESSION_COOKIE]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"


async def test_a_petition_made_in_telegram_is_published_and_its_author_told(
    product: Product, open_page: OpenPage
) -> None:
    """A moderator publishes from the moderation queue a petition a citizen made in
    Telegram; the notifier tells her in that chat."""
    petition_id = await petition_from_telegram(product)
    await make_official(product.database, product.clock, "mod@example.org", OfficialRole.MODERATOR)
    moderator = await open_page()
    await sign_in(moderator, "mod@example.org")
    await publish(moderator, petition_id)

    published = f"Your petition No. {petition_id} «{TITLE}» is published"

    def told() -> int:
        return sum(published in text for text in product.telegram.sent_texts(OLENA))

    await eventually("the author told in Telegram", lambda: told() > 0)
    assert told() == 1
    async with product.database.transaction() as session:
        petition = await session.get(Petition, petition_id)
        assert petition is not None
        assert petition.status is PetitionStatus.OPEN


async def test_a_request_filed_in_viber_is_answered_with_a_file(
    product: Product, open_page: OpenPage, tmp_path: Path
) -> None:
    """An official answers in the browser, attaching a file, a request filed in Viber: the
    answer's text and a link that downloads that file reach the citizen's Viber chat."""
    request_id, authority_id = await request_from_viber(product)
    await make_official(
        product.database, product.clock, "off@example.org", OfficialRole.OFFICIAL, (authority_id,)
    )
    attachment = small_pdf(tmp_path)
    official = await open_page()
    await sign_in(official, "off@example.org")
    await answer_with_file(official, request_id, attachment)

    await eventually("the answer in Viber", lambda: ANSWER in product.viber.last_text(BOHDAN))
    shown = product.viber.last_text(BOHDAN)
    link = re.search(rf"📎 {re.escape(attachment.name)}: (http://\S+)", shown)
    assert link, shown
    assert link.group(1).startswith(f"{product.url}/attachments/")
    async with product.http.get(link.group(1)) as download:
        assert download.status == 200
        assert await download.read() == PDF
    async with product.database.transaction() as session:
        request = await session.get(InformationRequest, request_id)
        assert request is not None
        assert request.status is RequestStatus.ANSWERED


async def test_another_authoritys_request_does_not_open_by_its_url(
    product: Product, open_page: OpenPage
) -> None:
    """An official bound to one authority who types the URL of another authority's request
    gets the not-found page, without the request's text (their own opens)."""
    database, clock = product.database, product.clock
    own = await make_authority(database, clock.now(), name="Рада громади")
    other = await make_authority(database, clock.now(), name="Інша рада")
    await make_official(database, clock, "off@example.org", OfficialRole.OFFICIAL, (own,))
    secret_text = "Прошу надати копію договору оренди землі під забудову на вулиці Лісовій."
    others = await file_request(database, clock, other, secret_text, "viber")
    mine = await file_request(database, clock, own, REQUEST_BODY, "telegram")
    official = await open_page()
    await sign_in(official, "off@example.org")

    opened = await official.goto(f"/admin/requests/{mine}")
    assert opened is not None
    assert opened.status == 200
    await expect(official.locator("main")).to_contain_text(REQUEST_BODY)
    refused = await official.goto(f"/admin/requests/{others}")
    assert refused is not None
    assert refused.status in (403, 404)
    await expect(official.get_by_role("heading", level=1)).to_have_text("Not possible")
    assert secret_text not in await official.content()


async def test_the_audit_log_holds_one_entry_per_action_with_before_and_after(
    product: Product, open_page: OpenPage, tmp_path: Path
) -> None:
    """After a publish and an answer in the browser, the audit log's page shows exactly one
    entry for each (besides the sign-ins), with the values before and after."""
    petition_id = await petition_from_telegram(product)
    request_id, authority_id = await request_from_viber(product)
    database, clock = product.database, product.clock
    await make_official(database, clock, "mod@example.org", OfficialRole.MODERATOR)
    await make_official(database, clock, "off@example.org", OfficialRole.OFFICIAL, (authority_id,))
    moderator, official = await open_page(), await open_page()
    await sign_in(moderator, "mod@example.org")
    await publish(moderator, petition_id)
    published_at = clock.now().isoformat()
    await sign_in(official, "off@example.org")
    attachment = small_pdf(tmp_path)
    await answer_with_file(official, request_id, attachment)

    administrator = await open_page()
    secret = await administrator_with_totp(product)
    await sign_in(administrator, "admin@example.org")
    await give_the_code(administrator, secret, product)
    await administrator.goto("/admin/audit")
    rows = list(reversed(await audit_rows(administrator)))
    assert [(row["Who"], row["Action"]) for row in rows] == [
        ("mod@example.org", "sign_in"),
        ("mod@example.org", "petition_publish"),
        ("off@example.org", "sign_in"),
        ("off@example.org", "request_answer"),
        ("admin@example.org", "sign_in"),
        ("admin@example.org", "second_factor"),
    ]
    published, answered = rows[1], rows[3]
    assert published["Object"] == f"petition {petition_id}"
    before, after = json.loads(published["Before"]), json.loads(published["After"])
    assert (before["status"], after["status"]) == ("moderation", "open")
    assert (before["published_at"], after["published_at"]) == (None, published_at)
    assert answered["Object"] == f"information_request {request_id}"
    before, after = json.loads(answered["Before"]), json.loads(answered["After"])
    assert (before["status"], after["status"]) == ("submitted", "answered")
    assert (before["answer_text"], after["answer_text"]) == (None, ANSWER)
    assert after["files"] == [attachment.name]
