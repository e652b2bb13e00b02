"""The `duration` entity (bot/rules/durations.py, through bot.rules.entities so that the dates
claim their spans first): message -> days, or None where the message holds no wait.

Months and years are counted on the calendar back from TODAY (15 June 2026): a month is 31
days here (15 May), two months 61, three 92, a year 365.
"""

import ast
import datetime as dt
from pathlib import Path

import pytest

from bot.rules import durations
from bot.rules.advice import AdviceEngine, CaseFacts, format_wait
from bot.rules.entities import EntityExtractor
from bot.rules.knowledge import KnowledgeBase

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def extractor():
    return EntityExtractor()


def durations_in(extractor, text):
    return [e.value for e in extractor.extract(text, TODAY) if e.entity == "duration"]


WAITS = [
    # In figures and in words.
    ("ten weeks in AP at Manila", 70),
    ("it's been 50 days since my interview", 50),
    ("twenty-one days in AP", 21),
    ("forty five days since interview", 45),
    ("3+ months in AP", 92),
    ("a 3-month wait is too long", 92),
    ("it's been 14 working days", 14),
    # Short units.
    ("6 wks post interview, still AP", 42),
    ("3 mths and no news", 92),
    ("2 yrs in administrative processing", 730),
    # A fortnight, halves and fractions.
    ("stuck for a fortnight now", 14),
    ("it has been a month and a half", 47),
    ("one and a half months in AP", 47),
    ("1.5 months since I sent the documents", 47),
    ("2 and a half months of waiting", 77),
    ("two and half year stuck in AP", 913),
    ("half a year in AP", 182),
    ("It's been a year and a half", 547),
    # Two units.
    ("a year and 2 months in AP", 426),
    ("1 year 3 months and no decision", 457),
    ("I have been waiting for 2 months and 10 days", 71),
    ("waited 3 weeks and 2 days", 23),
    # Hedges keep the number said.
    ("over 3 months in AP", 92),
    ("almost a year since the interview", 365),
    ("nearly two years of waiting", 730),
    ("more than 100 days in AP", 100),
    ("about 7 weeks now", 49),
    # A couple.
    ("it has been a couple of weeks", 14),
    ("couple of months in AP", 61),
    # "a week", "a month" as a wait.
    ("waiting for a week", 7),
    ("waiting for a month", 31),
    ("it has been a month", 31),
    ("a month now and nothing", 31),
    # Indian English "since" and "from" for "for"; "I have 3 months waiting".
    ("stuck in AP since 6 weeks", 42),
    ("waiting from 45 days", 45),
    ("waiting from last 3 months", 92),
    ("my case has 3 months in AP", 92),
    ("I have 3 months waiting for my visa", 92),
    # Measured from something, where waiting is said.
    ("still in AP after 100 days", 100),
    ("after 8 months of waiting is mandamus worth it", 243),
    ("six months later still nothing", 182),
    ("is 5 months normal for AP in Manila?", 151),
    # A reminder's lead time.
    ("remind me a fortnight before the deadline", 14),
    ("email me a month ahead", 31),
    ("text me 10 days before the deadline", 10),
    ("remind me when I have one month left", 31),
    # "since <month>": from the 1st of that month.
    ("since March my case shows AP", 106),
    ("refused since may", 45),
    # Other languages.
    ("llevamos dos meses en AP", 61),
    ("ya son 3 meses", 92),
    ("bhai deadline se 10 din pehle msg kar dena", 10),
    # A date ("2 weeks ago") ends the duration before it.
    ("stuck in AP 4 months, 2 weeks ago I emailed them", 120),
]

# The positive evidence that makes a number with a unit the applicant's wait, one family at a time.
EVIDENCE = [
    # A count of days: "day N of AP", "I'm at day N".
    ("we are on day 41 of administrative processing", 41),
    ("I'm at day 55 now, Karachi F1", 55),
    # "for" where its phrase names the case's state, status or silence.
    ("CEAC has shown refused for 6 weeks now", 42),
    ("my case has been quiet for 4 months", 120),
    # "after" tied to the case, or asked about.
    ("status went from AP to issued after 3 months", 92),
    ("is an inquiry worth it after 10 weeks?", 70),
    # A bare phrase of case facts, a question whether it is normal, "today it is".
    ("Chennai H1B, 7 weeks.", 49),
    ("is 4 months too long for AP?", 120),
    ("today it is 58 days", 58),
    # Running words in other languages: "ho gaye", "bhayo", "rồi", "llevo", "hace ... que espero".
    ("mera case AP mein hai, 3 hafte ho gaye", 21),
    ("Kathmandu ma 50 days bhayo", 50),
    ("visa F1 của em bị AP 5 tuần rồi", 35),
    ("mẹ em chờ 2 tháng rồi", 61),
    ("llevo 5 semanas esperando en Bogota", 35),
    ("hace 4 meses que espero la visa", 120),
    # A reminder's lead time: "pehle", "trước", "antes", "before" after an email asked for.
    ("do hafte pehle yaad dila dena", 14),
    ("nhắc tôi trước 2 tuần nhé", 14),
    ("avísame 10 días antes del plazo", 10),
    ("shoot me an email 3 weeks before my cutoff", 21),
]

NOT_WAITS = [
    # The rule's own window.
    "what is the 1 year deadline",
    "can I send the documents within one year",
    "do I have a year to send them",
    "do we count the 365 days from the interview",
    "the one year passed, is it over",
    "my one year ends in May",
    "Is it one year from May or from August?",
    "What is my real deadline, the 221g one year or the DV year?",
    "pls alrt me bfore 1 yr finsh",
    "i have only 10 days left in my one year",
    # Dates.
    "my interview was 2 weeks ago",
    "a couple of weeks ago",
    "I got the 221g a month back",
    "it will be ready 2 weeks from now",
    "hace 3 meses tuve la entrevista",
    # Frequencies and prices.
    "CEAC updates every 2 days",
    "I check CEAC once a week",
    "$100 a month for the courier",
    # Validity and what lies ahead.
    "my visa is valid for 5 years",
    "passport valid for at least 6 months",
    "my passport expires in 3 months",
    "my H1B expires in 2 years",
    "I have 2 months left to send the documents",
    "classes start in 3 weeks",
    "in the next 2 weeks",
    # Ages and limits.
    "she is 67 years old",
    "my 2 year old son is on the same case",
    "my mother is 79 years and lives alone",
    "H-1B 6 years max",
    "my 10 year green card",
    "the 10 year bar",
    # Estimates and instructions.
    "AP usually takes 60 days",
    "it can take up to 6 months",
    "CGFNS said it would take 12-16 weeks",
    "the embassy said 60 days",
    "they told me to wait 3 months",
    "it took 3 months for my friend",
    # Lateness, documents, someone else's time, a stay.
    "I'm a few weeks late",
    "we missed the deadline by a month",
    "they asked for bank statements for 6 months",
    "15 years of travel history on the DS-5535",
    "2 weeks later they asked for more documents",
    "I lived in Lisbon for two years",
    # Not a unit of time after all.
    "one day I got an email from the embassy",
    "wait a mo, let me check",
    "since may be it is different",
]

# No evidence that it is the applicant's wait (or evidence that it is something else), one family at a time.
NO_EVIDENCE = [
    # A programme's or a scholarship's length.
    "my PhD program is 4 years",
    "she got admitted to a 3 year bachelor",
    "the scholarship covers 18 months only",
    "a 6 month research stay in Boston",
    # A relationship or a status (formerly kept as "not clearly something else than a wait").
    "we have been married for 5 years",
    "we've been together 3 years and have a son",
    "my wife has been a permanent resident for 6 years now",
    # Ages in other languages.
    "mi abuela tiene 85 años",
    "mere dada 78 saal ke hain",
    # Someone else's wait, or an earlier episode.
    "my colleague got his visa after 5 weeks",
    "my neighbour was stuck in AP for 7 months",
    "in 2021 my first visa was stuck in AP for 3 months",
    # Estimates and instructions, delivery times.
    "the agent bola 10 din mein ho jayega",
    "mi abogado dice 45 días",
    "the consul said to send it in 30 days",
    "courier delivery in 3 to 5 working days",
    # Trips and leave.
    "I'm going to Paris for 10 days",
    "we booked an Airbnb for 2 weeks in March",
    "my employer approved leave of only 20 days",
    # The rule itself, and another moment.
    "what happens when I reach 365 days?",
    "is it 365 din or less?",
    "they emailed me 10 days later",
]


@pytest.mark.parametrize("text, days", WAITS, ids=[text for text, _ in WAITS])
def test_a_wait_is_found_in_days(extractor, text, days):
    assert durations_in(extractor, text) == [days]


@pytest.mark.parametrize("text", NOT_WAITS)
def test_what_is_not_a_wait_is_not_a_duration(extractor, text):
    assert durations_in(extractor, text) == []


@pytest.mark.parametrize("text, days", EVIDENCE, ids=[text for text, _ in EVIDENCE])
def test_a_wait_is_found_where_its_clause_says_so(extractor, text, days):
    assert durations_in(extractor, text) == [days]


@pytest.mark.parametrize("text", NO_EVIDENCE)
def test_a_time_without_evidence_of_waiting_is_not_a_duration(extractor, text):
    assert durations_in(extractor, text) == []


@pytest.mark.parametrize(
    "text, days",
    [
        ("notify me at 30 days, 7 days and the day before", [30, 7]),
        ("please message me 2 months and again 2 weeks before the deadline", [61, 14]),
    ],
)
def test_several_durations_in_one_message(extractor, text, days):
    assert durations_in(extractor, text) == days


def test_the_span_holds_the_hedge_and_leaves_the_date_to_the_date_finder(extractor):
    text = "interview 2 weeks ago, and it's been almost a year since the first one"
    found = [(e.entity, text[e.start : e.end]) for e in extractor.extract(text, TODAY)]
    assert found == [("date", "2 weeks ago"), ("duration", "almost a year")]


def test_a_writers_30_day_month_is_within_the_tolerance_of_the_calendar(extractor):
    """scripts/evaluate_nlu.py accepts max(3, 5 %) of the writer's figure."""
    for months in range(1, 25):
        (found,) = durations_in(extractor, f"stuck in AP for {months} months")
        assert abs(found - 30 * months) <= max(3, 0.05 * 30 * months), months


def test_the_module_knows_nothing_of_rasa_or_spacy():
    tree = ast.parse(Path(durations.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert all(name.split(".")[0] in {"datetime", "re", "collections", "dataclasses", "bot"} for name in imported)


@pytest.mark.parametrize(
    "days, words",
    [
        (0, "less than a day"),
        (1, "1 day"),
        (10, "10 days"),
        (14, "2 weeks"),
        (47, "about 7 weeks"),
        (56, "8 weeks"),
        (61, "about 2 months"),
        (151, "about 5 months"),
        (400, "about 13 months"),
        (730, "about 2 years"),
        (913, "about 2 and a half years"),
    ],
)
def test_a_wait_in_words(days, words):
    assert format_wait(days) == words


@pytest.mark.parametrize(
    "message, opening",
    [
        ("10 days since my interview, is that normal?", "It has been 10 days: you are still within the 60 days"),
        ("stuck in AP for 8 weeks", "It has been 8 weeks: you are still within the 60 days"),
        ("47 days in AP, how long does it take?", "It has been about 7 weeks: you are still within"),
        ("AP for over 5 months now", "It has been about 5 months: your case is past the 60 days"),
        ("almost two years in AP", "It has been about 2 years: your case is in long administrative processing"),
    ],
)
def test_the_processing_time_answer_says_how_long_they_have_waited(extractor, message, opening):
    kb = KnowledgeBase.load()
    engine = AdviceEngine(kb, today=lambda: TODAY)
    (days,) = durations_in(extractor, message)
    answer = engine.answer("processing_time", CaseFacts(days_since_interview=days))
    said = [text for text in answer.explanation if text.startswith(opening)]
    assert said, answer.explanation
    # The sentence is the knowledge base's, with the wait filled in.
    entry = next(kb.entry(e) for e in answer.entries if e in ("ap_within_typical", "ap_past_typical", "ap_long_delay"))
    assert said == [entry.render(days=days, waited=format_wait(days))]
