"""The bus contract, run against every implementation: in-process, one machine's processes
over a unix socket (the relay and a child), and NATS JetStream."""
import asyncio
import os
import socket
import threading
import uuid

import pytest

from crowdcare.events.bus import InProcessBus, NatsBus
from crowdcare.events.local import SocketBus

NATS_URL = os.environ.get("CROWDCARE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def nats_up() -> bool:
    host, port = NATS_URL.removeprefix("nats://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


_sockets: dict[str, str] = {}


def make(kind: str, peer_of=None):
    """A bus; for "socket", the relay, or with `peer_of` a child of that relay (a second
    process's bus: the socket is real, only the process is shared)."""
    if kind == "inprocess":
        return InProcessBus()
    if kind == "socket":
        if peer_of is not None:
            return SocketBus(peer_of.path, relay=False)
        import tempfile
        path = os.path.join(tempfile.mkdtemp(prefix="cc-bus-"), "bus.sock")
        return SocketBus(path, relay=True)
    if not nats_up():
        if os.environ.get("CI"):
            pytest.fail(f"NATS unreachable at {NATS_URL} in CI")
        pytest.skip(f"NATS unreachable at {NATS_URL}")
    return NatsBus(NATS_URL)


@pytest.mark.parametrize("kind", ["inprocess", "socket", "nats"])
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


@pytest.mark.parametrize("kind", ["inprocess", "socket", "nats"])
def test_a_note_reaches_every_process_but_no_event_subscriber(kind):
    here = make(kind)
    there = here if kind == "inprocess" else make(kind, peer_of=here)   # a second process's
    run = uuid.uuid4().hex

    async def scenario():
        await here.start()
        if there is not here:
            await there.start()
            await asyncio.sleep(0.05)   # the relay has taken the child's connection
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


def _deployment(prefix: str, **limits) -> NatsBus:
    make("nats")   # skips (or fails in CI) without NATS
    return NatsBus(NATS_URL, prefix=prefix, **limits)


async def _drop_streams(bus: NatsBus, *names: str) -> None:
    for name in names:
        try:
            await bus.js.delete_stream(name)
        except Exception:  # noqa: BLE001 - already gone
            pass


def test_two_deployments_on_one_nats_server_hear_only_their_own_events_and_notes():
    run = uuid.uuid4().hex[:8]
    a, b = _deployment(f"t{run}.a"), _deployment(f"t{run}.b")

    async def scenario():
        await a.start()
        await b.start()
        try:
            heard = {"a": [], "b": []}
            notes = {"a": [], "b": []}

            async def listen(bus, key):
                async for ev in bus.subscribe():
                    heard[key].append(ev["id"])

            async def listen_notes(bus, key):
                async for note in bus.notes():
                    notes[key].append(note["n"])

            tasks = [asyncio.ensure_future(f(bus, key)) for bus, key in ((a, "a"), (b, "b"))
                     for f in (listen, listen_notes)]
            await asyncio.sleep(0.05)
            await a.publish([{"id": i, "workspace_id": 1} for i in range(5)])
            await b.publish([{"id": 100 + i, "workspace_id": 1} for i in range(3)])
            await a.announce({"n": "from a"})
            await b.announce({"n": "from b"})
            for _ in range(100):
                if len(heard["a"]) >= 5 and len(heard["b"]) >= 3 and all(notes.values()):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)   # anything stray would arrive by now
            for t in tasks:
                t.cancel()
            streams = {(await bus.js.stream_info(bus.stream)).state.messages for bus in (a, b)}
            return heard, notes, (a.stream, b.stream), streams
        finally:
            await _drop_streams(a, a.stream, b.stream)
            for bus in (a, b):
                await bus.stop()

    heard, notes, names, stored = asyncio.run(scenario())
    assert heard == {"a": [0, 1, 2, 3, 4], "b": [100, 101, 102]}
    assert notes == {"a": ["from a"], "b": ["from b"]}
    assert names == (f"T{run.upper()}_A", f"T{run.upper()}_B")
    assert stored == {5, 3}


def test_the_stream_takes_the_operators_limits_and_a_restart_applies_new_ones():
    prefix = f"t{uuid.uuid4().hex[:8]}"
    first = _deployment(prefix, max_bytes=5_000_000, max_age_seconds=3600)
    later = _deployment(prefix, max_bytes=2_000_000, max_age_seconds=600)

    async def scenario():
        await first.start()
        try:
            before = (await first.js.stream_info(first.stream)).config
            await first.stop()
            await later.start()
            after = (await later.js.stream_info(later.stream)).config
            # what the limit does: the oldest events go, the stream stays under its bytes
            await later.publish([{"id": i, "workspace_id": 1, "pad": "x" * 10_000}
                                 for i in range(400)])
            await later.nc.flush()
            state = (await later.js.stream_info(later.stream)).state
            return before, after, state
        finally:
            await _drop_streams(later, later.stream)
            await later.stop()

    before, after, state = asyncio.run(scenario())
    assert (before.max_bytes, before.max_age) == (5_000_000, 3600)
    assert (after.max_bytes, after.max_age) == (2_000_000, 600)
    assert after.subjects == [f"{prefix}.events.>"]
    assert state.bytes <= 2_000_000 and 0 < state.messages < 400 and state.first_seq > 1


def test_on_one_machine_events_cross_processes_through_the_relay_in_order():
    relay = make("socket")
    one, two = make("socket", peer_of=relay), make("socket", peer_of=relay)

    async def scenario():
        await relay.start()
        for child in (one, two):
            await child.start()
        try:
            subs = {name: bus.subscribe() for name, bus in
                    (("relay", relay), ("one", one), ("two", two))}
            firsts = {name: asyncio.ensure_future(anext(s)) for name, s in subs.items()}
            await asyncio.sleep(0.05)
            await one.publish([{"id": i, "workspace_id": 1} for i in range(20)])
            await relay.publish([{"id": 100 + i, "workspace_id": 1} for i in range(5)])

            async def collect(name):
                got = [(await firsts[name])["id"]]
                while len(got) < 25:
                    got.append((await anext(subs[name]))["id"])
                return got

            return {name: await asyncio.wait_for(collect(name), 5) for name in subs}
        finally:
            for bus in (one, two, relay):
                await bus.stop()

    got = asyncio.run(scenario())
    for name, ids in got.items():   # each publisher's events in its order, for every process
        assert sorted(ids) == list(range(20)) + list(range(100, 105)), name
        assert [i for i in ids if i < 100] == list(range(20)), name
        assert [i for i in ids if i >= 100] == list(range(100, 105)), name
