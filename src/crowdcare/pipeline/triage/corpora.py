"""Readers for the public corpora, their label mappings, and converters to eval JSONL.

Shipped training copies live in data/ (see data/SOURCES.md); the evaluation splits (TweetEval
val, CLINC150 test, BANKING77 test) are read from a corpora folder that is not shipped:
`--source DIR`, else $CROWDCARE_CORPORA, else ../shared/corpora.
"""
from __future__ import annotations

import csv
import gzip
import html
import io
import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from crowdcare.pipeline.triage.model import DATA_DIR

INTENTS = ("order_status", "shipping", "returns", "billing", "product_question", "account",
           "technical", "complaint", "praise", "other")
SENTIMENTS = ("negative", "neutral", "positive")

# BANKING77 / CLINC150 labels mapped onto crowdcare's e-commerce intents; unlisted → "other".
_INTENT_MAP: dict[str, tuple[str, ...]] = {
    "order_status": ("card_arrival", "order_status", "application_status", "pending_transfer",
                     "transfer_not_received_by_recipient"),
    "shipping": ("card_delivery_estimate", "replacement_card_duration", "country_support",
                 "lost_luggage"),
    "returns": ("request_refund", "Refund_not_showing_up", "cancel_transfer",
                "cancel_reservation"),
    "billing": ("card_payment_fee_charged", "card_payment_not_recognised",
                "card_payment_wrong_exchange_rate", "cash_withdrawal_charge",
                "declined_card_payment", "direct_debit_payment_not_recognised", "exchange_charge",
                "extra_charge_on_statement", "transaction_charged_twice", "transfer_fee_charged",
                "top_up_by_bank_transfer_charge", "top_up_by_card_charge", "pending_card_payment",
                "reverted_card_payment?", "wrong_amount_of_cash_received",
                "balance_not_updated_after_bank_transfer", "top_up_failed", "top_up_reverted",
                "pending_top_up", "failed_transfer", "declined_transfer", "bill_balance",
                "bill_due", "pay_bill", "card_declined", "min_payment", "transactions",
                "balance_not_updated_after_cheque_or_cash_deposit", "international_fees"),
    "account": ("activate_my_card", "change_pin", "edit_personal_details", "passcode_forgotten",
                "pin_blocked", "terminate_account", "verify_my_identity",
                "unable_to_verify_identity", "why_verify_identity", "compromised_card",
                "lost_or_stolen_card", "account_blocked", "change_user_name", "user_name",
                "pin_change", "freeze_account", "report_lost_card", "report_fraud"),
    "technical": ("card_not_working", "contactless_not_working", "virtual_card_not_working",
                  "card_swallowed", "sync_device", "reset_settings", "lost_or_stolen_phone"),
    "product_question": ("supported_cards_and_currencies", "visa_or_mastercard",
                         "card_acceptance", "fiat_currency_support", "disposable_card_limits",
                         "top_up_limits", "getting_virtual_card", "get_physical_card",
                         "order_physical_card", "getting_spare_card", "get_disposable_virtual_card",
                         "exchange_via_app", "atm_support", "automatic_top_up",
                         "top_up_by_cash_or_cheque", "topping_up_by_card", "card_about_to_expire",
                         "card_linking", "age_limit", "apple_pay_or_google_pay", "new_card",
                         "expiration_date", "redeem_rewards", "rewards_balance"),
    "praise": ("thank_you",),
}
INTENT_OF = {label: intent for intent, labels in _INTENT_MAP.items() for label in labels}


def map_intent(label: str) -> str:
    return INTENT_OF.get(label, "other")


def valence_class(v: float, band: float = 1.0) -> str:
    """VADER ground truth is a mean rating on -4..+4; |v| <= band is neutral."""
    return "negative" if v < -band else "positive" if v > band else "neutral"


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def banking77(path: Path) -> Iterator[tuple[str, str]]:
    with _open_text(path) as f:
        for row in csv.DictReader(f):
            yield row["text"].strip(), row["category"].strip()


def clinc150(path: Path, splits: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    with _open_text(path) as f:
        data = json.load(f)
    for split in splits:
        for text, label in data[split]:
            yield text.strip(), label


def vader_tweets(path: Path) -> Iterator[tuple[str, float]]:
    with _open_text(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) == 3:
                yield parts[2].strip(), float(parts[1])


def vader_lexicon(path: Path = DATA_DIR / "vader_lexicon.txt.gz") -> Iterator[tuple[str, float]]:
    """(token, mean valence -4..+4) from VADER's lexicon (MIT; a copy of vaderSentiment
    3.3.2's vader_lexicon.txt, shipped so training never depends on the installed package)."""
    rows = []
    with _open_text(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0].strip():
                rows.append((parts[0].strip(), float(parts[1])))
    yield from sorted(rows)


def examples(path: Path = DATA_DIR / "examples.jsonl") -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.lstrip().startswith("//"):
                yield json.loads(line)


# --- evaluation sets (never used for training) ---------------------------------------------

def source_dir(source: str | Path | None = None) -> Path:
    return Path(source or os.environ.get("CROWDCARE_CORPORA") or "../shared/corpora")


def jsonl(path: Path) -> Iterator[dict]:
    with _open_text(path) as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _tweeteval(src: Path) -> Iterator[dict]:
    for r in jsonl(src / "social/train/tweeteval/sentiment/val.jsonl"):
        yield {"text": r["text"], "sentiment": r["label_name"], "language": "en"}


# The social corpora (../shared/corpora/social, see its SOURCES.md). Training reads train/ via
# sources.py; these converters write the validation parts and the eval-only sets.
UMSAB_LANGUAGES = {"arabic": "ar", "french": "fr", "german": "de", "hindi": "hi",
                   "italian": "it", "portuguese": "pt", "spanish": "es"}


def report_part(key: str) -> bool:
    """The fifth of a source without a validation split (IBM conversations, KOTE) that is
    never trained on: the figures reported for it come from this part."""
    return zlib.crc32(f"report:{key}".encode()) % 5 == 0


def _social(src: Path, part: str) -> Path:
    return src / "social" / part


def _umsab(src: Path) -> Iterator[dict]:
    for folder, code in UMSAB_LANGUAGES.items():
        for r in jsonl(_social(src, "train") / "umsab" / folder / "val.jsonl"):
            yield {"text": r["text"], "sentiment": r["label_name"], "language": code}


def _nsmc(src: Path) -> Iterator[dict]:
    for r in jsonl(_social(src, "train") / "nsmc/nsmc_raw_sample.jsonl"):
        if r["split"] == "val" and r["label_name"]:
            yield {"text": r["text"], "sentiment": r["label_name"], "language": "ko"}


def _kote(src: Path) -> Iterator[dict]:
    for r in jsonl(_social(src, "train") / "kote/val.jsonl"):
        if report_part(r["id"]):
            yield {"text": r["text"], "anger": r["has_anger"], "language": "ko"}


def _emotion(src: Path) -> Iterator[dict]:
    for r in jsonl(_social(src, "train") / "tweeteval/emotion/val.jsonl"):
        yield {"text": r["text"], "anger": r["label_name"] == "anger", "language": "en"}


def _care(src: Path) -> Iterator[dict]:
    """Care-conversation openers (the report part) against random chatter (emoji val)."""
    for r in jsonl(_social(src, "train") / "ibm_customer_care/turns.jsonl"):
        if r["is_first_client_turn"] and report_part(r["conversation_id"]):
            yield {"text": r["text"], "service_related": True, "language": "en"}
    for r in jsonl(_social(src, "train") / "tweeteval/emoji/val.jsonl"):
        yield {"text": r["text"], "service_related": False}


def _airline(src: Path) -> Iterator[dict]:
    """Tweets to airlines: a negative one with a reason is a service request, a positive one
    is not (neutral ones mix questions and chatter: left out). Eval-only (CC BY-NC-SA)."""
    for r in jsonl(_social(src, "eval-only") / "airline_sentiment/tweets_airline_sentiment.jsonl"):
        s = r["airline_sentiment"]
        if s == "positive" or (s == "negative" and r["negativereason"]):
            yield {"text": html.unescape(r["text"]), "service_related": s == "negative",
                   "sentiment": s, "language": "en"}


def _chinese(src: Path) -> Iterator[dict]:
    folder = _social(src, "eval-only") / "chinese_reviews"
    for name in ("waimai_10k", "ChnSentiCorp_htl_all", "online_shopping_10_cats_sample"):
        for r in jsonl(folder / f"{name}.jsonl"):
            yield {"text": r["text"], "sentiment": r["label_name"], "language": "zh"}


def _hindi(src: Path) -> Iterator[dict]:
    path = _social(src, "eval-only") / "hindi_devanagari_unverified/hindi_sentiment.jsonl"
    for r in jsonl(path):
        yield {"text": r["text"], "sentiment": r["label_name"], "language": "hi"}


def _vader(src: Path) -> Iterator[dict]:
    for text, v in vader_tweets(src / "sentiment/vader_tweets_groundtruth.tsv"):
        yield {"text": text, "sentiment": valence_class(v)}


def _clinc(src: Path) -> Iterator[dict]:
    for text, label in clinc150(src / "intents/clinc150_data_full.json", ("test", "oos_test")):
        row = {"text": text, "service_related": label != "oos"}
        if label != "oos":
            row["intent"] = map_intent(label)
        yield row


def _banking(src: Path) -> Iterator[dict]:
    for text, label in banking77(src / "intents/banking77_test.csv"):
        yield {"text": text, "service_related": True, "intent": map_intent(label)}


CORPORA = {
    "tweeteval": (_tweeteval, "TweetEval sentiment val (2,000 tweets) → sentiment"),
    "umsab": (_umsab, "UMSAB val, ar de es fr hi it pt (324 each) → sentiment, language"),
    "nsmc": (_nsmc, "NSMC sample, its val part (Korean reviews) → sentiment, language"),
    "kote": (_kote, "KOTE, the fifth never trained on (Korean comments) → anger, language"),
    "emotion": (_emotion, "TweetEval emotion val (374) → anger"),
    "care": (_care, "care-conversation openers (untrained fifth) vs random chatter "
                    "(TweetEval emoji val) → service_related"),
    "airline": (_airline, "EVAL-ONLY airline tweets: negative with a reason → service request, "
                          "positive → not"),
    "chinese": (_chinese, "EVAL-ONLY Chinese reviews → sentiment, language"),
    "hindi": (_hindi, "EVAL-ONLY Devanagari Hindi (provenance unverified) → sentiment"),
    "clinc150": (_clinc, "CLINC150 test: in-scope → service_related true (+intent), oos → false"),
    "banking77": (_banking, "BANKING77 test → service_related true (+intent)"),
    "vader": (_vader, "VADER tweets (valence band ±1) → sentiment; TRAINING data, not held out"),
}


def convert(name: str, out: Path, source: str | Path | None = None) -> int:
    """Write one corpus as eval JSONL; returns the number of rows."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; choose from {', '.join(sorted(CORPORA))}")
    rows = list(CORPORA[name][0](source_dir(source)))
    with open(out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)
