from __future__ import annotations

import struct
import zlib

import httpx
from sqlalchemy import func, select

from crowdcare.store import db


def count(model, *where) -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def rows(model, *where, order=None) -> list:
    with db.session_scope() as s:
        found = s.scalars(select(model).where(*where).order_by(order or model.id)).all()
        s.expunge_all()
        return found


def customer(page, kind: str, **data) -> dict:
    """The fake Graph API plays the customer: a signed webhook to crowdcare."""
    r = httpx.post(f"{page.fake.base}/_fake/customer/{kind}", json=data, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["webhook_status"] == 200, r.json()
    return r.json()["payload"]


def event(psid: str, content: dict, ts: int = 1_700_000_000_000, page_id: str = "1029384756",
          echo: bool = False) -> dict:
    people = ({"id": page_id}, {"id": psid})
    sender, recipient = people if echo else people[::-1]
    return {"sender": sender, "recipient": recipient, "timestamp": ts, **content}


def body(*events: dict, page_id: str = "1029384756") -> dict:
    return {"object": "page", "entry": [{"id": page_id, "time": 1, "messaging": list(events)}]}


def png_pixels(data: bytes) -> list[list[int]]:
    """A small PNG reader (greyscale / palette, any bit depth, all filters): enough for segno."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    i, idat, header = 8, b"", None
    while i < len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        kind, chunk = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        i += 12 + n
    width, height, depth, color = header[:4]
    assert color in (0, 3), "greyscale or palette only"
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    prev, out, pos = bytearray(stride), [], 0
    for _ in range(height):
        ftype, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for x in range(stride):
            a = line[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        bits = "".join(f"{byte:08b}" for byte in line)
        row = [int(bits[k * depth:(k + 1) * depth], 2) for k in range(width)]
        top = (1 << depth) - 1
        out.append([255 * v // top for v in row])
        prev = line
    return out
