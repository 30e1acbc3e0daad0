"""Text normalisation for captions and for the speech engine, sentence splitting, lexicon."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rtr_audio.speech import (
    MAX_WORDS,
    Lexicon,
    clean_markup,
    number_words,
    ordinal_words,
    split_sentences,
    to_spoken,
    year_words,
)

# --------------------------------------------------------------------------- clean_markup

CLEAN_CASES = [
    ("Some **bold** and __strong__ words.", "Some bold and strong words."),
    ("An *italic* and _emphasised_ word.", "An italic and emphasised word."),
    ("Run `rtr-audio build` now.", "Run rtr-audio build now."),
    ("See [the guide](https://example.org/guide) first.", "See the guide first."),
    ("A [reference link][1] here.", "A reference link here."),
    ("Hidden <!-- a note to self --> text.", "Hidden text."),
    ("Multi-line <!-- note\nmore note --> end.", "Multi-line end."),
    ("An <em>HTML</em> tag and a<br/>break.", "An HTML tag and a break."),
    ("Keep “curly quotes” and it’s — dashes…", "Keep “curly quotes” and it’s — dashes…"),
    ("Calm 🙂 down 👍🏽.", "Calm down."),
    ("Family 👨‍👩‍👧 time ❤️ now", "Family time now"),
    ("Breathe [pause 4s] out [bell] now.", "Breathe out now."),
    ("Spaced\n\n   out\ttext", "Spaced out text"),
    ("Fish &amp; chips", "Fish & chips"),
    ("Escaped \\*stars\\* stay", "Escaped *stars* stay"),
    ("snake_case_name stays", "snake_case_name stays"),
    ("## A heading", "A heading"),
    ("![cover](cover.png) Caption text", "Caption text"),
    ("<https://example.org>", "https://example.org"),
]


@pytest.mark.parametrize(("markup", "expected"), CLEAN_CASES)
def test_clean_markup_gives_caption_text(markup: str, expected: str) -> None:
    assert clean_markup(markup) == expected


# --------------------------------------------------------------------------- to_spoken

SPOKEN_CASES = [
    # typography
    ("It’s “fine”, really.", "It's fine, really."),
    ("Breathe in… and out.", "Breathe in, and out."),
    ("Breathe in... and out.", "Breathe in, and out."),
    ("Wait… Then go.", "Wait. Then go."),
    ("And then…", "And then."),
    ("We rested — then walked.", "We rested, then walked."),
    ("We rested—then walked.", "We rested, then walked."),
    ("Soft – slow – steady.", "Soft, slow, steady."),
    ("Here - there.", "Here, there."),
    ("• First item", "First item"),
    ("rest • breathe • smile", "rest, breathe, smile"),
    ("Tom & Jerry", "Tom and Jerry"),
    ("A 50% chance.", "A fifty percent chance."),
    ("Up 2.5 %.", "Up two point five percent."),
    ("Calm 🙂 down 🌊.", "Calm down."),
    ("**Bold** and _soft_ and `code`.", "Bold and soft and code."),
    ("Read [this](https://x.org).", "Read this."),
    ("Hidden <!-- not this --> words.", "Hidden words."),
    ("Such as:", "Such as:"),
    ("And then—", "And then,"),
    # cardinals, decimals, negatives
    ("I have 3 cats.", "I have three cats."),
    ("About 1,200 people.", "About one thousand two hundred people."),
    ("Over 1,000,000 steps.", "Over one million steps."),
    ("It weighs 2.5 kilos.", "It weighs two point five kilos."),
    ("Pi is 3.14.", "Pi is three point one four."),
    ("It fell to -3 degrees.", "It fell to minus three degrees."),
    ("Agent 007.", "Agent zero zero seven."),
    ("About 10\u00a0000 ants.", "About ten thousand ants."),
    ("Use v2.0.1 now.", "Use v two point zero point one now."),
    ("It takes ~20 minutes.", "It takes about twenty minutes."),
    ("He is 6' tall.", "He is six feet tall."),
    ("She is 5'10\" tall.", "She is five feet ten tall."),
    ("She said 'call at 5'.", "She said 'call at five'."),
    ("We counted 42 breaths.", "We counted forty-two breaths."),
    ("About 115 of them.", "About one hundred and fifteen of them."),
    # ordinals
    ("The 1st day.", "The first day."),
    ("The 2nd time.", "The second time."),
    ("My 23rd year.", "My twenty-third year."),
    ("The 12th step.", "The twelfth step."),
    ("The 101st try.", "The one hundred first try."),
    # years and decades
    ("In 1990 it began.", "In nineteen ninety it began."),
    ("In 2005 it ended.", "In two thousand five it ended."),
    ("See you in 2026.", "See you in twenty twenty-six."),
    ("Built in 1905.", "Built in nineteen oh five."),
    ("Back in 1900.", "Back in nineteen hundred."),
    ("The 1990s were loud.", "The nineteen nineties were loud."),
    ("Songs from the ’80s.", "Songs from the eighties."),
    ("In her 20s.", "In her twenties."),
    # times
    ("Meet at 7:30.", "Meet at seven thirty."),
    ("It starts at 10:05 a.m. sharp.", "It starts at ten oh five A-M sharp."),
    ("Wake at 10am.", "Wake at ten A-M."),
    ("Dinner at 7 p.m. Then sleep.", "Dinner at seven P M. Then sleep."),
    ("Sleep by 9 PM.", "Sleep by nine P M."),
    ("At 6:30 p.m. EST.", "At six thirty P M E S T."),
    ("Ran 1:30:15 in all.", "Ran one hour thirty minutes and fifteen seconds in all."),
    ("At 7:00 we start.", "At seven o'clock we start."),
    ("Lights out at 22:00.", "Lights out at twenty-two hundred."),
    # ratios
    ("Mix it 3:1.", "Mix it three to one."),
    ("A 16:9 picture.", "A sixteen to nine picture."),
    ("The ratio is 1:10 here.", "The ratio is one to ten here."),
    ("Odds of 30:1.", "Odds of thirty to one."),
    # dates
    ("On 2026-11-20 we publish.", "On November twentieth, twenty twenty-six we publish."),
    ("Due Nov. 20.", "Due November twentieth."),
    ("On March 3rd, 2026.", "On March third, twenty twenty-six."),
    ("Born 5 May 1990.", "Born the fifth of May, nineteen ninety."),
    ("On 11/20/2026.", "On November twentieth, twenty twenty-six."),
    # ranges
    ("Read pages 3–5.", "Read pages three to five."),
    ("Hold for 4-6 breaths.", "Hold for four to six breaths."),
    ("From 1990–1995.", "From nineteen ninety to nineteen ninety-five."),
    ("Nov. 20–22.", "November twentieth to twenty-two."),
    ("Call 1-800-273-8255.", "Call one, eight zero zero, two seven three, eight two five five."),
    ("Open Mon–Fri.", "Open Monday to Friday."),
    ("From Jan–Mar we rest.", "From January to March we rest."),
    ("On Thurs., Jan. 8 we meet.", "On Thursday, January eighth we meet."),
    ("The Sun, the Moon.", "The Sun, the Moon."),
    # fractions
    ("Add 1/2 cup.", "Add one half cup."),
    ("Fill 3/4 of it.", "Fill three quarters of it."),
    ("Only 2/3 left.", "Only two thirds left."),
    ("Take 1 1/2 cups.", "Take one and a half cups."),
    ("Take 1½ cups.", "Take one and a half cups."),
    ("Open 24/7.", "Open twenty-four seven."),
    ("Since 9/11.", "Since nine eleven."),
    ("Rated 7/10.", "Rated seven out of ten."),
    # currency
    ("It costs $5.", "It costs five dollars."),
    ("Just $1.", "Just one dollar."),
    ("Pay $5.50 now.", "Pay five dollars fifty cents now."),
    ("Only $0.99.", "Only ninety-nine cents."),
    ("About £20 or €15.", "About twenty pounds or fifteen euros."),
    ("A $2 million grant.", "A two million dollars grant."),
    ("A $5k grant.", "A five thousand dollars grant."),
    ("Between $5–$10.", "Between five dollars to ten dollars."),
    # abbreviations
    ("Dr. Smith is here.", "Doctor Smith is here."),
    ("Dr Levine wrote it.", "Doctor Levine wrote it."),
    ("We live on Elm Dr. now.", "We live on Elm Drive now."),
    ("St. Paul was there.", "Saint Paul was there."),
    ("Turn onto Main St. today.", "Turn onto Main Street today."),
    ("It is on Main St.", "It is on Main Street."),
    ("Mr. and Mrs. Jones met Ms. Lee.", "Mister and Misses Jones met Miz Lee."),
    ("Use a cue, e.g. a bell.", "Use a cue, for example a bell."),
    ("E.g. a bell.", "For example a bell."),
    ("The body, i.e. you.", "The body, that is you."),
    ("Bells, bowls, etc. Then rest.", "Bells, bowls, et cetera. Then rest."),
    ("Bells, bowls, etc.", "Bells, bowls, et cetera."),
    ("Calm vs. tense.", "Calm versus tense."),
    ("It takes approx. 5 mins.", "It takes approximately five minutes."),
    ("Rest for 1 min.", "Rest for one minute."),
    ("A 10-min practice.", "A ten-minute practice."),
    ("Every morning, a.m. or p.m.", "Every morning, A-M or P M."),
    ("Track No. 5 and #2.", "Track number five and number two."),
    # acronyms
    ("Living with PTSD.", "Living with P T S D."),
    ("Living with CPTSD.", "Living with C P T S D."),
    ("Save the PDFs.", "Save the P D F's."),
    ("The PTSD’s grip.", "The P T S D's grip."),
    ("Try EMDR or CBT.", "Try E M D R or C B T."),
    ("The FAQ page.", "The F A-Q page."),
    ("Ask NASA or UNICEF.", "Ask NASA or UNICEF."),
    ("That is OK.", "That is OK."),
    ("Breathe, and HOLD.", "Breathe, and hold."),
    ("STOP RIGHT THERE now.", "stop right there now."),
    ("An IV drip.", "An I V drip."),
    ("World War II ended.", "World War two ended."),
    ("Henry VIII sang.", "Henry the eighth sang."),
    ("Play MP3 files.", "Play M P three files."),
    ("Living with C-PTSD.", "Living with C P T S D."),
    ("GO SLOW now.", "go slow now."),
    ("A PDF is attached.", "A P D F is attached."),
    ("The A&E and R&D teams.", "The A-and-E and R and D teams."),
    ("I am here.", "I am here."),
    # symbols never spoken, ordinary words untouched
    ("Temperature 25°C today.", "Temperature twenty-five degrees Celsius today."),
    ("Email me@example.com today.", "Email me at example dot com today."),
    ("Visit https://www.example.org/show now.", "Visit W W W dot example dot org slash show now."),
    ("Use and/or skip it.", "Use and or skip it."),
    ("A snake_case word", "A snake case word"),
    ("Stars * and [brackets] <here> #tags", "Stars and brackets hash tags"),
    ("Really?! Yes!", "Really? Yes!"),
    ("In the U.K., rain.", "In the U K, rain."),
    ("Three steps: 1) breath, 2) body.", "Three steps: one breath, two body."),
    ("Rest (if you can) now.", "Rest (if you can) now."),
    ("Is it you? It is.", "Is it you? It is."),
    ("Don't stop, won't stop.", "Don't stop, won't stop."),
    ("The café’s crème brûlée.", "The café's crème brûlée."),
]


@pytest.mark.parametrize(("written", "spoken"), SPOKEN_CASES)
def test_to_spoken_reads_naturally(written: str, spoken: str) -> None:
    assert to_spoken(written) == spoken


def test_to_spoken_of_only_emoji_is_empty() -> None:
    assert to_spoken("🙂🌊 ✨") == ""


TRICKY = [
    "🙂 1,200 * _x_ [pause 3s] <b>#1</b> `9` [a](b) 3:1 $5.50 50% ½ 2026-11-20",
    "Call 1-800-273-8255 at 10:05 a.m. on Nov. 20 — or 11/20/2026 #hashtag",
    "x² + y² = z²; 10^6; 3 × 4; 1e9; v2.0.1; 1,2,3; 0.5; .75; −4; ＃",
    "**Bold** __under__ ~~gone~~ <!-- c --> [[wiki]] <<angle>> ## not heading",
    "👩‍❤️‍👨 🇬🇧 1️⃣ ❤️ ™ © ® → ← ★ ✔︎ ⌚ ∞ § ¶ ¥500 ₹20 ~ ^ | \\ { }",
    "Timestamps 1:30:15 and 12:60 and 99:99 and 7:5",
    "IDs: A1B2C3, 3D, 4K, 5km, 10x, 1st2nd, 2nd-3rd, 1990s-2000s",
    "Very long number 12345678901234567890 and 1,234,567,890,123",
    "٣ cats and ๕ dogs and 10\u00a0000 ants",
]


@pytest.mark.parametrize("written", TRICKY)
def test_to_spoken_never_speaks_digits_emoji_or_markup(written: str) -> None:
    spoken = to_spoken(written)
    assert not re.search(r"\d", spoken), spoken
    assert not re.search(r"[*_\[\]<>#]", spoken), spoken
    assert all(ord(ch) < 0x2000 or ch.isalpha() for ch in spoken), spoken


@pytest.mark.parametrize("written", [text for text, _ in SPOKEN_CASES])
def test_to_spoken_is_stable_when_run_twice(written: str) -> None:
    once = to_spoken(written)
    assert to_spoken(once) == once


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (13, "thirteen"),
        (40, "forty"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (1200, "one thousand two hundred"),
        (2_000_005, "two million five"),
        (-7, "minus seven"),
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "first"), (3, "third"), (9, "ninth"), (20, "twentieth"), (42, "forty-second"),
     (100, "one hundredth"), (1000, "one thousandth")],
)  # fmt: skip
def test_ordinal_words(n: int, words: str) -> None:
    assert ordinal_words(n) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [(1066, "ten sixty-six"), (1800, "eighteen hundred"), (2000, "two thousand"),
     (2009, "two thousand nine"), (2010, "twenty ten"), (1999, "nineteen ninety-nine")],
)  # fmt: skip
def test_year_words(n: int, words: str) -> None:
    assert year_words(n) == words


# --------------------------------------------------------------------------- split_sentences

SPLIT_CASES = [
    ("One. Two! Three?", ["One.", "Two!", "Three?"]),
    ("Dr. Smith is here. She waits.", ["Dr. Smith is here.", "She waits."]),
    ("Use a cue, e.g. this bell. Then rest.", ["Use a cue, e.g. this bell.", "Then rest."]),
    ("We meet at 10 a.m. Then we walk.", ["We meet at 10 a.m.", "Then we walk."]),
    ("We meet at 10 a.m. on Monday.", ["We meet at 10 a.m. on Monday."]),
    ("It is 2.5 miles. Go.", ["It is 2.5 miles.", "Go."]),
    ("I wonder… maybe. Yes… Then go.", ["I wonder… maybe.", "Yes…", "Then go."]),
    ("“Stay,” she said. “Rest.” Then quiet.", ["“Stay,” she said.", "“Rest.”", "Then quiet."]),
    ("…she said.” Then she left.", ["…she said.”", "Then she left."]),
    ("Really?! Yes.", ["Really?!", "Yes."]),
    ("“Why?” she asked. Nobody knew.", ["“Why?” she asked.", "Nobody knew."]),
    ("Due Nov. 20. See you.", ["Due Nov. 20.", "See you."]),
    ("Read J. K. Rowling. Then sleep.", ["Read J. K. Rowling.", "Then sleep."]),
    ("Mr. and Mrs. Jones. Hello.", ["Mr. and Mrs. Jones.", "Hello."]),
    ("It was 2025. 2026 is next.", ["It was 2025.", "2026 is next."]),
    ("  Lots   of\nspace.  ", ["Lots of space."]),
    ("No punctuation at all", ["No punctuation at all"]),
    ("", []),
    ("   ", []),
]


@pytest.mark.parametrize(("paragraph", "sentences"), SPLIT_CASES)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


def test_long_sentence_splits_at_commas_within_the_word_limit() -> None:
    clause = "we breathe in slowly and we breathe out slowly again"  # 10 words
    text = ", ".join([clause] * 10) + "."
    parts = split_sentences(text)
    assert len(parts) > 1
    assert all(len(p.split()) <= MAX_WORDS for p in parts)
    assert all(p.endswith((",", ".")) for p in parts)
    assert " ".join(parts) == text


def test_long_text_without_punctuation_splits_at_word_boundaries() -> None:
    words = [f"word{i}" for i in range(101)]
    parts = split_sentences(" ".join(words))
    assert all(0 < len(p.split()) <= MAX_WORDS for p in parts)
    assert " ".join(parts).split() == words
    assert len(parts) == 3  # balanced 34/34/33, not 40/40/21


def test_split_sentences_never_returns_empty_strings() -> None:
    assert all(split_sentences("One.  Two.   ! ? …  Three."))


# --------------------------------------------------------------------------- lexicon


def lexicon(**entries: str) -> Lexicon:
    return Lexicon(tuple(entries.items()))


def spoken_with(lex: Lexicon, text: str) -> tuple[str, tuple[str, ...]]:
    replaced, used = lex.apply(clean_markup(text))
    return to_spoken(replaced), used


LEXICON_CASES = [
    # (entries, text, spoken, used)
    ({"RTR": "R T R"}, "Welcome to RTR.", "Welcome to R T R.", ("RTR",)),
    ({"RTR": "R T R"}, "RTR's new show.", "R T R's new show.", ("RTR",)),
    ({"RTR": "R T R"}, "RTR’s new show.", "R T R's new show.", ("RTR",)),
    ({"RTR": "R T R"}, "The rtr file.", "The rtr file.", ()),
    ({"RTR": "R T R"}, "An RTRX unit.", "An R T R X unit.", ()),
    ({"RTR": "R T R"}, "The XRTR unit.", "The X R T R unit.", ()),
    (
        {"shalom": "shah-LOHM"},
        "Shalom, friend. shalom.",
        "shah-LOHM, friend. shah-LOHM.",
        ("shalom",),
    ),
    ({"shalom": "shah-LOHM"}, "SHALOM!", "shah-LOHM!", ("shalom",)),
    ({"Levine": "leh-VEEN"}, "Peter levine", "Peter levine", ()),
    (
        {"Peter Levine": "PEE-ter leh-VEEN", "Levine": "luh-VINE"},
        "Peter Levine and Dr. Levine",
        "PEE-ter leh-VEEN and Doctor luh-VINE",
        ("Levine", "Peter Levine"),
    ),
    (
        {"Peter Levine": "PEE-ter leh-VEEN"},
        "Peter\nLevine said",
        "PEE-ter leh-VEEN said",
        ("Peter Levine",),
    ),
    ({"NASA": "nah-SAH"}, "NASA and PTSD.", "nah-SAH and P T S D.", ("NASA",)),
    ({"B2B": "B two B"}, "B2B sales", "B two B sales", ("B2B",)),
    ({"don't": "do not"}, "I don’t know.", "I do not know.", ("don't",)),
    ({"US": "U S", "us": "uss"}, "The US and us.", "The U S and uss.", ("US", "us")),
    ({"C++": "C plus plus"}, "I like C++ a lot.", "I like C plus plus a lot.", ("C++",)),
    ({"somatic": "so-MAT-ic"}, "Nothing to see.", "Nothing to see.", ()),
]


@pytest.mark.parametrize(("entries", "text", "spoken", "used"), LEXICON_CASES)
def test_lexicon_apply(
    entries: dict[str, str], text: str, spoken: str, used: tuple[str, ...]
) -> None:
    assert spoken_with(Lexicon(tuple(entries.items())), text) == (spoken, used)


@pytest.mark.parametrize(
    "value",
    ["R T R", "ree-AH-tuh", "nuh-SAH", "Doctor Who", "EH-mm-dee-ar", "ten oh five"],
)
def test_to_spoken_keeps_lexicon_values_as_written(value: str) -> None:
    replaced, _ = lexicon(XYZ=value).apply("Say XYZ now.")
    assert to_spoken(replaced) == f"Say {value} now."


def test_lexicon_markers_never_reach_captions() -> None:
    replaced, _ = lexicon(RTR="R T R").apply("Welcome to RTR.")
    assert clean_markup(replaced) == "Welcome to R T R."


def test_empty_lexicon_changes_nothing() -> None:
    assert Lexicon(()).apply("RTR stays") == ("RTR stays", ())


def test_digest_depends_only_on_used_entries() -> None:
    before = lexicon(RTR="R T R", EMDR="E M D R")
    after = lexicon(RTR="R T R", EMDR="eh em dee ar")
    assert before.digest(("RTR",)) == after.digest(("RTR",))
    assert before.digest(("EMDR",)) != after.digest(("EMDR",))
    assert before.digest(("RTR", "EMDR")) == before.digest(("EMDR", "RTR"))
    assert len(before.digest(("RTR",))) == 16


def test_digest_changes_when_a_used_entry_is_removed() -> None:
    assert lexicon(RTR="R T R").digest(("RTR",)) != Lexicon(()).digest(("RTR",))


def test_missing_lexicon_file_is_empty_without_problems(tmp_path: Path) -> None:
    assert Lexicon.load(tmp_path / "lexicon.yml") == (Lexicon(()), [])


def test_lexicon_loads_entries(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yml"
    path.write_text("# pronunciations\nRTR: R T R\n'yes': yeah\nPeter  Levine: leh-VEEN\n")
    lex, problems = Lexicon.load(path)
    assert problems == []
    assert lex.entries == (("RTR", "R T R"), ("yes", "yeah"), ("Peter Levine", "leh-VEEN"))


def load_problems(tmp_path: Path, text: str) -> list[tuple[int | None, str]]:
    path = tmp_path / "lexicon.yml"
    path.write_text(text, encoding="utf-8")
    _, problems = Lexicon.load(path)
    assert all(p.path == path for p in problems)
    return [(p.line, p.message) for p in problems]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("RTR: R T R\nbad: a: b\n", 2, "YAML error"),
        ("- a list\n- not a mapping\n", 1, "mapping"),
        ("RTR: R T R\nEMDR: 42\n", 2, "must be text"),
        ("RTR: R T R\nEMDR:\n", 2, "no pronunciation"),
        ("RTR: R T R\n\nEMDR: '   '\n", 3, "no pronunciation"),
        ("RTR: R T R\n'  ': blank\n", 2, "empty or only whitespace"),
        ("RTR: R T R\nyes: yeah\n", 2, "quote it"),
        ("RTR: R T R\n# note\n1984: nineteen eighty-four\n", 3, "quote it"),
        ("RTR: R T R\nEMDR: E M D R\nRTR: are tee are\n", 3, "duplicate key `RTR`"),
        ("Peter Levine: a\n'Peter  Levine': b\n", 2, "duplicate key `Peter Levine`"),
        ("RTR: yes\n", 1, "must be text"),
        ("[a, b]: x\n", 1, "word or phrase"),
    ],
)
def test_lexicon_problems_name_the_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    problems = load_problems(tmp_path, text)
    assert len(problems) == 1, problems
    assert problems[0][0] == line
    assert fragment in problems[0][1]


def test_lexicon_keeps_good_entries_next_to_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yml"
    path.write_text("RTR: R T R\nno: nope\nEMDR: E M D R\n")
    lex, problems = Lexicon.load(path)
    assert [p.line for p in problems] == [2]
    assert str(problems[0]).startswith(f"{path}:2: ")
    assert dict(lex.entries) == {"RTR": "R T R", "EMDR": "E M D R"}


def test_lexicon_file_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yml"
    path.write_bytes(b"RTR: \xff\xfe\n")
    lex, problems = Lexicon.load(path)
    assert lex == Lexicon(())
    assert len(problems) == 1
    assert problems[0].line == 1 and "not valid UTF-8" in problems[0].message


@pytest.mark.parametrize("paragraph", [text for text, _ in SPLIT_CASES])
def test_split_sentences_keeps_every_word_in_order(paragraph: str) -> None:
    assert " ".join(split_sentences(paragraph)) == " ".join(paragraph.split())


ORDINARY_PROSE = [
    "Find a comfortable position, and let your shoulders soften.",
    "A breath in; a breath out. I notice my hands, my feet (and the floor).",
    "You're not alone: it's okay to rest here, isn't it?",
    "Anna and James walked along the river in Paris, slowly!",
]


@pytest.mark.parametrize("prose", ORDINARY_PROSE)
def test_to_spoken_leaves_ordinary_prose_alone(prose: str) -> None:
    assert to_spoken(prose) == prose
