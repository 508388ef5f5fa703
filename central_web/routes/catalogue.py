"""The catalogue at the centre: list, edit, confirm a figure, preview, revisions, publish.

Every save is a draft revision with its author (sync/catalog.py); a service is checked by
the catalogue's own checks (kiosk/catalog_edit.py, the same as `kiosk catalog import`) and
each refusal is shown next to its field, in the reader's language, with what was typed
kept. Only the admin (the secretary) changes anything; the quality officer and the auditor
read every page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from central_web.deps import EVERYONE, CentreDep
from kiosk.catalog import FIGURES, SPEEDS, CatalogDocument, Problem, Service, shipped_catalog
from kiosk.catalog_edit import (
    FIGURE_FIELDS,
    UnknownService,
    confirm_figure,
    diff,
    figure_field,
    find,
    form_from_service,
    problem_field,
    record_from_form,
    save_service,
    source_field,
    unconfirmed_count,
)
from kiosk.labels import SERVICE_CATEGORIES, deadline_text, fee_text, label
from kiosk.labels import SPEEDS as SPEED_LABELS
from kiosk.service_text import service_sections
from kiosk.staff import StaffAccount
from kiosk.vocabulary import Role
from kiosk.web.deps import csrf_protect, language, render, require_role, translator
from kiosk.web.errors import N_
from sync.catalog import publish, revision_document, revisions, save_draft
from sync.overview import site_rows

router = APIRouter(tags=["catalogue"])
Reader = Annotated[StaffAccount, Depends(require_role(*EVERYONE))]
Admin = Annotated[StaffAccount, Depends(require_role(Role.ADMIN))]
MAX_NOTE = 300
MAX_FIELD = 4000  # a form field longer than any service's text is a paste slip


@contextmanager
def _central(centre: CentreDep) -> Iterator[Connection]:
    with centre.db.engine.begin() as conn:
        yield conn


def _working(conn: Connection) -> CatalogDocument:
    """The catalogue being edited: the newest revision, draft or published; at first the
    shipped one, which every site starts from."""
    return revision_document(conn) or shipped_catalog()


def _service_or_404(doc: CatalogDocument, service_id: str) -> Service:
    try:
        return find(doc, service_id)
    except UnknownService:
        raise HTTPException(status_code=404, detail="no such service") from None


def _matches(service: Service, query: str) -> bool:
    words = " ".join(
        (service.id, service.name.bg, service.name.en, *service.keywords_bg, *service.keywords_en)
    ).casefold()
    return all(w in words for w in query.casefold().split())


@router.get("/catalogue", response_class=HTMLResponse, include_in_schema=False)
def catalogue_page(
    request: Request,
    centre: CentreDep,
    user: Reader,
    q: Annotated[str, Query(max_length=100)] = "",
    unconfirmed: bool = False,
) -> HTMLResponse:
    with _central(centre) as conn:
        doc = _working(conn)
        history = revisions(conn)
    shown = [
        s
        for s in doc.services
        if (not q.strip() or _matches(s, q)) and (not unconfirmed or s.unconfirmed)
    ]
    lang = language(request)
    return render(
        request,
        "catalogue.html",
        user=user,
        doc=doc,
        newest=history[0] if history else None,
        services=shown,
        q=q,
        unconfirmed=unconfirmed,
        to_confirm=unconfirmed_count(doc),
        services_to_confirm=sum(1 for s in doc.services if s.unconfirmed),
        category=lambda code: label(SERVICE_CATEGORIES, code, lang),
    )


def _form_view(
    request: Request,
    user: StaffAccount,
    service: Service,
    *,
    base: int,
    form: dict[str, str],
    unconfirmed: list[str],
    problems: list[Problem] = (),  # type: ignore[assignment]
    saved: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _ = translator(request)
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(problem_field(p), []).append(p.text(_))
    lang = language(request)
    return render(
        request,
        "catalogue_service.html",
        user=user,
        service=service,
        base=base,
        form=form,
        unconfirmed=unconfirmed,
        errors=errors,
        # a problem with no field of its own on the form is shown at the top
        general=[m for key, ms in errors.items() if key not in _FORM_KEYS for m in ms],
        saved=saved,
        can_edit=user.role == Role.ADMIN,
        speeds=[(s, label(SPEED_LABELS, s, lang)) for s in SPEEDS],
        # the stored figures as the kiosk words them, beside each one to confirm
        figures={
            f"{d.speed}.{part}": text
            for d in service.delivery
            for part, text in (
                ("fee", fee_text(d.fee_cents, lang)),
                ("deadline", deadline_text(d.deadline, lang)),
            )
        },
        figure_field=figure_field,
        source_field=source_field,
        categories=[(c, label(SERVICE_CATEGORIES, c, lang)) for c in SERVICE_CATEGORIES],
        status_code=status_code,
    )


_FORM_KEYS = {
    *[
        "id",
        "iisda",
        "category",
        "counter_group",
        "name_bg",
        "name_en",
        "description_bg",
        "description_en",
        "who_bg",
        "who_en",
        "legal_basis",
        "where_bg",
        "where_en",
        "source",
        "eservice_url",
        "documents_bg",
        "documents_en",
        "keywords_bg",
        "keywords_en",
        "unconfirmed",
    ],
    *FIGURE_FIELDS,
    *(source_field(f) for f in FIGURES),
}


@router.get(
    "/catalogue/services/{service_id}", response_class=HTMLResponse, include_in_schema=False
)
def service_page(
    request: Request, centre: CentreDep, user: Reader, service_id: str, saved: int | None = None
) -> HTMLResponse:
    with _central(centre) as conn:
        doc = _working(conn)
    service = _service_or_404(doc, service_id)
    return _form_view(
        request,
        user,
        service,
        base=doc.revision,
        form=form_from_service(service),
        unconfirmed=list(service.unconfirmed),
        saved=saved,
    )


async def _form_text(request: Request) -> tuple[dict[str, str], list[str]]:
    form = await request.form()
    text = {
        key: value[:MAX_FIELD]
        for key, value in form.items()
        if isinstance(value, str) and key != "unconfirmed"
    }
    return text, [v for v in form.getlist("unconfirmed") if isinstance(v, str)]


def _note(form: dict[str, str]) -> str | None:
    return form.get("note", "").strip()[:MAX_NOTE] or None


@router.post("/catalogue/services/{service_id}", dependencies=[Depends(csrf_protect)])
async def save_service_form(
    request: Request, centre: CentreDep, user: Admin, service_id: str
) -> Response:
    form, unconfirmed = await _form_text(request)
    with _central(centre) as conn:
        doc = _working(conn)
        service = _service_or_404(doc, service_id)
        base = int(form["base"]) if form.get("base", "").isdigit() else doc.revision
        problems = _changed_meanwhile(conn, doc, service_id, base)
        if not problems:
            changed, problems = save_service(
                doc, record_from_form(form, unconfirmed), replacing=service_id
            )
        if problems:
            return _form_view(
                request,
                user,
                service,
                base=base,
                form=form,
                unconfirmed=unconfirmed,
                problems=problems,
                status_code=422,
            )
        assert changed is not None
        revision = save_draft(conn, changed, author=user.username, note=_note(form))
    saved_id = form.get("id", service_id).strip()
    return RedirectResponse(f"/catalogue/services/{saved_id}?saved={revision}", status_code=303)


def _changed_meanwhile(
    conn: Connection, doc: CatalogDocument, service_id: str, base: int
) -> list[Problem]:
    """Refuse a save over someone else's: the service changed since the form was opened."""
    if base == doc.revision:
        return []
    shipped = shipped_catalog()
    before = revision_document(conn, base) or (shipped if base == shipped.revision else None)
    try:
        unchanged = before is not None and find(before, service_id) == find(doc, service_id)
    except UnknownService:
        unchanged = False
    if unchanged:
        return []
    return [
        Problem(
            None,
            service_id,
            None,
            N_(
                "Someone saved this service after you opened it (revision {revision}): "
                "open it again and redo your change."
            ),
            (("revision", doc.revision),),
        )
    ]


@router.post("/catalogue/services/{service_id}/confirm", dependencies=[Depends(csrf_protect)])
async def confirm_service_figure(
    request: Request, centre: CentreDep, user: Admin, service_id: str
) -> Response:
    form, _unconfirmed = await _form_text(request)
    figure = form.get("figure", "")
    with _central(centre) as conn:
        doc = _working(conn)
        service = _service_or_404(doc, service_id)
        changed, problems = confirm_figure(
            doc, service_id, figure, form.get(source_field(figure), "")
        )
        if changed is None:
            shown = form_from_service(service)
            shown[source_field(figure)] = form.get(source_field(figure), "")
            return _form_view(
                request,
                user,
                service,
                base=doc.revision,
                form=shown,
                unconfirmed=list(service.unconfirmed),
                problems=problems,
                status_code=422,
            )
        revision = save_draft(conn, changed, author=user.username, note=_note(form))
    return RedirectResponse(f"/catalogue/services/{service_id}?saved={revision}", status_code=303)


@router.get(
    "/catalogue/services/{service_id}/preview",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def preview_page(
    request: Request, centre: CentreDep, user: Reader, service_id: str
) -> HTMLResponse:
    with _central(centre) as conn:
        doc = _working(conn)
    service = _service_or_404(doc, service_id)
    screens = [
        (lang, service.name.get(lang), service_sections(service, lang)) for lang in ("bg", "en")
    ]
    return render(
        request, "catalogue_preview.html", user=user, service=service, screens=screens, doc=doc
    )


@router.get("/catalogue/revisions", response_class=HTMLResponse, include_in_schema=False)
def revisions_page(
    request: Request,
    centre: CentreDep,
    user: Reader,
    a: int | None = None,
    b: int | None = None,
    published: int | None = None,
) -> HTMLResponse:
    return _revisions_view(request, centre, user, a=a, b=b, published=published)


def _revisions_view(
    request: Request,
    centre: CentreDep,
    user: StaffAccount,
    *,
    a: int | None,
    b: int | None,
    published: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with _central(centre) as conn:
        history = revisions(conn)
        numbers = {r.revision for r in history}
        newer = b if b in numbers else (history[0].revision if history else None)
        older = a if a in numbers or a == 0 else None
        if older is None and newer is not None:
            # by default what the revision changes for the sites: against the last published
            # before it (a publication copies a draft, so the draft itself would show nothing)
            older = max(
                (r.revision for r in history if not r.draft and r.revision < newer), default=0
            )
        changes = None
        if newer is not None and older is not None:
            # revision 0: the shipped catalogue every site starts from
            old = revision_document(conn, older) if older else shipped_catalog()
            new = revision_document(conn, newer)
            changes = diff(old, new) if old and new else None
        sites = [row.site_id for row in site_rows(centre.db)]
    lang = language(request)

    def figure_text(field: str, value: str | None) -> str | None:
        """A figure as the kiosk words it ("€2,56", "7 дни"), the record's form beside it."""
        if value is None or not field.startswith("delivery."):
            return value
        if field.endswith(".fee"):
            return fee_text(round(float(value) * 100), lang)
        return deadline_text(value, lang)

    return render(
        request,
        "catalogue_revisions.html",
        user=user,
        history=history,
        older=older,
        newer=newer,
        changes=changes,
        figure_text=figure_text,
        sites=sites,
        published=published,
        can_publish=user.role == Role.ADMIN,
        tz=centre.config.tz,
        error=error,
        status_code=status_code,
    )


@router.post("/catalogue/publish", dependencies=[Depends(csrf_protect)])
async def publish_revision(request: Request, centre: CentreDep, user: Admin) -> Response:
    form = await request.form()
    revision = str(form.get("revision") or "")
    chosen = [v for v in form.getlist("sites") if isinstance(v, str)]
    every = form.get("scope") != "group"
    _ = translator(request)
    with _central(centre) as conn:
        doc = revision_document(conn, int(revision)) if revision.isdigit() else None
        known = {row.site_id for row in site_rows(centre.db)}
        if doc is None:
            error = _("Choose a revision to publish.")
        elif not every and (not chosen or not set(chosen) <= known):
            error = _("Choose the sites the revision is meant for, or publish it for every site.")
        else:
            error = None
            published = publish(
                conn,
                doc,
                source=f"centre web: revision {doc.revision}",
                author=user.username,
                note=str(form.get("note") or "").strip()[:MAX_NOTE] or None,
                sites=None if every else chosen,
            )
    if error is not None:
        return _revisions_view(request, centre, user, a=None, b=None, error=error, status_code=422)
    return RedirectResponse(f"/catalogue/revisions?published={published}", status_code=303)
