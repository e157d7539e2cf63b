"""Knowledge-base files: CSV and Markdown, read into plain entries and written back.

CSV: one row per question variant, columns `id`, `question`, `answer`, optional `language`,
`intent`, `links` ("Title <url>; Title 2 <url2>"). Rows sharing an `id` are one entry; within it
rows sharing a language are one version (its answer is the first non-empty one).

Markdown: one `## id` section per entry, optional `intent:` and `links:` lines, then one
`### language` section per version (`### any` for a version in no particular language) with a
`Questions:` list and an `Answer:` paragraph:

    ## returns
    intent: returns
    links: Returns portal <https://shop.example/returns>

    ### en
    Questions:
    - How do I return an item?
    - Can I send it back?

    Answer:
    Any unworn item can be returned within 30 days.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any

ANY = "any"     # how a version in no particular language is written in files
_LINK = re.compile(r"\s*(.*?)\s*<\s*(\S+?)\s*>\s*$")


class FileError(ValueError):
    """A knowledge-base file that cannot be read; the message says where."""


def parse_links(text: str) -> list[dict[str, str]]:
    links = []
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        found = _LINK.match(part)
        title, url = (found.group(1), found.group(2)) if found else ("", part)
        links.append({"title": title or url, "url": url})
    return links


def format_links(links: list[dict[str, str]]) -> str:
    return "; ".join(f"{link.get('title') or link['url']} <{link['url']}>" for link in links)


def _language(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return None if value in ("", ANY) else value


def read_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"id", "question", "answer"} - set(reader.fieldnames or ())
    if missing:
        raise FileError(f"CSV needs the columns id, question, answer (missing: "
                        f"{', '.join(sorted(missing))})")
    entries: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(reader, start=2):
        key = (row.get("id") or "").strip()
        question = (row.get("question") or "").strip()
        if not key:
            raise FileError(f"line {line}: the id is empty")
        entry = entries.setdefault(key, {"key": key, "intent": None, "links": [],
                                         "versions": {}})
        entry["intent"] = entry["intent"] or (row.get("intent") or "").strip() or None
        entry["links"] = entry["links"] or parse_links(row.get("links") or "")
        language = _language(row.get("language"))
        version = entry["versions"].setdefault(language, {"language": language,
                                                          "questions": [], "answer": ""})
        if question and question not in version["questions"]:
            version["questions"].append(question)
        version["answer"] = version["answer"] or (row.get("answer") or "").strip()
    return [{**e, "versions": list(e["versions"].values())} for e in entries.values()]


def write_csv(entries: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "question", "answer", "language", "intent", "links"])
    for e in entries:
        for v in e["versions"]:
            for q in v["questions"] or [""]:
                writer.writerow([e["key"], q, v["answer"], v["language"] or ANY,
                                 e.get("intent") or "", format_links(e.get("links") or [])])
    return out.getvalue()


def read_markdown(text: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    entry = version = None
    part = None                                # "questions" | "answer" within a version
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.rstrip()
        if line.startswith("## ") and not line.startswith("### "):
            entry = {"key": line[3:].strip(), "intent": None, "links": [], "versions": []}
            if not entry["key"]:
                raise FileError(f"line {number}: an entry heading needs an id (## returns)")
            entries.append(entry)
            version = part = None
        elif line.startswith("### "):
            if entry is None:
                raise FileError(f"line {number}: a language section outside an entry")
            version = {"language": _language(line[4:]), "questions": [], "answer": ""}
            entry["versions"].append(version)
            part = None
        elif entry is not None and version is None and ":" in line and \
                line.split(":", 1)[0].strip().lower() in ("intent", "links"):
            name, value = (s.strip() for s in line.split(":", 1))
            if name.lower() == "intent":
                entry["intent"] = value or None
            else:
                entry["links"] = parse_links(value)
        elif version is not None and line.strip().lower() in ("questions:", "answer:"):
            part = line.strip().lower()[:-1]
        elif version is not None and part == "questions" and line.lstrip().startswith("- "):
            version["questions"].append(line.lstrip()[2:].strip())
        elif version is not None and part == "answer":
            version["answer"] += ("\n" if version["answer"] else "") + line
        elif line.strip() and entry is not None and not line.startswith("#"):
            raise FileError(f"line {number}: expected 'Questions:', '- a question' or "
                            f"'Answer:', got {line.strip()[:60]!r}")
    for e in entries:
        for v in e["versions"]:
            v["answer"] = v["answer"].strip()
    return entries


def write_markdown(entries: list[dict[str, Any]]) -> str:
    lines = ["# Knowledge base", ""]
    for e in entries:
        lines.append(f"## {e['key']}")
        if e.get("intent"):
            lines.append(f"intent: {e['intent']}")
        if e.get("links"):
            lines.append(f"links: {format_links(e['links'])}")
        for v in e["versions"]:
            lines += ["", f"### {v['language'] or ANY}", "Questions:"]
            lines += [f"- {q}" for q in v["questions"]]
            lines += ["", "Answer:", v["answer"]]
        lines.append("")
    return "\n".join(lines)


FORMATS = {"csv": (read_csv, write_csv), "md": (read_markdown, write_markdown)}


def read(text: str, fmt: str) -> list[dict[str, Any]]:
    if fmt not in FORMATS:
        raise FileError(f"format must be csv or md, not {fmt!r}")
    return FORMATS[fmt][0](text)


def write(entries: list[dict[str, Any]], fmt: str) -> str:
    if fmt not in FORMATS:
        raise FileError(f"format must be csv or md, not {fmt!r}")
    return FORMATS[fmt][1](entries)
