"""The bus contract, run against both implementations: in-process and NATS JetStream."""
import asyncio
import os
import socket
import threading
import uuid

import pytest

from crowdcare.events.bus import InProcessBus, NatsBus

NATS_URL = os.environ.get("CROWDCARE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def nats_up() -> bool:
    host, port = NATS_URL.removeprefix("nats://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


def make(kind: str):
    if kind == "inprocess":
        return InProcessBus()
    if not nats_up():
        if os.environ.get("CI"):
            pytest.fail(f"NATS unreachable at {NATS_URL} in CI")
        pytest.skip(f"NATS unreachable at {NATS_URL}")
    return NatsBus(NATS_URL)


@pytest.mark.parametrize("kind", ["inprocess", "nats"])
def test_every_subscriber_gets_every_event_in_order(kind):
    bus = make(kind)
    run = uuid.uuid4().hex

    async def scenario():
        await bus.start()
        try:
            subs = [bus.subscribe() for _ in range(2)]
            firsts = [asyncio.ensure_future(anext(s)) for s in subs]
            await asyncio.sleep(0.05)   # subscribers are registered before anything is published
            events = [{"id": i, "workspace_id": 7, "run": run} for i in range(20)]
            await bus.publish(events[:10])
            # workers publish after commit from their own threads
            t = threading.Thread(target=bus.publish_threadsafe, args=(events[10:],))
            t.start()
            t.join()

            async def collect(sub, first):
                got = [await first]
                while len([e for e in got if e.get("run") == run]) < 20:
                    got.append(await sub.__anext__())
                return [e["id"] for e in got if e.get("run") == run]

            return await asyncio.wait_for(
                asyncio.gather(*(collect(s, f) for s, f in zip(subs, firsts, strict=True))), 10)
        finally:
            await bus.stop()

    received = asyncio.run(scenario())
    assert received == [list(range(20))] * 2


@pytest.mark.parametrize("kind", ["inprocess", "nats"])
def test_a_note_reaches_every_process_but_no_event_subscriber(kind):
    here = make(kind)
    there = here if kind == "inprocess" else make(kind)   # NATS: a second process's bus
    run = uuid.uuid4().hex

    async def scenario():
        await here.start()
        if there is not here:
            await there.start()
        try:
            notes, events = there.notes(), there.subscribe()
            heard = asyncio.ensure_future(anext(notes))
            stray = asyncio.ensure_future(anext(events))
            await asyncio.sleep(0.05)
            await here.announce({"presence": 1, "run": run})
            note = await asyncio.wait_for(heard, 5)
            await asyncio.sleep(0.2)
            return note, stray.done()
        finally:
            for bus in {here, there}:
                await bus.stop()

    note, event_heard = asyncio.run(scenario())
    assert note == {"presence": 1, "run": run} and not event_heard
