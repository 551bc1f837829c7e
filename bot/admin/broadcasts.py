"""The notifications module's admin views: broadcasts.

Everyone signed in reads the list and a broadcast's progress (the page reloads itself
every few seconds while it is scheduled or sending, without JavaScript). An administrator
(``Permission.SEND_BROADCASTS``) writes one, previews it (each text as each messenger
shows it, with the stop button under it, the audience per messenger, the estimated cost),
sends it now or at a Kyiv time, and cancels it while it runs. Sending and cancelling are
each one audit entry; the sending itself is the outbox worker's (decision 0006).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from aiohttp import web
from babel.numbers import format_currency, format_decimal
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.context import AdminContext, pages_for
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.forms import Form, posted
from bot.admin.responses import see_other
from bot.admin.site import ADMIN_SETTINGS, AdminSettings
from civic.access import Permission
from civic.broadcasts import (
    LANGUAGES,
    TEXT_RULE,
    Audience,
    BroadcastDraft,
    BroadcastError,
    Broadcasts,
    Outcome,
    Progress,
    audience_of,
)
from civic.preferences import TOPICS, Preferences
from civic.text import TextProblem, check_length
from handlers.notifications import render_broadcast, topic_label
from handlers.texts import Texts
from storage.models import Notice
from storage.official_models import Official
from storage.outbox_models import Broadcast, BroadcastStatus

PAGE_SIZE = 25
# The messengers a broadcast can be limited to (as `vzayemodiia broadcast --channel`).
CHANNELS = ("telegram", "viber")
MESSENGER_NAMES = {"telegram": "Telegram", "viber": "Viber"}
# How often the page of a running broadcast reloads itself, in seconds.
REFRESH_SECONDS = 5
# The pace is what was delivered over this many seconds.
PACE_SECONDS = 60
# A time this little in the past is the minute the form was filled in: it means now.
PAST_GRACE = timedelta(minutes=1)
# The same texts and audience sent again by the same official this soon: a second press
# of Send (a double click, a resubmitted form), answered with the first broadcast.
REPEAT_WINDOW = timedelta(minutes=2)
# What an <input type="datetime-local"> sends: 2026-12-31T09:00, perhaps with seconds.
_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?")
# Telegram Stars per message above the free rate when paid broadcasts are on.
STARS_PER_PAID_MESSAGE = 0.1
RUNNING = (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING)


# --- the form -------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """The form as it was filled in, to show it again."""

    text_uk: str = ""
    text_en: str = ""
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    region: str = ""
    topic: str = ""
    when: str = "now"  # "now" or "later"
    send_at: str = ""  # the datetime-local value, Kyiv time
    low_priority: bool = False

    @classmethod
    def of(cls, form: Form) -> Asked:
        return cls(
            text_uk=form.get("text_uk"),
            text_en=form.get("text_en"),
            channels=tuple(form.all("channel")),
            languages=tuple(form.all("language")),
            region=form.get("region"),
            topic=form.get("topic"),
            when=form.get("when", "now"),
            send_at=form.get("send_at"),
            low_priority=form.get("low_priority") == "on",
        )


@dataclass(frozen=True)
class Checked:
    """A broadcast ready to be created: the cleaned texts, the audience, and when
    (None: now)."""

    texts: dict[str, str]
    audience: Audience
    send_at: datetime | None
    low_priority: bool = False


def _text_problem(t: Texts, problem: TextProblem) -> str:
    if problem.kind == "too_long":
        return t._("The text is too long: at most {max} characters; it has {length}.").format(
            max=t.number(TEXT_RULE.max_chars), length=t.number(problem.length)
        )
    return t._("The text is too short: at least {min} characters, with letters.").format(
        min=t.number(TEXT_RULE.min_chars)
    )


def _chosen(values: Sequence[str], known: Sequence[str]) -> tuple[str, ...] | None:
    """The values in their usual order, or None if one is not known."""
    if any(value not in known for value in values):
        return None
    return tuple(value for value in known if value in values)


def check(
    asked: Asked, t: Texts, now: datetime, regions: Sequence[str]
) -> tuple[Checked | None, dict[str, str]]:
    """The broadcast the form asks for, or the problems by field (in the official's
    language); the rules of ``Broadcasts.create``, told field by field. A region is one
    citizens can choose (the directory's, ``regions``), a topic one they can follow."""
    problems: dict[str, str] = {}
    texts: dict[str, str] = {}
    for language, raw in (("uk", asked.text_uk), ("en", asked.text_en)):
        if not raw.strip():
            if language == "uk":
                problems["text_uk"] = t._(
                    "Write the announcement in Ukrainian: it is required, and citizens "
                    "without a text in their language receive it."
                )
            continue
        try:
            texts[language] = check_length(raw, TEXT_RULE)
        except TextProblem as problem:
            problems[f"text_{language}"] = _text_problem(t, problem)
    channels = _chosen(asked.channels, CHANNELS)
    if channels is None:
        problems["channel"] = t._("Choose the messengers from the list.")
    languages = _chosen(asked.languages, LANGUAGES)
    if languages is None:
        problems["language"] = t._("Choose the languages from the list.")
    if asked.region and asked.region not in regions:
        problems["region"] = t._("Choose the region from the list.")
    if asked.topic and asked.topic not in TOPICS:
        problems["topic"] = t._("Choose the topic from the list.")
    send_at = _send_at(asked, t, now, problems)
    if problems or channels is None or languages is None:
        return None, problems
    audience = Audience(
        channels=channels,
        languages=languages,
        region=asked.region or None,
        topic=asked.topic or None,
    )
    return Checked(texts, audience, send_at, asked.low_priority), problems


def _send_at(asked: Asked, t: Texts, now: datetime, problems: dict[str, str]) -> datetime | None:
    if asked.when == "now":
        return None
    if asked.when != "later":
        problems["when"] = t._("Choose when to send it.")
        return None
    raw = asked.send_at.strip()
    if not raw:
        problems["send_at"] = t._("Give the date and the time to send it at.")
        return None
    try:
        if not _LOCAL_TIME.fullmatch(raw):
            raise ValueError(raw)
        local = datetime.fromisoformat(raw)
    except ValueError:
        problems["send_at"] = t._("Give the time as a date and a time, e.g. 2026-12-31 09:00.")
        return None
    moment = local.replace(tzinfo=t.zone).astimezone(UTC)
    if moment < now - PAST_GRACE:
        problems["send_at"] = t._("That time has passed: choose a later one, or send it now.")
        return None
    return moment if moment > now else None


def _local_value(moment: datetime, t: Texts) -> str:
    """A moment as a datetime-local value in Kyiv time."""
    return moment.astimezone(t.zone).strftime("%Y-%m-%dT%H:%M")


# --- what it looks like, to whom, at what cost ----------------------------------------


@dataclass(frozen=True)
class Look:
    """The message as citizens of one language see it."""

    language: str
    language_name: str
    text: str
    buttons: list[str]
    fallback: bool  # no text in their language: they get the Ukrainian one


@dataclass(frozen=True)
class Messenger:
    channel: str
    name: str
    size: int
    cost: str | None  # shown where the messenger charges


@dataclass(frozen=True)
class Preview:
    checked: Checked
    looks: list[Look]
    messengers: list[Messenger]
    total: int
    total_cost: str | None
    stars: str | None  # Telegram paid broadcasts: at most this many Stars


class _DraftOnly:
    """What ``render_broadcast`` reads, answered with the draft: the preview shows the
    message exactly as the outbox will render it, and nothing is written."""

    def __init__(self, broadcast: Broadcast) -> None:
        self.broadcast = broadcast

    async def get(self, _model: type[Any], _id: int) -> Broadcast:
        return self.broadcast


def _language_name(t: Texts, language: str) -> str:
    return t._("Ukrainian") if language == "uk" else t._("English")


async def _looks(checked: Checked, t: Texts) -> list[Look]:
    draft = Broadcast(texts=checked.texts)
    session = cast(AsyncSession, _DraftOnly(draft))
    looks = []
    for language in checked.audience.languages or LANGUAGES:
        replies = await render_broadcast(session, Notice(subject_id=0), Texts(language, t.zone))
        for reply in replies or ():
            looks.append(
                Look(
                    language,
                    _language_name(t, language),
                    reply.text,
                    [button.label for row in reply.buttons for button in row],
                    language not in checked.texts,
                )
            )
    return looks


def _money(t: Texts, amount: float, currency: str) -> str:
    return format_currency(amount, currency, locale=t.locale)


def _settings(context: AdminContext) -> AdminSettings:
    found = context.request.app.get(ADMIN_SETTINGS)
    return found or AdminSettings(context.texts.locale, context.zone, secure_cookies=False)


async def _preview(context: AdminContext, checked: Checked) -> Preview:
    t = context.texts
    settings = _settings(context)
    async with context.database.reading() as session:
        sizes = await Broadcasts(session).audience_sizes(checked.audience)
    channels = checked.audience.channels or tuple(
        sorted(set(CHANNELS) | set(sizes), key=lambda c: (c not in CHANNELS, c))
    )
    messengers = []
    costs = []
    for channel in channels:
        size = sizes.get(channel, 0)
        price = settings.message_prices.get(channel, 0.0)
        cost = None
        if price > 0:
            costs.append(size * price)
            cost = _money(t, size * price, settings.price_currency)
        messengers.append(Messenger(channel, MESSENGER_NAMES.get(channel, channel), size, cost))
    stars = None
    if settings.telegram_paid_broadcast and "telegram" in channels:
        paid = sizes.get("telegram", 0) * STARS_PER_PAID_MESSAGE
        stars = format_decimal(paid, format="#,##0.#", locale=t.locale)
    return Preview(
        checked,
        await _looks(checked, t),
        messengers,
        sum(messenger.size for messenger in messengers),
        _money(t, sum(costs), settings.price_currency) if costs else None,
        stars,
    )


async def _regions(context: AdminContext) -> list[str]:
    async with context.database.reading() as session:
        return await Preferences(session).regions()


async def _form_page(
    context: AdminContext,
    asked: Asked,
    *,
    problems: Mapping[str, str] | None = None,
    preview: Preview | None = None,
    http_status: int = 200,
) -> web.Response:
    t = context.texts
    return context.render(
        "broadcast_new.html",
        http_status=http_status,
        asked=asked,
        problems=problems or {},
        preview=preview,
        channels=[(channel, MESSENGER_NAMES[channel]) for channel in CHANNELS],
        languages=[(language, _language_name(t, language)) for language in LANGUAGES],
        text_rule=TEXT_RULE,
        regions=await _regions(context),
        topics=[(topic, topic_label(t, topic)) for topic in TOPICS],
        earliest=_local_value(context.now, t),
    )


async def new_form(context: AdminContext) -> web.StreamResponse:
    return await _form_page(context, Asked())


async def preview(context: AdminContext) -> web.StreamResponse:
    """The broadcast as it would go out, and the button that sends it; nothing is
    written. (A POST, as two texts of 4,000 characters do not fit in a URL.)"""
    asked = Asked.of(posted(context.request))
    checked, problems = check(asked, context.texts, context.now, await _regions(context))
    if checked is None:
        return await _form_page(context, asked, problems=problems, http_status=400)
    return await _form_page(context, asked, preview=await _preview(context, checked))


# --- sending ------------------------------------------------------------------------


def _audit_values(checked: Checked, send_at: datetime) -> dict[str, Any]:
    audience = checked.audience
    return {
        "text_uk": checked.texts["uk"],
        "text_en": checked.texts.get("en"),
        "channels": list(audience.channels),
        "languages": list(audience.languages),
        "region": audience.region,
        "topic": audience.topic,
        "low_priority": checked.low_priority,
        "send_at": send_at,
    }


async def _repeated(
    session: AsyncSession, context: AdminContext, checked: Checked
) -> Broadcast | None:
    """This official's running broadcast of the same texts, audience and time made
    moments ago, if any. The official's row is locked first, so two presses of Send
    arriving together are answered one after the other."""
    official_id = context.official.official_id
    await session.execute(select(Official.id).where(Official.id == official_id).with_for_update())
    recent = await session.scalars(
        select(Broadcast).where(
            Broadcast.official_id == official_id,
            Broadcast.created_at >= context.now - REPEAT_WINDOW,
            Broadcast.status.in_(RUNNING),
        )
    )
    for broadcast in recent.all():
        # Sent "now", a broadcast's time is its creation's (``Broadcasts.create``).
        send_at = checked.send_at or broadcast.created_at
        if (
            broadcast.texts == checked.texts
            and audience_of(broadcast) == checked.audience
            and broadcast.send_at == send_at
            and broadcast.low_priority == checked.low_priority
        ):
            return broadcast
    return None


async def send(context: AdminContext) -> web.StreamResponse:
    asked = Asked.of(posted(context.request))
    checked, problems = check(asked, context.texts, context.now, await _regions(context))
    if checked is None:
        return await _form_page(context, asked, problems=problems, http_status=400)
    send_at = checked.send_at or context.now
    try:
        async with context.database.transaction() as session:
            twin = await _repeated(session, context, checked)
            if twin is not None:
                return see_other(f"/admin/broadcasts/{twin.id}?done=already")
            broadcast = await Broadcasts(session).create(
                BroadcastDraft(checked.texts, checked.audience, checked.low_priority),
                official_id=context.official.official_id,
                created_by=context.official.email,
                send_at=send_at,
                now=context.now,
            )
            context.audit(
                session,
                action="broadcast_create",
                object_type="broadcast",
                object_id=broadcast.id,
                after=_audit_values(checked, broadcast.send_at),
            )
            created = broadcast.id
    except (TextProblem, BroadcastError):
        # ``check`` applies the same rules; should they ever differ, nothing was written.
        problems = {"form": context.texts._("That did not work.")}
        return await _form_page(context, asked, problems=problems, http_status=400)
    return see_other(f"/admin/broadcasts/{created}?done=created")


# --- reading ------------------------------------------------------------------------


def status_label(t: Texts, status: BroadcastStatus) -> str:
    return {
        BroadcastStatus.SCHEDULED: t._("Scheduled"),
        BroadcastStatus.SENDING: t._("Sending"),
        BroadcastStatus.DONE: t._("Finished"),
        BroadcastStatus.CANCELLED: t._("Cancelled"),
    }[status]


def audience_summary(t: Texts, audience: Audience) -> str:
    """The audience in one line: "Telegram · Ukrainian · region: …", or "all messengers ·
    all languages"."""
    parts = [
        ", ".join(MESSENGER_NAMES.get(c, c) for c in audience.channels)
        if audience.channels
        else t._("all messengers"),
        ", ".join(_language_name(t, language) for language in audience.languages)
        if audience.languages
        else t._("all languages"),
    ]
    if audience.region:
        parts.append(t._("region: {region}").format(region=audience.region))
    if audience.topic:
        parts.append(t._("topic: {topic}").format(topic=topic_label(t, audience.topic)))
    return " · ".join(parts)


def outcome_rows(t: Texts, progress: Progress) -> list[tuple[str, int]]:
    """Each outcome's label and count, in the order the list's columns have."""
    return [
        (t._("Delivered"), progress.count(Outcome.DELIVERED)),
        (t._("Queued"), progress.queued),
        (t._("Failed"), progress.count(Outcome.FAILED)),
        (t._("Unreachable"), progress.count(Outcome.UNREACHABLE)),
        (t._("Opted out"), progress.count(Outcome.OPTED_OUT)),
        (t._("Cancelled"), progress.count(Outcome.CANCELLED)),
    ]


@dataclass(frozen=True)
class Row:
    broadcast: Broadcast
    audience: str
    status: str
    counts: list[tuple[str, int]]


async def broadcast_list(context: AdminContext) -> web.StreamResponse:
    t = context.texts
    page = context.page_number()
    async with context.database.reading() as session:
        # Officials' broadcasts; modules' announcements are shown by their modules.
        official = Broadcast.notice_kind.is_(None)
        total = await session.scalar(select(func.count(Broadcast.id)).where(official)) or 0
        found = (
            await session.scalars(
                select(Broadcast)
                .where(official)
                .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        ).all()
        rules = Broadcasts(session)
        rows = [
            Row(
                broadcast,
                audience_summary(t, audience_of(broadcast)),
                status_label(t, broadcast.status),
                outcome_rows(t, await rules.progress(broadcast.id)),
            )
            for broadcast in found
        ]
    return context.render(
        "broadcasts.html",
        rows=rows,
        headings=[
            label for label, _count in outcome_rows(t, Progress(BroadcastStatus.DONE, True, 0, {}))
        ],
        page=page,
        pages=pages_for(total, PAGE_SIZE),
        total=total,
        may_send=context.official.can(Permission.SEND_BROADCASTS),
    )


@dataclass(frozen=True)
class Pace:
    delivered: int  # in the last PACE_SECONDS
    per_second: str  # the same, a second, written for the official
    minutes_left: int | None  # None: nothing delivered lately, so no estimate
    finish_at: datetime | None


async def _pace(
    rules: Broadcasts, broadcast_id: int, progress: Progress, t: Texts, now: datetime
) -> Pace:
    """How fast it goes now, and when the queued rows will be through at that pace."""
    rate = await rules.recent_rate(broadcast_id, now, PACE_SECONDS)
    # Rows held for the evening's digests go then, whatever the pace.
    sending = progress.queued - progress.held
    seconds_left = sending / rate if rate > 0 and sending else None
    return Pace(
        round(rate * PACE_SECONDS),
        format_decimal(rate, format="#,##0.#", locale=t.locale),
        None if seconds_left is None else max(math.ceil(seconds_left / 60), 1),
        None if seconds_left is None else now + timedelta(seconds=seconds_left),
    )


def _versions(t: Texts, texts: Mapping[str, str]) -> list[tuple[str, str]]:
    """Each language's name and text, Ukrainian first."""
    order = {language: place for place, language in enumerate(LANGUAGES)}
    return [
        (_language_name(t, language), texts[language])
        for language in sorted(texts, key=lambda language: order.get(language, len(order)))
    ]


async def _broadcast_page(
    context: AdminContext, broadcast_id: int, *, problem: str | None = None, http_status: int = 200
) -> web.StreamResponse:
    t = context.texts
    async with context.database.reading() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.notice_kind is not None:
            raise web.HTTPNotFound()
        rules = Broadcasts(session)
        progress = await rules.progress(broadcast_id)
        pace = None
        if broadcast.status is BroadcastStatus.SENDING:
            pace = await _pace(rules, broadcast_id, progress, t, context.now)
    running = broadcast.status in RUNNING
    live = running and context.request.query.get("live") != "off"
    response = context.render(
        "broadcast.html",
        http_status=http_status,
        broadcast=broadcast,
        versions=_versions(t, broadcast.texts),
        audience=audience_summary(t, audience_of(broadcast)),
        status=status_label(t, broadcast.status),
        running=running,
        progress=progress,
        counts=outcome_rows(t, progress),
        pace=pace,
        live=live,
        refresh_seconds=REFRESH_SECONDS,
        may_send=context.official.can(Permission.SEND_BROADCASTS),
        problem=problem,
    )
    if live:
        # The page reloads itself while the broadcast runs: the HTTP form of
        # <meta http-equiv="refresh">, as the layout's <head> is every page's.
        response.headers["Refresh"] = f"{REFRESH_SECONDS}; url=/admin/broadcasts/{broadcast_id}"
    return response


async def broadcast_view(context: AdminContext) -> web.StreamResponse:
    return await _broadcast_page(context, context.int_param("id"))


async def cancel(context: AdminContext) -> web.StreamResponse:
    broadcast_id = context.int_param("id")
    async with context.database.transaction() as session:
        broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
        if broadcast is None or broadcast.notice_kind is not None:
            raise web.HTTPNotFound()
        before = broadcast.status
        refused = before not in RUNNING
        if not refused:
            try:
                await Broadcasts(session).cancel(broadcast_id, context.now)
            except BroadcastError:
                refused = True
            else:
                context.audit(
                    session,
                    action="broadcast_cancel",
                    object_type="broadcast",
                    object_id=broadcast_id,
                    before={"status": before},
                    after={"status": BroadcastStatus.CANCELLED},
                )
    if refused:
        return await _broadcast_page(context, broadcast_id, problem="not_running", http_status=409)
    return see_other(f"/admin/broadcasts/{broadcast_id}?done=cancelled")


VIEWS = AdminViews(
    routes=(
        AdminRoute("GET", "/broadcasts", broadcast_list),
        AdminRoute("GET", "/broadcasts/new", new_form, Permission.SEND_BROADCASTS),
        AdminRoute("POST", "/broadcasts/preview", preview, Permission.SEND_BROADCASTS),
        AdminRoute("POST", "/broadcasts", send, Permission.SEND_BROADCASTS),
        AdminRoute("GET", "/broadcasts/{id}", broadcast_view),
        AdminRoute("POST", "/broadcasts/{id}/cancel", cancel, Permission.SEND_BROADCASTS),
    ),
    nav=(NavEntry("/admin/broadcasts", lambda t: t._("Broadcasts")),),
)
