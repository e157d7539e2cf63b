"""The FAQ bot's knowledge base and settings: entries (CRUD, with per-entry metrics), CSV and
Markdown import/export, suggested FAQs, a "try a question" call, and the bot's settings."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from crowdcare.actions import Invalid
from crowdcare.api.deps import Principal, admin, get_session, staff
from crowdcare.api.numbers import Int64
from crowdcare.bots import decide, kb, metrics, settings, suggest, transfer

router = APIRouter(tags=["bot"])


class Link(BaseModel):
    title: str | None = Field(None, max_length=200)
    url: str = Field(min_length=8, max_length=1000)


class VersionIn(BaseModel):
    language: str | None = Field(None, max_length=10, examples=["en"])
    questions: list[str] = Field(min_length=1, max_length=kb.MAX_QUESTIONS)
    answer: str = Field(min_length=1, max_length=kb.MAX_ANSWER)


class EntryIn(BaseModel):
    key: str | None = Field(None, max_length=100, examples=["returns"])
    intent: str | None = Field(None, max_length=40)
    links: list[Link] = Field(default_factory=list, max_length=10)
    enabled: bool = True
    versions: list[VersionIn] = Field(min_length=1, max_length=20)


class EntryPatch(BaseModel):
    """Left out: unchanged. A field typed without `| None` refuses null with 422 (pydantic
    does not validate the None default, only what is sent); one with it clears."""
    key: str | None = Field(None, max_length=100)
    intent: str | None = Field(None, max_length=40)
    links: list[Link] = Field(None, max_length=10)
    enabled: bool = None
    versions: list[VersionIn] = Field(None, min_length=1, max_length=20)


class TryIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    language: str | None = Field(None, max_length=10)


class SettingsIn(BaseModel):
    threshold: float | None = Field(None, ge=0, le=1)
    margin: float | None = Field(None, ge=0, le=1)
    first: bool | None = Field(None, description="the bot sees every calm private question "
                                                 "first (else only frequent intents)")
    public: bool | None = Field(None, description="also answer public mentions")
    handoff_app_id: str | None = Field(None, max_length=100,
                                       description="Messenger: pass the thread to this app "
                                                   "on hand-off (the Page Inbox...)")


@router.get("/api/v1/kb/entries")
def list_entries(principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    per = metrics.per_entry(session, principal.workspace_id)
    rows = kb.entries(session, principal.workspace_id)
    return {"items": [kb.entry_out(r, per.get(r.id, metrics.totals({}))) for r in rows],
            "totals": metrics.totals(per),
            "tickets": metrics.tickets(session, principal.workspace_id)}


@router.post("/api/v1/kb/entries", status_code=201)
def create_entry(body: EntryIn, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    data = kb.check_entry(session, principal.workspace_id, body.model_dump())
    row = kb.do_save_entry(session, principal.workspace_id, data)
    session.commit()
    return kb.entry_out(row)


@router.get("/api/v1/kb/entries/{entry_id}")
def get_entry(entry_id: Int64, principal: Principal = Depends(staff),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    row = kb.get(session, principal.workspace_id, entry_id)
    per = metrics.per_entry(session, principal.workspace_id)
    return kb.entry_out(row, per.get(row.id, metrics.totals({})))


@router.patch("/api/v1/kb/entries/{entry_id}")
def update_entry(entry_id: Int64, body: EntryPatch, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    row = kb.get(session, principal.workspace_id, entry_id)
    data = kb.check_entry(session, principal.workspace_id, body.model_dump(exclude_unset=True),
                          row)
    kb.do_save_entry(session, principal.workspace_id, data, row)
    session.commit()
    return kb.entry_out(row)


@router.delete("/api/v1/kb/entries/{entry_id}", status_code=204)
def delete_entry(entry_id: Int64, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> Response:
    kb.do_delete_entry(session, kb.get(session, principal.workspace_id, entry_id))
    session.commit()
    return Response(status_code=204)


def _format(value: str) -> str:
    if value not in transfer.FORMATS:
        raise Invalid("format must be csv or md", field="format")
    return value


@router.get("/api/v1/kb/export")
def export(format: str = Query("csv"), principal: Principal = Depends(staff),
           session: Session = Depends(get_session)) -> Response:
    fmt = _format(format)
    text = transfer.write([kb.plain(r) for r in kb.entries(session, principal.workspace_id)], fmt)
    return Response(text, media_type="text/csv" if fmt == "csv" else "text/markdown",
                    headers={"Content-Disposition": f'attachment; filename="kb.{fmt}"'})


@router.post("/api/v1/kb/import")
async def import_(request: Request, format: str = Query("csv"),
                  principal: Principal = Depends(admin),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    """The file as the request body (text/csv or text/markdown); an entry whose id exists is
    replaced, others are added; nothing is written if any entry is refused."""
    fmt = _format(format)
    try:
        items = transfer.read((await request.body()).decode("utf-8"), fmt)
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text") from None
    except transfer.FileError as exc:
        raise Invalid(str(exc)) from None
    checked, rows = kb.check_import(session, principal.workspace_id, items)
    kb.do_save_many(session, principal.workspace_id, checked, rows)
    session.commit()
    return {"imported": len(checked), "replaced": sum(r is not None for r in rows)}


@router.get("/api/v1/kb/suggestions")
def suggestions(days: Int64 = Query(30, ge=1, le=365), limit: Int64 = Query(10, ge=1, le=50),
                principal: Principal = Depends(staff),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    return {"days": days, "items": suggest.suggestions(session, principal.workspace_id, days,
                                                       limit)}


@router.post("/api/v1/kb/try")
def try_question(body: TryIn, principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """What the bot would do with this question, and why (nothing is sent)."""
    index = kb.index(session, principal.workspace_id)
    conf = settings.of(session, principal.workspace_id)
    return decide.choose(index, body.text, body.language, conf.get("threshold"),
                         conf.get("margin")).to_dict()


@router.get("/api/v1/bot/settings")
def get_settings(principal: Principal = Depends(staff),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    return settings.effective(session, principal.workspace_id)


@router.put("/api/v1/bot/settings")
def put_settings(body: SettingsIn, principal: Principal = Depends(admin),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    settings.do_set(session, principal.workspace_id, body.model_dump(exclude_unset=True))
    session.commit()
    return settings.effective(session, principal.workspace_id)
