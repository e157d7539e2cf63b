"""The community portal (/community): an advocate's queue, a mention (claim, draft with live
checks, submit, hand over), their answers, profile with trust level and reasons, the
leaderboards, a lead's review of new advocates' answers, sign-up from an invitation, and
the live feed. Every page renders from community/visible.py and 404s what an advocate may
not see."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from crowdcare import actions
from crowdcare.actions import ActionError, advocates, answers
from crowdcare.api.deps import (
    Principal,
    get_session,
    principal_from_session,
    same_origin,
    start_session,
)
from crowdcare.api.numbers import Int64
from crowdcare.community import drafts, eligibility, points, review, visible
from crowdcare.community import settings as community_settings
from crowdcare.domain import Role
from crowdcare.events import names
from crowdcare.store import db
from crowdcare.store import models as m
from crowdcare.store.types import utcnow
from crowdcare.web.core import (
    Attempt,
    LoginRequired,
    Refused,
    back,
    check_csrf,
    flash,
    is_htmx,
    render,
)
from crowdcare.web.live import serve_feed

router = APIRouter(prefix="/community", include_in_schema=False)
# staff events that can change what a queue holds: they reach advocates as a bare "queue"
QUEUE_EVENTS = {names.MESSAGE_CREATED, names.MESSAGE_UPDATED, names.CONVERSATION_UPDATED,
                names.TICKET_CREATED, names.TICKET_UPDATED, names.COMMUNITY_QUEUE,
                names.COMMUNITY_ANSWER, "triage.corrected", "triage_settings.updated",
                names.CUSTOMER_UPDATED}


def advocate_user(request: Request, session: Session = Depends(get_session)) -> Principal:
    principal = principal_from_session(session, request)
    if principal is None:
        raise LoginRequired()
    if principal.role != Role.advocate:
        raise Refused(403, "The community portal is for advocates. Staff review community "
                           "answers in the console, under Community.")
    return principal


def _page(request: Request, name: str, principal: Principal, session: Session, **ctx):
    agent = session.get(m.Agent, principal.agent_id)
    profile = advocates.profile(session, agent)
    ws = session.get(m.Workspace, principal.workspace_id)
    brand = community_settings.of(ws).brand or ws.name
    return render(request, name, {"profile": profile, "brand": brand, **ctx},
                  principal=principal, session=session)


def _inline(exc: ActionError) -> HTMLResponse:
    return HTMLResponse(f'<div class="flash error" role="alert">{escape(exc.reason)}</div>',
                        status_code=200, headers={"HX-Retarget": "#flash",
                                                  "HX-Reswap": "innerHTML"})


def _attempt(request: Request, session: Session, url: str) -> Attempt:
    """The portal's Attempt: 404 for what the advocate may not see; any other refusal as a
    flash, or to htmx in the page's #flash."""
    return Attempt(request, session, url, inline=_inline if is_htmx(request) else None,
                   not_found=True)


# --- the queue -------------------------------------------------------------------------------

def _queue(session: Session, principal: Principal) -> list[dict]:
    agent = session.get(m.Agent, principal.agent_id)
    profile = advocates.profile(session, agent)
    items = eligibility.queue(session, agent.workspace_id, languages=profile.languages,
                              topics=profile.topics)
    answers.do_record_exposures(session, agent, [i.post for i in items])
    names_ = visible.advocate_names(session, agent.workspace_id)
    return [visible.mention(i, agent.id, names_) for i in items]


@router.get("")
def queue_page(request: Request, principal: Principal = Depends(advocate_user),
               session: Session = Depends(get_session)):
    return _page(request, "community/queue.html", principal, session,
                 items=_queue(session, principal), section="queue")


@router.get("/queue/list")
def queue_list(request: Request, principal: Principal = Depends(advocate_user),
               session: Session = Depends(get_session)):
    return render(request, "community/_queue_list.html", {"items": _queue(session, principal)},
                  principal=principal)


# --- a mention ---------------------------------------------------------------------------------

def _mention_ctx(session: Session, principal: Principal, conversation_id: int) -> dict:
    agent = session.get(m.Agent, principal.agent_id)
    try:
        case = answers.visible_case(session, agent, conversation_id)
    except actions.NotFound:
        raise Refused(404, answers.GONE) from None
    answers.do_record_exposures(session, agent, [case.post])
    ws = session.get(m.Workspace, agent.workspace_id)
    settings = community_settings.of(ws)
    return {"item": visible.mention(case, agent.id, visible.advocate_names(
                session, agent.workspace_id), visible.public_messages(session, case.conversation)),
            "signature": community_settings.signature(settings, ws, agent.name),
            "limit": drafts.limit(case.conversation.channel_account.kind),
            "snippets": settings.snippets, "lease_minutes": settings.lease_minutes}


@router.get("/m/{conversation_id}")
def mention_page(conversation_id: Int64, request: Request,
                 principal: Principal = Depends(advocate_user),
                 session: Session = Depends(get_session)):
    return _page(request, "community/mention.html", principal, session, section="queue",
                 **_mention_ctx(session, principal, conversation_id))


@router.get("/m/{conversation_id}/state")
def mention_state(conversation_id: Int64, request: Request,
                  principal: Principal = Depends(advocate_user),
                  session: Session = Depends(get_session)):
    """What the page shows about the claim; 404 once the mention left the queue."""
    ctx = _mention_ctx(session, principal, conversation_id)
    return render(request, "community/_claim.html", ctx, principal=principal)


@router.post("/m/{conversation_id}/claim", dependencies=[Depends(check_csrf)])
def claim(conversation_id: Int64, request: Request, principal: Principal = Depends(advocate_user),
          session: Session = Depends(get_session)):
    agent = session.get(m.Agent, principal.agent_id)
    with _attempt(request, session, f"/community/m/{conversation_id}") as it:
        answers.do_claim(session, agent, answers.visible_case(session, agent, conversation_id))
    return it.response


@router.post("/m/{conversation_id}/renew", dependencies=[Depends(check_csrf)])
def renew(conversation_id: Int64, principal: Principal = Depends(advocate_user),
          session: Session = Depends(get_session)):
    try:
        row = answers.do_renew(session, session.get(m.Agent, principal.agent_id),
                               conversation_id)
    except ActionError as exc:
        return HTMLResponse(escape(exc.reason), status_code=exc.status)
    return {"expires_at": row.expires_at.isoformat()}


@router.post("/m/{conversation_id}/release", dependencies=[Depends(check_csrf)])
def release(conversation_id: Int64, request: Request, principal: Principal = Depends(advocate_user),
            session: Session = Depends(get_session)):
    answers.do_release(session, session.get(m.Agent, principal.agent_id), conversation_id)
    session.commit()
    if request.headers.get("x-beacon") or "beacon" in request.query_params:
        return HTMLResponse("", status_code=204)
    return back("/community")


@router.post("/m/{conversation_id}/check", dependencies=[Depends(check_csrf)])
def check(conversation_id: Int64, request: Request, text: str = Form("", max_length=10000),
          principal: Principal = Depends(advocate_user), session: Session = Depends(get_session)):
    agent = session.get(m.Agent, principal.agent_id)
    try:
        case = answers.visible_case(session, agent, conversation_id)
    except actions.NotFound:
        raise Refused(404, answers.GONE) from None
    published, problems = answers.check_draft(session, agent, case.conversation, text)
    return render(request, "community/_checks.html", {
        "problems": problems if text.strip() else [], "published": published,
        "length": len(published), "limit": drafts.limit(case.conversation.channel_account.kind),
        "empty": not text.strip()}, principal=principal)


@router.post("/m/{conversation_id}/answer", dependencies=[Depends(check_csrf)])
def submit(conversation_id: Int64, request: Request, text: str = Form("", max_length=10000),
           principal: Principal = Depends(advocate_user), session: Session = Depends(get_session)):
    agent = session.get(m.Agent, principal.agent_id)
    with _attempt(request, session, f"/community/m/{conversation_id}") as it:
        case, published = answers.check_submit(session, agent, conversation_id, text)
        row = answers.do_submit(session, agent, case, text, published)
    if it.failed:
        return it.response
    flash(request, {"published": "Published: thank you!",
                    "pending": "Thanks! Your answer waits for a reviewer; you will see the "
                               "outcome under My answers.",
                    }.get(row.status, f"Not published: {row.reason}"),
          "ok" if row.status in ("published", "pending") else "error")
    return back("/community/answers")


@router.post("/m/{conversation_id}/handover", dependencies=[Depends(check_csrf)])
def handover(conversation_id: Int64, request: Request, reason: str = Form("", max_length=1000),
             principal: Principal = Depends(advocate_user),
             session: Session = Depends(get_session)):
    agent = session.get(m.Agent, principal.agent_id)
    with _attempt(request, session, f"/community/m/{conversation_id}") as it:
        answers.do_handover(session, agent, answers.visible_case(session, agent, conversation_id),
                            answers.check_reason(reason))
    if it.failed:
        return it.response
    flash(request, "Handed over to staff with your reason. Thank you!")
    return back("/community")


# --- my answers, profile, leaderboards -------------------------------------------------------

@router.get("/answers")
def my_answers(request: Request, principal: Principal = Depends(advocate_user),
               session: Session = Depends(get_session)):
    rows = session.scalars(select(m.CommunityAnswer).where(
        m.CommunityAnswer.agent_id == principal.agent_id)
        .order_by(m.CommunityAnswer.id.desc()).limit(100)).all()
    return _page(request, "community/answers.html", principal, session, section="answers",
                 answers=[visible.answer(a) for a in rows])


@router.get("/profile")
def profile_page(request: Request, principal: Principal = Depends(advocate_user),
                 session: Session = Depends(get_session)):
    agent = session.get(m.Agent, principal.agent_id)
    return _page(request, "community/profile.html", principal, session, section="profile",
                 me_=visible.profile(session, agent), topics=advocates.TOPICS)


@router.post("/profile", dependencies=[Depends(check_csrf)])
async def save_profile(request: Request, principal: Principal = Depends(advocate_user),
                       session: Session = Depends(get_session)):
    form = await request.form()

    def hour(name: str) -> int | None:
        value = str(form.get(name, "")).strip()
        return int(value) if value.isdigit() else None

    agent = session.get(m.Agent, principal.agent_id)
    row = advocates.profile(session, agent)
    with _attempt(request, session, "/community/profile") as it:
        changes = advocates.check_profile(
            [x for x in str(form.get("languages", "")).replace(" ", ",").split(",")],
            [str(t) for t in form.getlist("topics")], hour("quiet_start"), hour("quiet_end"),
            str(form.get("timezone") or "UTC").strip())
        changes["email_alerts"] = form.get("email_alerts") == "1"
        changes["on_leaderboard"] = form.get("on_leaderboard") == "1"
        advocates.do_profile(session, row, changes)
        it.done = "Profile saved."
    return it.response


@router.get("/leaderboard")
def leaderboard(request: Request, period: str = "week",
                principal: Principal = Depends(advocate_user),
                session: Session = Depends(get_session)):
    period = period if period in points.PERIODS else "week"
    return _page(request, "community/leaderboard.html", principal, session,
                 section="leaderboard", period=period,
                 rows=points.leaderboard(session, principal.workspace_id, period, utcnow()))


# --- a lead's review ---------------------------------------------------------------------------

def _lead(session: Session, principal: Principal) -> m.Agent:
    agent = session.get(m.Agent, principal.agent_id)
    if advocates.profile(session, agent).trust != "lead":
        raise Refused(404, "No such page.")
    return agent


@router.get("/review")
def lead_review(request: Request, principal: Principal = Depends(advocate_user),
                session: Session = Depends(get_session)):
    agent = _lead(session, principal)
    rows = [a for a in review.pending(session, agent.workspace_id)
            if a.trust == "new" and a.agent_id != agent.id
            and eligibility.case(session, a.conversation, answer_id=a.id).verdict.ok]
    return _page(request, "community/review.html", principal, session, section="review",
                 items=[review.item(session, a, staff=False) for a in rows])


@router.post("/review/{answer_id}", dependencies=[Depends(check_csrf)])
def lead_decide(answer_id: Int64, request: Request, decision: str = Form(...),
                text: str = Form("", max_length=10000), reason: str = Form("", max_length=1000),
                principal: Principal = Depends(advocate_user),
                session: Session = Depends(get_session)):
    agent = _lead(session, principal)
    with _attempt(request, session, "/community/review") as it:
        row = answers.get_answer(session, agent.workspace_id, answer_id)
        answers.check_review(session, agent, row)
        if decision == "reject":
            answers.do_reject(session, agent, row, answers.check_reason(reason))
        else:
            answers.do_approve(session, agent, row, text or None)
    if it.failed:
        return it.response
    flash(request, f"Answer #{answer_id}: {row.status}.")
    return back("/community/review")


# --- sign-up from an invitation --------------------------------------------------------------

@router.get("/join/{token}")
def join_page(token: str, request: Request, session: Session = Depends(get_session)):
    try:
        row = advocates.check_join(session, token)
    except actions.NotFound as exc:
        raise Refused(404, exc.reason) from None
    return render(request, "community/join.html", {"name": row.agent.name, "email":
                                                   row.agent.email, "token": token})


@router.post("/join/{token}", dependencies=[Depends(check_csrf)])
def join(token: str, request: Request, password: str = Form(..., max_length=1000),
         name: str = Form("", max_length=200), session: Session = Depends(get_session)):
    try:
        row = advocates.check_join(session, token)
        agent = advocates.do_join(session, row, password, name)
        session.commit()
    except actions.NotFound as exc:
        raise Refused(404, exc.reason) from None
    except ActionError as exc:
        session.rollback()
        return render(request, "community/join.html", {"name": name, "email": row.agent.email,
                                                       "token": token, "error": exc.reason},
                      status=422)
    start_session(request, agent)
    flash(request, "Welcome! Set your languages and topics, then pick a mention to answer.")
    return back("/community/profile")


# --- the live feed -----------------------------------------------------------------------------

def shape(ev: dict) -> dict | None:
    """What an advocate's page hears: a bare "queue" (redraw it) for anything that can change
    a queue, and their own notices; never any content of staff events."""
    if ev["name"] == names.COMMUNITY_NOTICE and ev["audience"].startswith("agent:"):
        p = ev.get("payload") or {}
        return {"id": ev["id"], "name": "notice", "kind": p.get("kind"), "text": p.get("text")}
    if ev["name"] in QUEUE_EVENTS:
        return {"id": ev["id"], "name": "queue"}
    return None


def _authenticate(websocket: WebSocket) -> Principal | None:
    if not same_origin(websocket):
        return None
    with db.session_scope() as session:
        principal = principal_from_session(session, websocket)
        return principal if principal is not None and principal.role == Role.advocate else None


@router.websocket("/live")
async def live(websocket: WebSocket) -> None:
    principal = await run_in_threadpool(_authenticate, websocket)
    if principal is None:
        await websocket.close(code=1008, reason="sign in to the community portal")
        return
    await websocket.accept()
    await serve_feed(websocket, principal.workspace_id, frozenset(
        {names.STAFF, names.ADVOCATES, names.agent(principal.agent_id)}), shape)
