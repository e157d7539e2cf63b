"""Devanagari is read as romanised Hindi, so the romanised Hindi the model learned from
carries over to posts written in Devanagari."""
import pytest

from crowdcare.pipeline.triage.devanagari import romanise, romanise_text
from crowdcare.pipeline.triage.pii import ORDER
from crowdcare.pipeline.triage.text import normalize, tokens


@pytest.mark.parametrize("word, latin", [
    ("नहीं", "nahi"), ("बहुत", "bahut"), ("खराब", "kharab"), ("करना", "karna"),
    ("समझ", "samajh"), ("क्या", "kya"), ("प्यार", "pyar"), ("मेरा", "mera"),
    ("ज़िंदगी", "zindagi"), ("बेकार", "bekar"), ("है", "hai"), ("गंदा", "ganda"),
])
def test_words_are_spelled_as_romanised_hindi_spells_them(word, latin):
    assert romanise(word) == latin


def test_a_devanagari_post_has_the_tokens_of_its_romanised_spelling():
    text = "@brand मेरा ऑर्डर अभी तक नहीं आया, 10 दिन हो गए"
    assert tokens(normalize(text)) == tokens(normalize(
        "@brand mera ordar abhi tak nahi aya, 10 din ho gae"))
    # whole words, not the pieces between vowel signs ("म", "र" for "मेरा")
    assert "mera" in tokens(normalize(text))
    assert romanise_text("ok मेरा ok") == "ok mera ok"


@pytest.mark.parametrize("text, order", [
    ("#RTT2020 was fun", False), ("#SXSW2016 panel", False), ("#2016", False),
    ("#E32016 is here", False), ("#12020 never came", True), ("#1738 #bumbershoot", False),
    ("#A1234 is late", True),
    ("#NW-1002", True), ("#A12345678", True), ("#55123 never came", True),
    ("order 12345 is late", True),
])
def test_a_tag_ending_in_a_year_is_not_an_order_number(text, order):
    assert bool(ORDER.search(text)) is order
