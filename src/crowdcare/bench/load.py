"""A small HTTP/1.1 keep-alive load generator on raw asyncio streams (no client library in the
hot loop, so the client is not what we measure). Run as its own process:

    python -m crowdcare.bench.load URL --n 20000 --concurrency 32 [--rate R] [--header K:V]

Closed loop by default (as fast as the server answers); with --rate, open loop at that many
requests per second. Prints one JSON object: count, errors, seconds, throughput, p50/p99 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

BODY = ('{"id":"bench-%d","customer":{"id":"c-%d","name":"Bench Customer"},'
        '"text":"Hi, where is my order #1042? It should have arrived on Monday."}')


def request(url, headers: dict[str, str], i: int, body: bytes | None = None) -> bytes:
    parts = urlsplit(url)
    body = body if body is not None else (BODY % (i, i % 100)).encode()
    head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}",
            "Content-Type: application/json", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    return (await read_reply(reader))[0]


async def read_reply(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """(status, body) of one response."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, (await reader.readexactly(length) if length else b"")


async def run(url: str, n: int, concurrency: int, rate: float | None, headers: dict[str, str],
              offset: int) -> dict:
    parts = urlsplit(url)
    latencies: list[float] = []
    errors = 0
    counter = iter(range(offset, offset + n))
    start = time.perf_counter()

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        for i in counter:
            if rate:   # open loop: request i is due at start + (i - offset) / rate
                delay = start + (i - offset) / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            t0 = time.perf_counter()
            writer.write(request(url, headers, i))
            status = await read_response(reader)
            latencies.append(time.perf_counter() - t0)
            errors += status != 200
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {"count": len(latencies), "errors": errors, "seconds": round(seconds, 3),
            "throughput": round(len(latencies) / seconds, 1), "p50_ms": pct(0.50),
            "p99_ms": pct(0.99)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    headers = dict(h.split(":", 1) for h in args.header)
    print(json.dumps(asyncio.run(run(args.url, args.n, args.concurrency, args.rate, headers,
                                     args.offset))))


if __name__ == "__main__":
    main()
