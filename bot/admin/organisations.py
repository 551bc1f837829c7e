"""The organisations module's admin views: the stakeholder base (a searchable list with
region and verification filters, a form to add or edit one, checked as a row of the CSV
file is, the verification mark) and the whole base as CSV both ways. Everyone signed in
reads; administrators change (``Permission.MANAGE_ORGANISATIONS``); every change is
audited once."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func, select

from bot.admin.context import AdminContext, pages_for
from bot.admin.contract import AdminRoute, AdminViews, NavEntry
from bot.admin.csv_records import CsvImport, csv_download, explained, import_upload
from bot.admin.forms import posted
from bot.admin.responses import see_other
from civic.access import Permission
from civic.csv_rows import RowProblem
from civic.organisations import (
    COLUMNS,
    SavedOrganisation,
    export_organisations,
    fields_of,
    import_organisations,
    listing,
    save_organisation,
    set_verified,
)
from civic.preferences import Preferences
from storage.organisation_models import Organisation

PAGE_SIZE = 50
FIELDS = tuple(column for column in COLUMNS if column != "id")
VERIFIED_FILTERS = {"yes": True, "no": False}


async def organisation_list(context: AdminContext) -> web.StreamResponse:
    query = context.request.query
    search = query.get("q", "")[:100]
    region = query.get("region", "")[:100]
    verified = query.get("verified", "")
    page = context.page_number()
    statement = listing(search, region or None, VERIFIED_FILTERS.get(verified))
    async with context.database.reading() as session:
        total = await session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        organisations = (
            await session.scalars(statement.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
        ).all()
        regions = await Preferences(session).regions()
    return context.render(
        "organisations.html",
        organisations=organisations,
        search=search,
        region=region,
        regions=regions,
        verified=verified if verified in VERIFIED_FILTERS else "",
        page=page,
        pages=pages_for(total or 0, PAGE_SIZE),
        total=total or 0,
        may_edit=context.official.can(Permission.MANAGE_ORGANISATIONS),
    )


def _as_cells(organisation: Organisation) -> dict[str, str]:
    cells = {}
    for column, value in fields_of(organisation).items():
        if isinstance(value, bool):
            cells[column] = "yes" if value else "no"
        else:
            cells[column] = "" if value is None else str(value)
    return cells


def _form_page(
    context: AdminContext,
    organisation: Organisation | None,
    values: dict[str, str],
    errors: list[RowProblem],
    http_status: int = 200,
) -> web.Response:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.column or "", []).append(explained(context, error))
    return context.render(
        "organisation.html",
        http_status=http_status,
        organisation=organisation,
        values=values,
        errors=by_field,
        may_edit=context.official.can(Permission.MANAGE_ORGANISATIONS),
    )


async def organisation_view(context: AdminContext) -> web.StreamResponse:
    async with context.database.reading() as session:
        organisation = await session.get(Organisation, context.int_param("id"))
    if organisation is None:
        raise web.HTTPNotFound()
    return _form_page(context, organisation, _as_cells(organisation), [])


async def new_organisation_form(context: AdminContext) -> web.StreamResponse:
    return _form_page(context, None, {"verified": "no"}, [])


async def _save(context: AdminContext, organisation_id: int | None) -> web.StreamResponse:
    form = posted(context.request)
    cells = {column: form.get(column) for column in FIELDS}
    # A checkbox sends nothing when it is not ticked.
    cells["verified"] = "yes" if form.get("verified") == "yes" else "no"
    async with context.database.transaction() as session:
        try:
            saved = await save_organisation(session, organisation_id, cells, context.now)
        except LookupError:
            raise web.HTTPNotFound() from None
        if not isinstance(saved, SavedOrganisation):
            current = await session.get(Organisation, organisation_id) if organisation_id else None
            return _form_page(context, current, cells, saved, http_status=400)
        context.audit(
            session,
            action="organisation_create" if saved.before is None else "organisation_edit",
            object_type="organisation",
            object_id=saved.organisation.id,
            before=saved.before,
            after=saved.after,
        )
        new_id = saved.organisation.id
    return see_other(f"/admin/organisations/{new_id}?done=saved")


async def create_organisation(context: AdminContext) -> web.StreamResponse:
    return await _save(context, None)


async def edit_organisation(context: AdminContext) -> web.StreamResponse:
    return await _save(context, context.int_param("id"))


async def verify(context: AdminContext) -> web.StreamResponse:
    organisation_id = context.int_param("id")
    wanted = posted(context.request).get("verified") == "yes"
    async with context.database.transaction() as session:
        try:
            changed, _organisation = await set_verified(
                session, organisation_id, wanted, context.now
            )
        except LookupError:
            raise web.HTTPNotFound() from None
        if changed:
            context.audit(
                session,
                action="organisation_verify" if wanted else "organisation_unverify",
                object_type="organisation",
                object_id=organisation_id,
                before={"verified": not wanted},
                after={"verified": wanted},
            )
    return see_other(f"/admin/organisations/{organisation_id}?done=saved")


async def organisations_csv(context: AdminContext) -> web.StreamResponse:
    """The command line's export, so that the file can be edited and imported back."""
    async with context.database.reading() as session:
        text, _count = await export_organisations(session)
    return csv_download(text, "organisations.csv")


async def import_form(context: AdminContext) -> web.StreamResponse:
    return context.render("organisations_import.html", report=None, filename=None)


ORGANISATIONS_IMPORT = CsvImport(
    "organisations_import.html", import_organisations, "organisations_import", "organisations"
)


async def import_file(context: AdminContext) -> web.StreamResponse:
    return await import_upload(context, ORGANISATIONS_IMPORT)


MANAGE = Permission.MANAGE_ORGANISATIONS
VIEWS = AdminViews(
    routes=(
        AdminRoute("GET", "/organisations", organisation_list),
        AdminRoute("GET", "/organisations/new", new_organisation_form, MANAGE),
        AdminRoute("POST", "/organisations/new", create_organisation, MANAGE),
        AdminRoute("GET", "/organisations/import", import_form, MANAGE),
        AdminRoute("POST", "/organisations/import", import_file, MANAGE),
        AdminRoute("GET", "/organisations/{id}", organisation_view),
        AdminRoute("POST", "/organisations/{id}", edit_organisation, MANAGE),
        AdminRoute("POST", "/organisations/{id}/verify", verify, MANAGE),
        AdminRoute("GET", "/exports/organisations.csv", organisations_csv),
    ),
    nav=(NavEntry("/admin/organisations", lambda t: t._("Organisations")),),
)
