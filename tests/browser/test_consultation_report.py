"""A consultation end to end (issue 12, must show): Olena comments in Telegram (in
Ukrainian), Petro in Viber (in English); after the period an official records the
outcomes in a real browser, one by one and two at once, and publishes the report; each
participant's chat then receives the fate of their own comments in their language, and
the open data lists the outcomes with no author."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Page, expect

from storage.consultation_models import Consultation
from storage.official_models import OfficialRole
from tests.admin.conftest import make_official
from tests.browser.conftest import OpenPage, Product, eventually
from tests.browser.test_admin_in_a_browser import sign_in
from tests.channels.telegram.updates import TelegramUser
from tests.channels.viber import builders
from tests.consultation_support import make_consultation

OLENA = TelegramUser(111_222_444, "Olena", "uk")
PETRO = "petro-consult-viber=="
OLENA_SAYS = "Пропоную освітлювати алеї до опівночі."
PETRO_SAYS = "Please add benches near the playground."
PETRO_WORDING = "Funds come from the development budget."


async def comment_in_telegram(product: Product, consultation_id: int) -> None:
    chat = product.telegram
    await chat.say(OLENA, f"/start consultation_{consultation_id}")
    await chat.press(OLENA, "Читати проєкт")
    await chat.press(OLENA, "Коментувати")
    await chat.say(OLENA, OLENA_SAYS)
    assert "оприлюднено" in chat.last_text(OLENA)


async def comment_in_viber(product: Product, consultation_id: int) -> None:
    chat = product.viber
    await chat.post(builders.conversation_started(PETRO, context=f"consultation_{consultation_id}"))
    await chat.post(builders.subscribed(PETRO))
    await chat.say(PETRO, f"/start consultation_{consultation_id}")
    await chat.press(PETRO, "Read the draft")
    await chat.press(PETRO, "Next")
    await chat.press(PETRO, "Comment")
    await chat.say(PETRO, PETRO_SAYS)
    assert "is published" in chat.last_text(PETRO)
    await chat.press(PETRO, "To the consultation")
    await chat.press(PETRO, "Read the draft")
    await chat.press(PETRO, "Propose new wording")
    await chat.say(PETRO, PETRO_WORDING)


async def record_outcomes(page: Page, consultation_id: int) -> None:
    """One comment accepted on its own, the two others rejected together, then the report."""
    await page.goto(f"/admin/consultations/{consultation_id}")
    form = page.locator("#outcomes")
    rows = form.locator("tbody tr")
    await rows.filter(has_text=OLENA_SAYS).get_by_role("checkbox").check()
    await form.get_by_label("Outcome for the ticked comments").select_option("accepted")
    await form.get_by_label("Reason", exact=True).fill("Алеї освітлюватимуть до 00:00.")
    await form.get_by_role("button", name="Record the outcome").click()
    await expect(page.get_by_role("status")).to_contain_text("Done.")
    form = page.locator("#outcomes")
    for text in (PETRO_SAYS, PETRO_WORDING):
        await form.locator("tbody tr").filter(has_text=text).get_by_role("checkbox").check()
    await form.get_by_label("Outcome for the ticked comments").select_option("rejected")
    await form.get_by_label("Reason", exact=True).fill("The budget for 2027 is fixed.")
    await form.get_by_role("button", name="Record the outcome").click()
    await expect(page.get_by_role("status")).to_contain_text("Done.")
    await page.get_by_role("button", name="Publish the report").click()
    await expect(page.get_by_role("status")).to_contain_text("Done.")
    await expect(page.locator("dl")).to_contain_text("reported")


async def test_each_participant_learns_their_comments_fate_in_their_language(
    product: Product, open_page: OpenPage
) -> None:
    """Comments from both messengers; outcomes and the report recorded in the browser;
    Olena is told in Ukrainian, Petro in English, each only of their own comments; the
    API's report has the three outcomes and no author."""
    consultation_id = await make_consultation(product.database, product.clock.now())
    product.clock.at += timedelta(days=2)
    await comment_in_telegram(product, consultation_id)
    await comment_in_viber(product, consultation_id)
    product.clock.at += timedelta(days=20)  # the period is over
    async with product.database.transaction() as session:
        consultation = await session.get(Consultation, consultation_id)
        assert consultation is not None
        authority_id = consultation.authority_id
    await make_official(
        product.database, product.clock, "clerk@example.org", OfficialRole.OFFICIAL, (authority_id,)
    )
    official = await open_page()
    await sign_in(official, "clerk@example.org")
    await record_outcomes(official, consultation_id)

    def olena_told() -> list[str]:
        return [t for t in product.telegram.sent_texts(OLENA) if "Орган оприлюднив звіт" in t]

    def petro_told() -> list[str]:
        sent = product.viber.api.messages_to(PETRO)
        return [
            str(m.get("text", "")) for m in sent if "published its report" in str(m.get("text", ""))
        ]

    await eventually("both participants told", lambda: bool(olena_told() and petro_told()))
    (to_olena,) = olena_told()
    assert OLENA_SAYS in to_olena
    assert "враховано: Алеї освітлюватимуть до 00:00." in to_olena
    assert PETRO_SAYS not in to_olena
    (to_petro,) = petro_told()
    assert to_petro.count("rejected: The budget for 2027 is fixed.") == 2
    assert OLENA_SAYS not in to_petro
    async with product.http.get(f"/api/v1/consultations/{consultation_id}") as response:
        published = await response.json()
    assert published["status"] == "reported"
    assert published["report"]["counts"] == {"accepted": 1, "partly_accepted": 0, "rejected": 2}
    assert all(
        set(comment) == {"section_id", "kind", "text", "outcome", "reason"}
        for comment in published["report"]["comments"]
    )
    assert not re.search(r"Olena|Petro|citizen", str(published))
