"""What one message may cost triage: linear in its length, and no more than its first
READ_CHARS characters cost, whatever it holds (emoji floods, repeated punctuation, mixed
scripts, inputs that make a regex backtrack). Times are CPU time of this thread, compared as
ratios within the same test, so the machine's speed does not matter."""
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from crowdcare.pipeline import triage
from crowdcare.pipeline.triage import PII_CHARS, READ_CHARS
from crowdcare.pipeline.triage.vader import LinearVader

# the pieces hostile texts were made of: emoji (each a VADER description of several words),
# tone punctuation, CJK/Hangul/Devanagari lexicon words, runs an e-mail pattern retried at
# every position, order numbers, handles, links, entities, SHOUTING
PIECES = ["😀", "❤", "😡", "👍🏽", "!", "?", "!?", "退款", "환불", "रिफंड ", "订单号", "a", "1", ".",
          "-", "@", "#A12345 ", "order ", "but ", "good ", "not ", "REFUND ", "http://", "&amp;",
          "@a ", "é", "мир ", "مرحبا ", " ", "'", "12 Main St ", "(1) "]
SLACK = 0.004   # seconds: what a fixed cost (first sight of a token) may add to a short text


def cost(text: str, rounds: int = 2) -> float:
    best = float("inf")
    for _ in range(rounds):
        triage.clear_caches()
        t0 = time.thread_time()
        triage.triage(text)
        best = min(best, time.thread_time() - t0)
    return best


def fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


@pytest.fixture(scope="module", autouse=True)
def _loaded():
    triage.load()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join))
def test_triage_is_linear_in_the_text_for_any_repeated_piece(unit):
    x = READ_CHARS // 4
    small, large = cost(fill(unit, x)), cost(fill(unit, 4 * x))
    assert large < 6 * small + SLACK, f"{unit!r}: {small * 1000:.1f} ms → {large * 1000:.1f} ms"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(min_size=1, max_size=200),
                 st.lists(st.sampled_from(PIECES + ["4111 1111 1111 1111 ", "a@b.co "]),
                          min_size=1, max_size=4).map("".join)))
def test_triage_of_any_text_up_to_the_size_limit_costs_no_more_than_its_first_read(sample):
    """Past READ_CHARS only private data is looked for (to PII_CHARS, ten times as far): a
    text at the API's limit costs a few times what its first READ_CHARS characters cost
    (≤ ×5 measured, for a flood of card numbers), never what its length would."""
    assert cost(fill(sample, PII_CHARS)) < 8 * cost(fill(sample, READ_CHARS)) + SLACK


@pytest.mark.parametrize("unit", ["😀", "good ", "退款", "a" * 50 + "@", "#A12345 ", "1-"])
def test_the_floods_that_were_quadratic_are_linear(unit):
    """1,000 → 4,000 emoji took 0.4 → 6.3 s (VADER, as any run of its sentiment words); Han
    words (every lexicon hit compared with each earlier one), letter runs before an @ (the
    e-mail pattern) and order numbers (each private-data match against each earlier) grew the
    same way."""
    small = cost(fill(unit, READ_CHARS // 4), rounds=1)
    large = cost(fill(unit, READ_CHARS), rounds=1)
    assert large < 6 * small + SLACK, f"{small * 1000:.1f} ms → {large * 1000:.1f} ms"


def test_a_long_text_says_what_was_read_and_still_finds_private_data_past_it():
    text = "😡" * READ_CHARS + " card 4111 1111 1111 1111, mail me at ana@example.com"
    result = triage.triage(text)
    assert f"read the first {READ_CHARS:,} of {len(text):,} characters" in result.priority.reasons
    assert result.pii.value == ["card_number", "email"]
    short = triage.triage("where is my order?")
    assert not any(r.startswith("read the first") for r in short.priority.reasons)


WORDS = ("but BUT good bad not never so this without doubt kind of sort the least at very no "
         "nor or great terrible GREAT extremely barely hardly isn't 😀 ❤ 😡 :) ! ? Kind NO Good "
         "VERY shit bomb yeah right bus stop kinda sorta the, good! (bad) ok order").split()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join))
def test_linear_vader_scores_what_stock_vader_scores(text):
    """The model was trained on stock VADER's scores: the linear checks must not move them
    (negation and idiom windows, the first-equal-score "but" rule)."""
    assert _LINEAR.polarity_scores(text) == _STOCK.polarity_scores(text)


_STOCK, _LINEAR = SentimentIntensityAnalyzer(), LinearVader()
