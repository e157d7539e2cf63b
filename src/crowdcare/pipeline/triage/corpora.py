"""Readers for the public corpora, their label mappings, and converters to eval JSONL.

Shipped training copies live in data/ (see data/SOURCES.md); the evaluation splits (TweetEval
val, CLINC150 test, BANKING77 test) are read from a corpora folder that is not shipped:
`--source DIR`, else $CROWDCARE_CORPORA, else ../shared/corpora.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
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


def _tweeteval(src: Path) -> Iterator[dict]:
    names = ("negative", "neutral", "positive")
    texts = (src / "sentiment/tweeteval_val_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (src / "sentiment/tweeteval_val_labels.txt").read_text().split()
    for text, label in zip(texts, labels, strict=True):
        yield {"text": text.strip(), "sentiment": names[int(label)]}


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
