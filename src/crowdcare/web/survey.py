"""The public page a survey link opens (channels without quick replies): the question, the
score buttons and a comment box. The signed link is the only key; it expires after 14 days."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from crowdcare.actions import ActionError
from crowdcare.actions import surveys as actions
from crowdcare.api.deps import get_session
from crowdcare.outbound import surveys
from crowdcare.store import models as m
from crowdcare.store.types import utcnow
from crowdcare.web.core import templates

router = APIRouter(include_in_schema=False)


def _page(request: Request, status: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, "surveys/answer.html",
                                      {"scale": [], **context}, status_code=status)


def _survey(session: Session, token: str) -> tuple[m.Survey | None, str | None]:
    survey_id, refused = surveys.read_token(token, utcnow())
    if refused:
        return None, refused
    survey = session.get(m.Survey, survey_id)
    if survey is None:
        return None, "this survey link is not valid"
    return survey, None


@router.get("/s/{token}", response_class=HTMLResponse)
def survey_page(request: Request, token: str, session: Session = Depends(get_session)):
    survey, refused = _survey(session, token)
    if refused:
        return _page(request, 410 if "expired" in refused else 404, message=refused)
    workspace = session.get(m.Workspace, survey.workspace_id)
    return _page(request, survey=survey, workspace=workspace,
                 question=surveys.QUESTION[survey.kind].split(" Tap")[0],
                 scale=list(surveys.SCALE[survey.kind]),
                 message="Thank you, we have your answer." if survey.status == "answered"
                 else None)


@router.post("/s/{token}", response_class=HTMLResponse)
def answer_survey(request: Request, token: str, score: str = Form(""),
                  comment: str = Form("", max_length=4000),
                  session: Session = Depends(get_session)):
    survey, refused = _survey(session, token)
    if refused:
        return _page(request, 410 if "expired" in refused else 404, message=refused)
    value = int(score) if score.strip().isdigit() else score
    try:
        actions.check_answer(survey, value)
    except ActionError as exc:
        return _page(request, exc.status, survey=survey, message=exc.reason,
                     question=surveys.QUESTION[survey.kind].split(" Tap")[0],
                     scale=list(surveys.SCALE[survey.kind]) if survey.status == "asked" else [])
    actions.do_answer(session, survey, value, "link", comment=comment)
    session.commit()
    return _page(request, survey=survey, message="Thank you, we have your answer.")
