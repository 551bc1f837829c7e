"""Jinja2 for the admin pages: autoescaped HTML, the Babel catalogs for every string,
dates and numbers in the official's language and Kyiv time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from handlers import petition_views, request_views
from handlers.texts import Texts


class Renderer:
    def __init__(self) -> None:
        self.environment = Environment(
            loader=PackageLoader("bot.admin", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.policies["ext.i18n.trimmed"] = True

    def render(self, template: str, *, texts: Texts, **values: Any) -> str:
        page = self.environment.get_template(template)
        return page.render(
            _=texts._,
            gettext=texts._,
            ngettext=texts.ngettext,
            when=texts.datetime,
            day=texts.date,
            number=texts.number,
            ago=lambda moment: _duration(texts, values["now"] - moment),
            lang=texts.locale,
            petition_status=lambda status: petition_views.status_label(texts, status),
            request_status=lambda status: request_views.status_label(texts, status),
            **values,
        )


def _duration(texts: Texts, span: timedelta) -> str:
    """A waiting time in the largest whole unit: days, else hours, else minutes."""
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes >= 24 * 60:
        days = minutes // (24 * 60)
        return texts.ngettext("%(num)d day", "%(num)d days", days) % {"num": days}
    if minutes >= 60:
        hours = minutes // 60
        return texts.ngettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours}
    return texts.ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
