"""The demo's community: the brand's X account on a fake X API that the demo runs, three
advocates at different levels (Sam new, Priya trusted, Lee lead), a few answers in each
state, and customers tweeting at the brand live (most of it safe for the community; some
angry, private or technical, which stays with staff)."""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from crowdcare.actions import advocates, answers, people, replies, workspaces
from crowdcare.channels.x.fake_api import FakeX
from crowdcare.community import eligibility
from crowdcare.demo.messenger import point
from crowdcare.demo.seed import PASSWORD
from crowdcare.store import accounts, db
from crowdcare.store import models as m

USER_ID, HANDLE = "4200000042", "northwind"
ACCESS_TOKEN, CONSUMER_SECRET = "demo-x-access-token", "demo-x-consumer-secret"
ADVOCATES = [  # email, name, level
    ("sam@community.example", "Sam Rivera", "new"),
    ("priya@community.example", "Priya Das", "trusted"),
    ("lee@community.example", "Lee Wong", "lead"),
]
SAFE = [
    "@northwind do you ship to Canada, and how long does it take?",
    "@northwind how long does shipping to Germany take?",
    "@northwind how do I exchange a jacket for a bigger size?",
    "@northwind how long do returns take to process?",
    "@northwind what's your returns window for sale items?",
    "@northwind how do I track my parcel once it has shipped?",
    "@northwind how do I exchange the sneakers for a size 42?",
    "@northwind when will my refund show up? I sent the return two weeks ago.",
]
STAFF_ONLY = [   # triage keeps these away from volunteers
    "@northwind my order NW-1003 never arrived and I am furious, worst shop ever!!!",
    "@northwind do you ship to Canada? call me on +1 415 555 0134",
    "@northwind the app crashes at checkout every time I log in",
]
PEOPLE = [("lena_v", "Lena Vogel"), ("kofi.m", "Kofi Mensah"), ("ana_lima", "Ana Lima"),
          ("jwpark", "Ji-woo Park"), ("tbecker", "Tom Becker"), ("wzhang", "Wei Zhang"),
          ("sofiar", "Sofia Rossi"), ("priyan", "Priya Nair"), ("lucasm", "Lucas Martin")]
SETTINGS = {"brand": "Northwind", "link_allow_list": ["northwind.example"],
            "trust": {"sample_one_in": 2},
            "snippets": [
                {"title": "Shipping times", "body": "Standard shipping takes 3-5 working days "
                                                    "in the EU and 5-8 to Canada, tracked."},
                {"title": "Returns", "body": "You can return unworn items within 30 days: "
                                             "start at northwind.example/returns"}]}


@dataclass
class CommunityDemo:
    account_id: int
    fake: FakeX


def ensure(workspace_id: int) -> int:
    """The X account, the advocates and the settings."""
    with db.session_scope() as session:
        ws = session.get(m.Workspace, workspace_id)
        options = {"consumer_secret": CONSUMER_SECRET, "access_token": ACCESS_TOKEN,
                   "user_id": USER_ID, "handle": HANDLE}
        _, config = workspaces.check_channel("x", options)
        row = session.scalar(select(m.ChannelAccount).where(
            m.ChannelAccount.workspace_id == ws.id, m.ChannelAccount.kind == "x"))
        if row is None:
            row = workspaces.do_add_channel(session, ws, "x", config, "@northwind on X")
        else:
            row.config = config.model_dump(mode="json")
            accounts.forget(row.id)
        for email, name, level in ADVOCATES:
            agent = session.scalar(select(m.Agent).where(m.Agent.email == email))
            if agent is None:
                agent = people.do_add_agent(session, ws, email, "advocate", name, PASSWORD)
            profile = advocates.profile(session, agent)
            if profile.trust != level and not profile.trust_locked and level != "new":
                advocates.do_set_trust(session, profile, level, None,
                                       "demo: known from the brand's forum", by=None)
        if "community" not in (ws.settings or {}):
            advocates.do_settings(session, ws, advocates.check_settings(ws, dict(SETTINGS)))
        return row.id


async def start(workspace_id: int, crowdcare_base: str) -> tuple[CommunityDemo, asyncio.Task]:
    from crowdcare.channels.testing import serve_here

    fake = FakeX(access_token=ACCESS_TOKEN, consumer_secret=CONSUMER_SECRET, user_id=USER_ID,
                 handle=HANDLE)
    server, task, fake.base = await serve_here(fake.app)
    point("CROWDCARE_X_API_URL", fake.base)
    account_id = await asyncio.to_thread(ensure, workspace_id)
    fake.webhook_url = f"{crowdcare_base}/webhooks/x/{account_id}"
    fake.server = server
    return CommunityDemo(account_id, fake), task


async def _tweet(http: httpx.AsyncClient, fake: FakeX, text: str, who: tuple[str, str],
                 minutes_ago: float = 0) -> str | None:
    try:
        r = await http.post(f"{fake.base}/_fake/mention", json={
            "text": text, "handle": who[0], "name": who[1],
            "user_id": str(7100 + PEOPLE.index(who)),   # one person, one X account
            "followers": 80 + 37 * PEOPLE.index(who), "minutes_ago": minutes_ago})
        return r.json().get("tweet_id") if r.status_code == 200 else None
    except httpx.HTTPError:
        return None


def _conversation(tweet_id: str) -> int | None:
    with db.session_scope() as session:
        return session.scalar(select(m.Message.conversation_id).where(
            m.Message.external_id == tweet_id))


def _answer(conversation_id: int, email: str, text: str) -> int | None:
    """Claim and submit as this advocate (the seed skips the pace between answers)."""
    with db.session_scope() as session:
        agent = session.scalar(select(m.Agent).where(m.Agent.email == email))
        case = eligibility.case(session, session.get(m.Conversation, conversation_id))
        if not case.verdict.ok:
            return None
        answers.do_claim(session, agent, case)
        published, _ = answers.check_draft(session, agent, case.conversation, text)
        return answers.do_submit(session, agent, case, text, published).id


def _review(answer_id: int, decision: str, reason: str = "") -> None:
    with db.session_scope() as session:
        reviewer = session.scalar(select(m.Agent).where(m.Agent.email == "ana@northwind.example"))
        row = session.get(m.CommunityAnswer, answer_id)
        if decision == "approve":
            answers.do_approve(session, reviewer, row)
        else:
            answers.do_reject(session, reviewer, row, reason)


def _staff_reply(conversation_id: int, text: str) -> None:
    with db.session_scope() as session:
        agent = session.scalar(select(m.Agent).where(m.Agent.email == "ana@northwind.example"))
        replies.answer(session, session.get(m.Conversation, conversation_id), text=text,
                       agent_id=agent.id, public=True)


def _seeded(workspace_id: int) -> bool:
    with db.session_scope() as session:
        return session.scalar(select(m.CommunityAnswer.id).where(
            m.CommunityAnswer.workspace_id == workspace_id).limit(1)) is not None


async def seed_answers(demo: CommunityDemo, workspace_id: int) -> None:
    """A few answers in each state, made the way people make them: tweets in through the
    webhook, advocates' answers through the actions, the retraction through X's delete."""
    if await asyncio.to_thread(_seeded, workspace_id):
        return
    async with httpx.AsyncClient(timeout=10) as http:
        tweets = [await _tweet(http, demo.fake, SAFE[i], PEOPLE[i], 95 - 12 * i)
                  for i in range(7)]
        conversations: list[int | None] = []
        for tweet_id in tweets:
            for _ in range(100):   # the workers triage and route it
                found = await asyncio.to_thread(_conversation, tweet_id) if tweet_id else None
                if found:
                    break
                await asyncio.sleep(0.1)
            conversations.append(found)
        if None in conversations:
            return
        c = conversations
        run = asyncio.to_thread
        retract = await run(_answer, c[0], "sam@community.example",
                            "We ship to Canada in 3 days, tracked all the way.")
        if retract:
            await run(_review, retract, "approve")
        await run(_answer, c[1], "priya@community.example",
                  "Germany takes 3-5 working days with standard shipping.")
        await run(_answer, c[2], "priya@community.example",
                  "Start an exchange at northwind.example/returns and choose the bigger size: "
                  "the new one ships as soon as we have your parcel.")
        rejected = await run(_answer, c[3], "sam@community.example", "Not long.")
        if rejected:
            await run(_review, rejected, "reject", "say how long: returns take 5-7 days once "
                                                   "they reach us")
        withdrawn = await run(_answer, c[4], "sam@community.example",
                              "Sale items can be returned within 14 days.")
        await run(_staff_reply, c[4], "Hi! Sale items: 14 days to return, unworn. ^Ana")
        if withdrawn:
            await run(_review, withdrawn, "approve")   # staff answered first: withdrawn
        await run(_answer, c[5], "sam@community.example",
                  "Once it ships you get an email with the tracking link.")   # pending
        with db.session_scope() as session:
            lee = session.scalar(select(m.Agent).where(m.Agent.email == "lee@community.example"))
            case = eligibility.case(session, session.get(m.Conversation, c[6]))
            if case.verdict.ok:
                answers.do_handover(session, lee, case, "sounds like a damaged item: staff "
                                                        "should offer a replacement")
        await asyncio.sleep(1.5)   # the sender posts the published answers to the fake X
        if retract:
            with db.session_scope() as session:
                admin = session.scalar(select(m.Agent).where(
                    m.Agent.email == "admin@northwind.example"))
                admin_id = admin.id
            try:
                await answers.retract(workspace_id, retract, admin_id,
                                      "Canada is 7-10 days this month (customs delays)", http)
            except Exception:  # noqa: BLE001 - the demo goes on without this one
                pass
        for n, text in enumerate(STAFF_ONLY):   # and a few that stay with staff
            await _tweet(http, demo.fake, text, PEOPLE[7 + n % 2])


async def simulate(demo: CommunityDemo, workspace_id: int, rate: float, stop: asyncio.Event,
                   seed: int | None = None) -> int:
    """Customers tweet at the brand: mostly questions the community can answer."""
    await seed_answers(demo, workspace_id)
    rng = random.Random(seed)
    sent = 0
    async with httpx.AsyncClient(timeout=10) as http:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=rng.expovariate(rate / 10))
                break
            except TimeoutError:
                pass
            text = rng.choice(SAFE) if rng.random() < 0.8 else rng.choice(STAFF_ONLY)
            sent += bool(await _tweet(http, demo.fake, text, rng.choice(PEOPLE)))
    return sent
