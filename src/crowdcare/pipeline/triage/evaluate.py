"""`crowdcare triage eval`: score triage (and routing) against labelled rows.

Input: JSONL or CSV with a `text` column plus any of `service_related`, `sentiment`, `intent`,
`route`, `anger` (true/false), `language` (ISO 639-1); optional context columns `public`,
`followers`, `verified`, `vip`, `channel`. Rows that cannot be read are reported one by one and
skipped; they never stop the run. `by_language` adds every score per gold language.
"""
from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crowdcare.domain import Route
from crowdcare.pipeline.triage.corpora import INTENTS, SENTIMENTS

LABELS = {
    "service_related": (False, True),
    "sentiment": SENTIMENTS,
    "intent": INTENTS,
    "route": tuple(r.value for r in Route),
    "anger": (False, True),
    "language": None,   # any ISO 639-1 code
}
BINARY = ("service_related", "anger")
_ISO = re.compile(r"[a-z]{2}")
_TRUE, _FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f", ""}


@dataclass
class Row:
    text: str
    gold: dict[str, object]
    context: dict[str, object] = field(default_factory=dict)


def _bool(v) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"not a boolean: {v!r}")


def _parse(raw: dict) -> Row:
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing or empty `text`")
    gold: dict[str, object] = {}
    for name, allowed in LABELS.items():
        v = raw.get(name)
        if v is None or v == "":
            continue
        v = _bool(v) if name in BINARY else str(v).strip().lower()
        if name == "language" and not _ISO.fullmatch(v):
            raise ValueError(f"`language` is {v!r}; expected an ISO 639-1 code such as 'en'")
        if allowed is not None and v not in allowed:
            raise ValueError(f"`{name}` is {v!r}; expected one of {', '.join(map(str, allowed))}")
        gold[name] = v
    if not gold:
        raise ValueError(f"no label column ({', '.join(LABELS)})")
    ctx: dict[str, object] = {}
    for k in ("public", "verified", "vip"):
        if raw.get(k) not in (None, ""):
            ctx[k] = _bool(raw[k])
    if raw.get("followers") not in (None, ""):
        ctx["followers"] = int(raw["followers"])
    if raw.get("channel"):
        ctx["channel"] = str(raw["channel"])
    return Row(text, gold, ctx)


def read_rows(path: Path) -> Iterator[tuple[int, Row | str]]:
    """(line number, Row) for good rows, (line number, error message) for bad ones."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        if path.suffix.lower() == ".csv":
            for n, raw in enumerate(csv.DictReader(f), 2):
                try:
                    yield n, _parse(raw)
                except (ValueError, TypeError) as e:
                    yield n, str(e)
            return
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield n, _parse(json.loads(line))
            except (ValueError, TypeError) as e:
                yield n, str(e)


def _scores(gold: list, pred: list, labels: tuple, binary: bool) -> dict:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    names = [str(x).lower() for x in labels]
    g = [str(x).lower() for x in gold]
    p = [str(x).lower() for x in pred]
    present = [n for n in names if n in g or n in p]
    extra = sorted(set(p) - set(names))  # e.g. "unknown" sentiment: counted as wrong
    cm_labels = present + extra
    prec, rec, f1, sup = precision_recall_fscore_support(g, p, labels=present, zero_division=0)
    out = {
        "n": len(g),
        "accuracy": round(sum(a == b for a, b in zip(g, p, strict=True)) / len(g), 4),
        "per_label": {n: {"precision": round(float(a), 4), "recall": round(float(b), 4),
                          "f1": round(float(c), 4), "support": int(d)}
                      for n, a, b, c, d in zip(present, prec, rec, f1, sup, strict=True)},
        "confusion": {"labels": cm_labels,
                      "matrix": confusion_matrix(g, p, labels=cm_labels).tolist()},
    }
    gold_labels = [n for n in present if n in g]
    out["macro_f1"] = round(sum(out["per_label"][n]["f1"] for n in gold_labels)
                            / max(1, len(gold_labels)), 4)
    if binary:
        t = out["per_label"].get("true", {"precision": 0.0, "recall": 0.0, "f1": 0.0})
        out.update(precision=t["precision"], recall=t["recall"], f1=t["f1"])
    return out


def _report(gold: dict[str, list], pred: dict[str, list], vader_pred: list[str]) -> dict:
    report: dict = {}
    for k, labels in LABELS.items():
        if gold[k]:
            if labels is None:   # language: whatever codes occur
                labels = tuple(sorted(set(gold[k])))
            report[k] = _scores(gold[k], pred[k], labels, binary=k in BINARY)
    if vader_pred and "sentiment" in report:
        report["sentiment"]["vader_baseline_macro_f1"] = _scores(
            gold["sentiment"], vader_pred, SENTIMENTS, False)["macro_f1"]
    return report


def evaluate(path: Path, on_error=None, model_path: Path | None = None,
             by_language: bool = False) -> dict:
    from crowdcare.pipeline.route import RouteContext, route
    from crowdcare.pipeline.triage import TriageContext, load, model, sentiment, triage

    if model_path:
        model.use(model_path)
    load()
    # per group ("all", and each gold language when asked): gold, predictions, VADER's
    groups: dict[str, tuple[dict, dict, list]] = {}

    def group(name: str) -> tuple[dict, dict, list]:
        if name not in groups:
            groups[name] = ({k: [] for k in LABELS}, {k: [] for k in LABELS}, [])
        return groups[name]

    counts: dict[str, int] = {}
    bad, elapsed, n = 0, 0.0, 0
    for line, row in read_rows(path):
        if isinstance(row, str):
            bad += 1
            if on_error:
                on_error(f"{path}:{line}: skipped: {row}")
            continue
        c = row.context
        t0 = time.perf_counter()
        result = triage(row.text, TriageContext(
            channel=str(c.get("channel", "api")), public=bool(c.get("public", False)),
            followers=c.get("followers"), verified=bool(c.get("verified", False)),
            vip=bool(c.get("vip", False))))
        decision = route(result, RouteContext(
            channel=str(c.get("channel", "api")), public=bool(c.get("public", False)),
            vip=bool(c.get("vip", False)), text=row.text)) if "route" in row.gold else None
        elapsed += time.perf_counter() - t0
        n += 1
        got = {"service_related": result.service_related.value,
               "sentiment": result.sentiment.value, "intent": result.intent.value,
               "route": decision.route if decision else None,
               "anger": result.anger.value, "language": result.language.value}
        names = ["all"]
        if by_language:
            names.append(str(row.gold.get("language", "unlabelled")))
        vader = (sentiment._band(sentiment.vader_dense(row.text)[0], 0.05)
                 if "sentiment" in row.gold else None)
        for name in names:
            gold, pred, vader_pred = group(name)
            counts[name] = counts.get(name, 0) + 1
            for k, v in row.gold.items():
                gold[k].append(v)
                pred[k].append(got[k])
            if vader:
                vader_pred.append(vader)
    report = _report(*groups["all"]) if "all" in groups else {}
    if by_language:
        report["by_language"] = {name: {**_report(*g), "rows": counts[name]}
                                 for name, g in sorted(groups.items()) if name != "all"}
    report["rows"] = n
    report["bad_rows"] = bad
    report["messages_per_second"] = round(n / elapsed, 1) if elapsed else 0.0
    return report
