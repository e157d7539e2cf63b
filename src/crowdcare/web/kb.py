"""The knowledge-base page: the FAQ bot's entries with their metrics, suggested FAQs (one click
to an entry), "try a question", import and export. Staff see it; admins change it."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError
from crowdcare.api.deps import Principal, get_session
from crowdcare.api.numbers import Int64
from crowdcare.bots import decide, kb, metrics, settings, suggest, transfer
from crowdcare.pipeline.triage.corpora import INTENTS
from crowdcare.store import models as m
from crowdcare.web.core import (
    Attempt,
    admin_user,
    back,
    check_csrf,
    console_user,
    flash,
    owned,
    render,
)

router = APIRouter(prefix="/kb", include_in_schema=False)
MAX_VERSIONS = 10


@router.get("")
def page(request: Request, days: Int64 = 30, principal: Principal = Depends(console_user),
         session: Session = Depends(get_session)):
    per = metrics.per_entry(session, principal.workspace_id)
    rows = kb.entries(session, principal.workspace_id)
    return render(request, "kb/index.html", {
        "rows": rows, "per": per, "totals": metrics.totals(per), "days": days,
        "tickets": metrics.tickets(session, principal.workspace_id),
        "suggestions": suggest.suggestions(session, principal.workspace_id, days),
        "settings": settings.effective(session, principal.workspace_id)},
        principal=principal, session=session)


def _form_entry(form, row=None) -> dict:
    versions = []
    for i in range(MAX_VERSIONS):
        questions = str(form.get(f"questions_{i}", "")).splitlines()
        answer = str(form.get(f"answer_{i}", ""))
        if any(q.strip() for q in questions) or answer.strip():
            versions.append({"language": str(form.get(f"language_{i}", "")).strip() or None,
                             "questions": questions, "answer": answer})
    return {"key": str(form.get("key", "")).strip() or (row.key if row else None),
            "intent": str(form.get("intent", "")) or None, "versions": versions,
            "links": transfer.parse_links(str(form.get("links", "")).replace("\n", ";")),
            "enabled": form.get("enabled") == "on"}


def _editor(request, principal, session, row=None, data=None, status=200):
    return render(request, "kb/entry.html", {
        "row": row, "data": data or (kb.plain(row) | {"enabled": row.enabled} if row else None),
        "intents": INTENTS, "links": transfer.format_links((data or {}).get("links") or
                                                           (row.links if row else [])),
        "blank": MAX_VERSIONS}, principal=principal, session=session, status=status)


@router.get("/entries/new")
def new_entry(request: Request, principal: Principal = Depends(admin_user),
              session: Session = Depends(get_session)):
    return _editor(request, principal, session)


@router.get("/entries/{entry_id}")
def edit_entry(entry_id: Int64, request: Request, principal: Principal = Depends(admin_user),
               session: Session = Depends(get_session)):
    return _editor(request, principal, session, owned(session, m.FaqEntry, entry_id, principal,
                                                      "entry"))


def _save(request, principal, session, data, row=None):
    with Attempt(request, session) as it:
        checked = kb.check_entry(session, principal.workspace_id, data, row)
        saved = kb.do_save_entry(session, principal.workspace_id, checked, row)
        it.done = (f"Entry {saved.key} saved: the bot answers with it now." if saved.enabled
                   else f"Entry {saved.key} saved (disabled).")
    if it.failed:   # the form again, with what was typed
        return _editor(request, principal, session, row, data, status=422)
    return back(f"/kb/entries/{saved.id}")


@router.post("/entries", dependencies=[Depends(check_csrf)])
async def create_entry(request: Request, principal: Principal = Depends(admin_user),
                       session: Session = Depends(get_session)):
    return _save(request, principal, session, _form_entry(await request.form()))


@router.post("/entries/{entry_id}", dependencies=[Depends(check_csrf)])
async def update_entry(entry_id: Int64, request: Request,
                       principal: Principal = Depends(admin_user),
                       session: Session = Depends(get_session)):
    row = kb.get(session, principal.workspace_id, entry_id)
    return _save(request, principal, session, _form_entry(await request.form(), row), row)


@router.post("/entries/{entry_id}/delete", dependencies=[Depends(check_csrf)])
def delete_entry(entry_id: Int64, request: Request, principal: Principal = Depends(admin_user),
                 session: Session = Depends(get_session)):
    row = kb.get(session, principal.workspace_id, entry_id)
    kb.do_delete_entry(session, row)
    session.commit()
    flash(request, f"Entry {row.key} deleted.")
    return back("/kb")


@router.post("/suggestions", dependencies=[Depends(check_csrf)])
async def from_suggestion(request: Request, principal: Principal = Depends(admin_user),
                          session: Session = Depends(get_session)):
    """One click: the suggestion becomes an entry (its examples, the agents' answer); without
    an answer yet, the editor opens with the questions filled in."""
    form = await request.form()
    data = suggest.as_entry({"examples": form.getlist("example"), "intent": form.get("intent"),
                             "language": form.get("language") or None,
                             "answer": form.get("answer") or ""})
    data["enabled"] = True
    if not data["versions"][0]["answer"]:
        flash(request, "Write the answer, then save.", "ok")
        return _editor(request, principal, session, None, data)
    return _save(request, principal, session, data)


@router.post("/import", dependencies=[Depends(check_csrf)])
async def import_file(request: Request, file: UploadFile = File(...),
                      principal: Principal = Depends(admin_user),
                      session: Session = Depends(get_session)):
    name = (file.filename or "").lower()
    fmt = "md" if name.endswith((".md", ".markdown")) else "csv"
    with Attempt(request, session, "/kb", prefix=f"{file.filename}: ") as it:
        try:
            items = transfer.read((await file.read()).decode("utf-8"), fmt)
        except (transfer.FileError, UnicodeDecodeError) as exc:   # refused like a check
            raise ActionError(getattr(exc, "reason", None) or str(exc), status=422) from None
        checked, rows = kb.check_import(session, principal.workspace_id, items)
        kb.do_save_many(session, principal.workspace_id, checked, rows)
        it.done = f"Imported {len(checked)} entries from {file.filename}."
    return it.response


@router.post("/try", dependencies=[Depends(check_csrf)])
def try_question(request: Request, text: str = Form(..., max_length=2000),
                 principal: Principal = Depends(console_user),
                 session: Session = Depends(get_session)) -> HTMLResponse:
    conf = settings.of(session, principal.workspace_id)
    choice = decide.choose(kb.index(session, principal.workspace_id), text, None,
                           conf.get("threshold"), conf.get("margin"))
    answer = choice.best.version.payload["answer"] if choice.best else None
    return render(request, "kb/_tried.html", {"choice": choice, "text": text,
                                              "answer": answer})
