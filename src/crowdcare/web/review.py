"""The staff side of community care, in the console: the review queue (approve, edit and
approve, reject with a reason the advocate sees), sample reviews of trusted advocates'
published answers, what advocates published (retract: the platform's delete call), and
/admin/community: advocates with their figures and trust, invitations, settings, the report."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from crowdcare import actions
from crowdcare.actions import ActionError, advocates, answers
from crowdcare.api.deps import Principal, get_session
from crowdcare.api.numbers import Int64
from crowdcare.community import report as community_report
from crowdcare.community import review, stats
from crowdcare.community import settings as community_settings
from crowdcare.outbound import network
from crowdcare.settings import get_settings
from crowdcare.store import models as m
from crowdcare.store.types import utcnow
from crowdcare.web.core import (
    Attempt,
    Refused,
    admin_user,
    back,
    check_csrf,
    console_user,
    flash,
    render,
)

router = APIRouter(include_in_schema=False)
LIST_FIELDS = ("link_allow_list", "banned_words", "forbidden_promises", "staff_only_handles")


@router.get("/review")
def review_page(request: Request, principal: Principal = Depends(console_user),
                session: Session = Depends(get_session)):
    ws = principal.workspace_id
    return render(request, "review.html", {
        "pending": [review.item(session, a) for a in review.pending(session, ws)],
        "samples": [review.item(session, a) for a in review.samples(session, ws)],
        "tab": "queue"}, principal=principal, session=session)


@router.get("/review/published")
def published_page(request: Request, principal: Principal = Depends(console_user),
                   session: Session = Depends(get_session)):
    return render(request, "review.html", {
        "published": [review.item(session, a)
                      for a in review.published(session, principal.workspace_id)],
        "tab": "published"}, principal=principal, session=session)


def _answer(session: Session, principal: Principal, answer_id: int) -> m.CommunityAnswer:
    try:
        return answers.get_answer(session, principal.workspace_id, answer_id)
    except actions.NotFound:
        raise Refused(404, "No such answer.") from None


@router.post("/review/{answer_id}", dependencies=[Depends(check_csrf)])
def decide(answer_id: Int64, request: Request, decision: str = Form(...),
           text: str = Form("", max_length=10000), reason: str = Form("", max_length=1000),
           principal: Principal = Depends(console_user), session: Session = Depends(get_session)):
    row = _answer(session, principal, answer_id)
    reviewer = session.get(m.Agent, principal.agent_id)
    with Attempt(request, session, "/review") as it:
        if decision in ("fine", "weak"):
            answers.check_review(session, reviewer, row, sample=True)
            answers.do_sample(session, reviewer, row, decision == "fine",
                              reason if decision == "fine" else answers.check_reason(reason))
            message = f"Answer #{row.id}: sample review recorded."
        else:
            answers.check_review(session, reviewer, row)
            if decision == "reject":
                answers.do_reject(session, reviewer, row, answers.check_reason(reason))
                message = f"Answer #{row.id} rejected; {row.agent.name} sees your reason."
            else:
                ok = answers.do_approve(session, reviewer, row,
                                        text if decision == "edit" else None)
                message = (f"Answer #{row.id} approved and published." if ok else
                           f"Answer #{row.id} was not published: {row.reason}")
    if not it.failed:   # a withdrawn answer's message is an error's
        flash(request, message, "ok" if row.status != "withdrawn" else "error")
    return it.response


@router.post("/review/{answer_id}/retract", dependencies=[Depends(check_csrf)])
async def retract(answer_id: Int64, request: Request, reason: str = Form("", max_length=1000),
                  principal: Principal = Depends(console_user)):
    try:
        reason = answers.check_reason(reason)
        async with network.client() as http:
            row = await answers.retract(principal.workspace_id, answer_id, principal.agent_id,
                                        reason, http)
    except ActionError as exc:
        flash(request, exc.reason, "error")
        return back("/review/published")
    flash(request, f"Answer #{row.id} retracted: {row.retract_result}.")
    return back("/review/published")


# --- /admin/community -------------------------------------------------------------------------

@router.get("/admin/community")
def admin_page(request: Request, since: str | None = None,
               principal: Principal = Depends(admin_user),
               session: Session = Depends(get_session)):
    ws = session.get(m.Workspace, principal.workspace_id)
    now = utcnow()
    try:
        start = community_report.since(since, now)
    except ValueError:
        flash(request, f"{since!r} is not a date: showing the last "
                       f"{community_report.DEFAULT_DAYS} days.", "error")
        start = community_report.since(None, now)
    data = community_report.build(session, ws.id, start, now)
    return render(request, "admin/community.html", {
        "section": "community", "advocates": stats.advocates(session, ws.id),
        "settings": community_settings.of(ws), "report": data,
        "report_lines": community_report.lines(data, ws.name), "since": start.date().isoformat(),
        "invite_link": request.session.pop("invite_link", None)},
        principal=principal, session=session)


@router.post("/admin/community/invite", dependencies=[Depends(check_csrf)])
def invite(request: Request, email: str = Form(..., max_length=320),
           name: str = Form("", max_length=200), principal: Principal = Depends(admin_user),
           session: Session = Depends(get_session)):
    ws = session.get(m.Workspace, principal.workspace_id)
    with Attempt(request, session, "/admin/community") as it:
        agent, token = advocates.do_invite(session, ws, email, name.strip() or None,
                                           principal.agent_id)
    if it.failed:
        return it.response
    link = f"{get_settings().public_url.rstrip('/')}/community/join/{token}"
    emailed = False
    if get_settings().smtp_url:
        from crowdcare.community import alerts

        try:
            alerts.send(alerts.invitation(agent.email, agent.name, ws, link))
            emailed = True
        except (OSError, RuntimeError):
            pass
    request.session["invite_link"] = link
    flash(request, f"{agent.email} invited" + (" (the link was emailed)." if emailed else
                                               ": send them the link below."))
    return it.response


@router.post("/admin/community/trust/{agent_id}", dependencies=[Depends(check_csrf)])
def set_trust(agent_id: Int64, request: Request, level: str = Form(""),
              locked: str = Form(""), reason: str = Form("", max_length=1000),
              principal: Principal = Depends(admin_user), session: Session = Depends(get_session)):
    try:
        row = advocates.get(session, principal.workspace_id, agent_id)
    except actions.NotFound:
        raise Refused(404, "No such advocate.") from None
    with Attempt(request, session, "/admin/community") as it:
        advocates.check_set_trust(level or None, reason)
        advocates.do_set_trust(session, row, level or None, locked == "1", reason,
                               by=principal.agent_id)
        it.done = f"{row.agent.name}: {row.trust}{' (locked)' if row.trust_locked else ''}."
    return it.response


@router.post("/admin/community/settings", dependencies=[Depends(check_csrf)])
async def save_settings(request: Request, principal: Principal = Depends(admin_user),
                        session: Session = Depends(get_session)):
    form = await request.form()
    ws = session.get(m.Workspace, principal.workspace_id)

    def words(name: str) -> list[str]:
        return [w.strip() for w in str(form.get(name, "")).replace("\n", ",").split(",")
                if w.strip()]

    changes: dict = {k: words(k) for k in LIST_FIELDS}
    for key in ("signature", "brand", "lease_minutes", "pace_seconds", "daily_cap",
                "alert_after_minutes", "max_alerts_per_day"):
        if str(form.get(key, "")).strip():
            changes[key] = str(form[key]).strip()
    changes["trust"] = {k: str(form[k]).strip() for k in (
        "trusted_after", "unedited_share", "window", "sample_one_in", "grace_days")
        if str(form.get(k, "")).strip()}
    snippets = []
    for line in str(form.get("snippets", "")).splitlines():
        title, sep, body = line.partition("|")
        if sep and title.strip() and body.strip():
            snippets.append({"title": title.strip(), "body": body.strip()})
    changes["snippets"] = snippets
    with Attempt(request, session, "/admin/community") as it:
        advocates.do_settings(session, ws, advocates.check_settings(ws, changes))
        it.done = "Community settings saved."
    return it.response
