"""The directory module's admin views: the authorities (searchable list, a form to add or
edit one, checked as a row of the command line's CSV is), and the whole directory as CSV
both ways: the export is the command line's file, the import its all-or-nothing rules."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot.admin.context import AdminContext, pages_for
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.csv_records import CsvImport, csv_download, explained, import_upload
from bot.admin.forms import posted
from bot.admin.responses import see_other
from civic.access import Permission
from civic.authority_directory import (
    COLUMNS,
    LEVELS,
    SavedAuthority,
    export_directory,
    import_directory,
    save_authority,
)
from civic.csv_rows import RowProblem as DirectoryError
from civic.text import search_words
from handlers.authority_directory import level_label
from storage.models import Authority, AuthorityLevel

PAGE_SIZE = 50
FIELDS = tuple(column for column in COLUMNS if column != "id")


async def authority_list(context: AdminContext) -> web.StreamResponse:
    query = context.request.query
    search = query.get("q", "")[:100]
    raw_level = query.get("level", "")
    page = context.page_number()
    statement = select(Authority)
    for word in search_words(search):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Authority.search_text.like(f"%{escaped}%", escape="\\"))
    if raw_level in LEVELS:
        statement = statement.where(Authority.level == AuthorityLevel(raw_level))
    async with context.database.reading() as session:
        total = await session.scalar(statement.with_only_columns(func.count(Authority.id)))
        authorities = (
            await session.scalars(
                statement.order_by(Authority.name_uk, Authority.id)
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        ).all()
    return context.render(
        "authorities.html",
        authorities=authorities,
        levels=[(level, level_label(context.texts, AuthorityLevel(level))) for level in LEVELS],
        level=raw_level if raw_level in LEVELS else "",
        search=search,
        page=page,
        pages=pages_for(total or 0, PAGE_SIZE),
        total=total or 0,
        may_edit=context.official.can(Permission.MANAGE_DIRECTORY),
    )


def _form_page(
    context: AdminContext,
    authority: Authority | None,
    values: dict[str, Any],
    errors: list[DirectoryError],
    http_status: int = 200,
) -> web.Response:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.column or "", []).append(explained(context, error))
    return context.render(
        "authority.html",
        http_status=http_status,
        authority=authority,
        values=values,
        errors=by_field,
        levels=[(level, level_label(context.texts, AuthorityLevel(level))) for level in LEVELS],
        may_edit=context.official.can(Permission.MANAGE_DIRECTORY),
    )


def _as_cells(authority: Authority) -> dict[str, str]:
    cells = {}
    for column in FIELDS:
        value = getattr(authority, column)
        cells[column] = "" if value is None else getattr(value, "value", str(value))
    return cells


async def authority_view(context: AdminContext) -> web.StreamResponse:
    authority_id = context.int_param("id")
    async with context.database.reading() as session:
        authority = await session.get(Authority, authority_id)
    if authority is None:
        raise web.HTTPNotFound()
    return _form_page(context, authority, _as_cells(authority), [])


async def new_authority_form(context: AdminContext) -> web.StreamResponse:
    return _form_page(context, None, {"level": "local"}, [])


async def _save(context: AdminContext, authority_id: int | None) -> web.StreamResponse:
    form = posted(context.request)
    cells = {column: form.get(column) for column in FIELDS}
    async with context.database.transaction() as session:
        try:
            saved = await save_authority(session, authority_id, cells, context.now)
        except LookupError:
            raise web.HTTPNotFound() from None
        if isinstance(saved, SavedAuthority):
            context.audit(
                session,
                action="authority_create" if saved.before is None else "authority_edit",
                object_type="authority",
                object_id=saved.authority.id,
                before=saved.before,
                after=saved.after,
            )
            new_id = saved.authority.id
        else:
            current = await session.get(Authority, authority_id) if authority_id else None
            return _form_page(context, current, cells, saved, http_status=400)
    return see_other(f"/admin/authorities/{new_id}?done=saved")


async def create_authority(context: AdminContext) -> web.StreamResponse:
    return await _save(context, None)


async def edit_authority(context: AdminContext) -> web.StreamResponse:
    return await _save(context, context.int_param("id"))


async def directory_csv(context: AdminContext) -> web.StreamResponse:
    """The command line's export, so that the file can be edited and imported back."""
    async with context.database.reading() as session:
        exported = await export_directory(session)
    return csv_download(exported.text, "authorities.csv")


async def import_form(context: AdminContext) -> web.StreamResponse:
    return context.render("authorities_import.html", report=None, filename=None)


DIRECTORY_IMPORT = CsvImport(
    "authorities_import.html", import_directory, "directory_import", "directory"
)


async def import_file(context: AdminContext) -> web.StreamResponse:
    return await import_upload(context, DIRECTORY_IMPORT)


VIEWS = AdminViews(
    routes=(
        AdminRoute("GET", "/authorities", authority_list),
        AdminRoute("GET", "/authorities/new", new_authority_form, Permission.MANAGE_DIRECTORY),
        AdminRoute("POST", "/authorities/new", create_authority, Permission.MANAGE_DIRECTORY),
        AdminRoute("GET", "/authorities/import", import_form, Permission.MANAGE_DIRECTORY),
        AdminRoute("POST", "/authorities/import", import_file, Permission.MANAGE_DIRECTORY),
        AdminRoute("GET", "/authorities/{id}", authority_view),
        AdminRoute("POST", "/authorities/{id}", edit_authority, Permission.MANAGE_DIRECTORY),
        AdminRoute("GET", "/exports/authorities.csv", directory_csv),
    ),
    nav=(NavEntry("/admin/authorities", lambda t: t._("Authorities")),),
)
