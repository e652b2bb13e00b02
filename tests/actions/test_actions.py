"""Action tests in the RasaHQ style: tracker fixtures in, exact events and messages out."""

import datetime as dt
import functools

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, FollowupAction, SessionStarted, SlotSet

from actions import answers
from actions.answers import ActionAnswerQuestion, ActionContinue
from actions.case_facts import facts_from_tracker
from actions.case_facts import slot_facts as facts_of
from actions.conversation import ActionFallback, ActionFirmResponse, ActionSessionStart
from actions.resources import ADVICE, FIRM, firm_values
from bot.rules import clock
from tests.common import DEADLINE_TRACKER, ROOT, entity, responses, run, tracker, understood_tracker


def referral(messages):
    """The referral that closes an answer; where it is the full one, the contact card follows it
    (an urgent one carries every contact in its text: no card)."""
    found = [n for n, m in enumerate(messages) if (m.get("response") or "").startswith("utter_referral")]
    assert len(found) == 1, messages
    message = messages[found[0]]
    card = messages[found[0] + 1]["custom"] if found[0] + 1 < len(messages) else None
    if message["response"].startswith("utter_referral_short") or message["response"] == "utter_referral_urgent":
        assert card is None
    else:
        assert card == {
            "type": "contact",
            "firm_name": FIRM.name,
            "booking_url": FIRM.booking_url,
            "phone": FIRM.phone,
            "email": FIRM.email,
            "office_hours": FIRM.office_hours,
            "language": "en",
        }
    return message["response"]


def remembered(topic, messages, earlier_topics=(), first_referral=True):
    """The events that keep what was asked and cited, for the attorney's case summary, and
    that the firm's full contact block was shown (after the first answer of a conversation)."""
    cited = next(m["custom"]["sources"] for m in messages if m.get("custom", {}).get("type") == "sources")
    return [
        SlotSet("topics_asked", [*earlier_topics, topic]),
        SlotSet("sources_cited", [f"{s['title']} {s['url']}" for s in cited]),
    ] + ([SlotSet("referral_shown", True)] if first_referral else [])


async def test_deadline_question_with_a_date_gets_the_date_card_sources_and_referral():
    events, messages = await run(ActionAnswerQuestion(), Tracker.from_dict(DEADLINE_TRACKER))
    assert events == remembered("deadline", messages)
    assert "3 March 2027" in messages[0]["text"]
    assert messages[1]["custom"] == {
        "type": "deadline",
        "notice_date": "2026-03-03",
        "counted_from": "notice",
        "deadline": "2027-03-03",
        "days_left": 261,
        "urgency": "later",
        "language": "en",
    }
    details = messages[2]["custom"]
    assert details["type"] == "details" and details["title"] == "Good to know"
    assert details["items"] and all(set(item) == {"text", "entry"} and item["text"] for item in details["items"])
    assert all(ADVICE.kb.entry(item["entry"]) for item in details["items"])  # each names its entry
    assert messages[3]["custom"]["type"] == "sources"
    assert messages[3]["custom"]["sources"] and all(
        s["url"].startswith("http") for s in messages[3]["custom"]["sources"]
    )
    assert referral(messages) == "utter_referral_suggested"
    assert messages[4]["booking_url"] == FIRM.booking_url
    assert len(messages) == 6
    # Only the short answer and the referral are text bubbles: no tips bubble any more.
    assert [bool(m.get("text") or m.get("response")) for m in messages] == [True, False, False, False, True, False]


async def test_ambiguous_numeric_date_is_confirmed_before_use():
    events, messages = await run(
        ActionAnswerQuestion(), tracker("ask_deadline", [entity("ambiguous_date", "2026-04-06|2026-06-04")])
    )
    assert events == [SlotSet("ambiguous_date", None), SlotSet("pending_topic", "deadline")]
    assert messages[0]["response"] == "utter_ask_which_date"
    assert (messages[0]["first"], messages[0]["second"]) == ("6 April 2026", "4 June 2026")
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/inform{"date":"2026-04-06"}',
        '/inform{"date":"2026-06-04"}',
    ]


async def test_deadline_question_without_a_date_asks_for_it_then_answers_the_date_given():
    events, messages = await run(ActionAnswerQuestion(), tracker("ask_deadline", refusal_section="221g"))
    assert events == [SlotSet("pending_topic", "deadline")]
    assert responses(messages) == ["utter_ask_notice_date"]

    events, messages = await run(
        ActionContinue(),
        tracker(
            "inform",
            [entity("date", "2026-06-01")],
            date="2026-06-01",
            pending_topic="deadline",
            refusal_section="221g",
        ),
    )
    assert events == [
        SlotSet("notice_date", "2026-06-01"),
        SlotSet("date", None),
        SlotSet("pending_topic", None),
        *remembered("deadline", messages),
    ]
    assert messages[1]["custom"]["deadline"] == "2027-06-01"


async def test_future_date_is_refused_with_the_reason_and_asked_again():
    events, messages = await run(
        ActionAnswerQuestion(), understood("ask_deadline", "my 221g letter is dated 1 July 2026, when is my deadline?")
    )
    assert events == [SlotSet("notice_date", None), SlotSet("pending_topic", "deadline")]
    assert responses(messages) == ["utter_date_problem", "utter_ask_notice_date"]
    assert messages[0]["reason"] == "the notice date 1 July 2026 is in the future; please check it"


async def test_nonexistent_date_is_refused_not_guessed():
    _, messages = await run(
        ActionAnswerQuestion(), tracker("ask_deadline", [entity("date", "2026-02-30")], date="2026-02-30")
    )
    assert messages[0]["response"] == "utter_date_problem"
    assert messages[0]["reason"].startswith("30 February 2026 does not exist")
    assert all("custom" not in m or m["custom"].get("type") != "deadline" for m in messages)


def date_problem(messages):
    """The reason of the one utter_date_problem, which the question for the printed date follows;
    and no deadline card."""
    assert responses(messages)[-2:] == ["utter_date_problem", "utter_ask_notice_date"], messages
    assert not any((m.get("custom") or {}).get("type") == "deadline" for m in messages)
    [reason] = [m["reason"] for m in messages if m.get("response") == "utter_date_problem"]
    return reason


@pytest.mark.parametrize(
    "text, reason",
    [
        (
            "me dieron la carta 221g el 31 de febrero, ¿hasta cuándo tengo para mandar los papeles?",
            "el 31 de febrero de 2026 no existe; por favor, revise la fecha de su carta",
        ),
        (
            "la carta 221g tiene fecha del 1 de agosto de 2026, ¿hasta cuándo tengo?",
            "la fecha de la carta, el 1 de agosto de 2026, está en el futuro; por favor, revísela",
        ),
        (
            "la entrevista fue el 10 de marzo de 2027, ¿hasta cuándo tengo para la 221g?",
            "la fecha de la entrevista, el 10 de marzo de 2027, está en el futuro; por favor, revísela",
        ),
        (  # a date of the case other than the notice's or the interview's (answers.future_case_date)
            "me llegó la carta el 1 de agosto de 2026, ¿hasta cuándo tengo?",
            "el 1 de agosto de 2026 está en el futuro; por favor, revise esa fecha",
        ),
    ],
)
async def test_a_spanish_conversation_is_told_why_a_date_is_refused_in_spanish(text, reason):
    spanish = understood_tracker(text, intent="ask_deadline")
    assert spanish.get_slot("language") == "es"
    events, messages = await run(ActionAnswerQuestion(), spanish)
    assert date_problem(messages) == reason
    assert SlotSet("pending_topic", "deadline") in events


# "A few days ago" read as 3 days ago counts 5 days too many from a letter that came 8 days ago:
# such a date is never counted from; the assistant says why and asks for the printed date.
@pytest.mark.parametrize(
    "text, slot",
    [
        ("I got my 221g letter a few days ago, when is my deadline?", "notice_date"),
        ("my 221g slip is dated a couple of weeks ago. how long do I have to reply?", "notice_date"),
        ("my interview was several weeks ago, when is my deadline?", "interview_date"),
        ("a few weeks ago, when is my deadline?", "notice_date"),  # no telling word: taken as the notice's
        # A hedged calendar date was counted as exact: from 3 March when it may have been 1 March.
        ("got a 221g letter around 3 March 2026, when is my deadline?", "notice_date"),
    ],
)
async def test_an_estimated_date_is_asked_for_not_counted(text, slot):
    conversation = understood_tracker(text, intent="ask_deadline")
    assert conversation.get_slot(slot) is None  # no slot takes an estimate (its role is its own)
    events, messages = await run(ActionAnswerQuestion(), conversation)
    assert date_problem(messages) == (
        'a date like "a few days ago" or "around 3 March" is only approximate, and a deadline counted from it '
        "could be later than the real one"
    )
    assert events == [SlotSet("pending_topic", "deadline")]


@pytest.mark.parametrize(
    "text, slot",
    [
        ("me dieron la carta 221g hace unos días, ¿hasta cuándo tengo para mandar los papeles?", "notice_date"),
        ("la entrevista fue hace un par de semanas y me dieron la 221g, ¿cuál es mi fecha límite?", "interview_date"),
        ("me negaron la visa hace varios días con una 221g, ¿cuánto tiempo tengo?", "notice_date"),
        ("mi entrevista fue alrededor del 3 de marzo de 2026, ¿cuándo vence mi plazo?", "interview_date"),
    ],
)
async def test_an_estimated_date_in_spanish_is_asked_for_not_counted(text, slot):
    spanish = understood_tracker(text, intent="ask_deadline")
    assert spanish.get_slot("language") == "es"
    events, messages = await run(ActionAnswerQuestion(), spanish)
    assert date_problem(messages) == (
        "una fecha como «hace unos días» o «alrededor del 3 de marzo» es solo aproximada, y una fecha límite "
        "calculada a partir de ella podría ser posterior a la real"
    )
    assert spanish.get_slot(slot) is None and events[-1:] == [SlotSet("pending_topic", "deadline")]


async def test_an_estimate_after_an_exact_date_refuses_both_and_keeps_the_exact_one():
    """Review of d9be908, finding 2: an estimate used to clear the exact notice date given before, and
    the next answer ("15 March 2026") then counted from a later day than the applicant first gave."""
    first, second = (
        "my 221g notice is dated 1 March 2026",
        "when is my deadline? the 221g notice was about 3 months ago",
    )
    conversation = understood_tracker(first, second, intent="ask_deadline")
    events, messages = await run(ActionAnswerQuestion(), conversation)
    assert "only approximate" in date_problem(messages)
    assert not [m for m in messages if (m.get("custom") or {}).get("type") == "deadline"]  # nothing counted
    assert SlotSet("notice_date", None) not in events and conversation.get_slot("notice_date") == "2026-03-01"
    answered = understood_tracker(first, second, "15 March 2026", intent="inform")
    facts, _, problem = facts_from_tracker(answered, answering_date_question=True)
    assert problem is None and facts.notice_date == dt.date(2026, 3, 1)  # the earlier day still counts


async def test_an_estimate_given_as_information_is_refused_and_never_fills_a_slot():
    """Review of d9be908, finding 1: "my interview was about 3 weeks ago" as plain information
    filled interview_date with "~2026-05-25", which the reminders and the lead then skipped,
    counting from a later notice date; no form asked for it again."""
    conversation = understood_tracker("my interview was about 3 weeks ago", intent="inform")
    assert conversation.get_slot("interview_date") is None
    events, messages = await run(ActionContinue(), conversation)
    assert "only approximate" in date_problem(messages)
    assert responses(messages)[-1] == "utter_ask_notice_date" and SlotSet("pending_topic", "deadline") in events


async def test_an_exact_relative_date_is_still_counted():
    _, messages = await run(
        ActionAnswerQuestion(),
        understood_tracker("I got my 221g letter 3 days ago, when is my deadline?", intent="ask_deadline"),
    )
    card = next(m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "deadline")
    assert (card["notice_date"], card["deadline"]) == ("2026-06-12", "2027-06-12")


async def test_interview_and_notice_dates_count_from_the_earlier():
    _, messages = await run(
        ActionAnswerQuestion(),
        tracker("ask_deadline", notice_date="2026-03-20", interview_date="2026-03-03", refusal_section="221g"),
    )
    card = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "deadline")
    assert (card["deadline"], card["counted_from"]) == ("2027-03-03", "interview")


async def test_follow_up_uses_what_is_already_known():
    events, messages = await run(
        ActionAnswerQuestion(),
        tracker(
            "missed_deadline",
            text="and what if i miss it?",
            notice_date="2025-06-01",
            visa_type="CR-1",
            refusal_section="221g",
            topics_asked=["deadline"],
        ),
    )
    assert events == remembered("missed_deadline", messages, earlier_topics=["deadline"])
    card = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "deadline")
    assert card["urgency"] == "passed"
    details = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "details")
    assert ADVICE.kb.entry("missed_iv_termination").text in [item["text"] for item in details["items"]]
    assert referral(messages) == "utter_referral_urgent"


async def test_status_question_without_status_offers_the_statuses():
    events, messages = await run(ActionAnswerQuestion(), tracker("ask_status_meaning"))
    assert events == [SlotSet("pending_topic", "status_meaning")]
    assert responses(messages) == ["utter_ask_ceac_status"]


async def test_status_given_after_the_question_is_explained():
    events, messages = await run(
        ActionContinue(),
        tracker("inform", [entity("ceac_status", "issued")], ceac_status="issued", pending_topic="status_meaning"),
    )
    assert events == [SlotSet("pending_topic", None), *remembered("status_meaning", messages)]
    assert messages[0]["text"] == ADVICE.kb.entry("status_issued").render_short()
    assert referral(messages) == "utter_referral_none"


async def test_petition_returned_remembers_the_kind_of_221g():
    events, messages = await run(ActionAnswerQuestion(), tracker("petition_returned"))
    assert events == [SlotSet("kind_221g", "petition_returned"), *remembered("petition_returned", messages)]


async def test_fallback_asks_to_rephrase_then_offers_the_attorney():
    events, messages = await run(ActionFallback(), tracker("nlu_fallback"))
    assert events == [SlotSet("fallback_count", 1)]
    assert responses(messages) == ["utter_ask_rephrase"]
    events, messages = await run(ActionFallback(), tracker("nlu_fallback", fallback_count=1))
    assert events == [SlotSet("fallback_count", 0), SlotSet("pending_topic", "attorney_offer")]
    assert responses(messages) == ["utter_offer_attorney"]
    events, messages = await run(ActionContinue(), tracker("affirm", pending_topic="attorney_offer"))
    assert events == [SlotSet("pending_topic", None), FollowupAction("intake_form")]  # the intake starts
    assert messages == []


async def test_declining_the_attorney_offer():
    events, messages = await run(ActionContinue(), tracker("deny", pending_topic="attorney_offer"))
    assert (events, responses(messages)) == ([SlotSet("pending_topic", None)], ["utter_anything_else"])


@pytest.mark.parametrize(
    "intent, response",
    [("bot_challenge", "utter_bot_challenge"), ("out_of_scope", "utter_out_of_scope")],
)
async def test_firm_replies_use_the_firm_profile(intent, response):
    events, messages = await run(ActionFirmResponse(), tracker(intent))
    assert events == []
    assert responses(messages) == [response]
    assert {k: messages[0][k] for k in firm_values()} == firm_values()


async def test_session_starts_with_the_disclaimer():
    events, messages = await run(ActionSessionStart(), tracker())
    assert events == [
        SessionStarted(),
        SlotSet("language", "en"),
        SlotSet("disclaimer_language", "en"),
        ActionExecuted("action_listen"),
    ]
    assert responses(messages) == ["utter_disclaimer"]
    assert messages[0]["disclaimer"] == FIRM.disclaimer and messages[0]["language"] == "en"


@pytest.mark.parametrize(
    ("metadata", "before", "language"),
    [
        ({"language": "es"}, None, "es"),  # the widget's or Telegram's hint
        ({"language": "fr"}, None, "en"),  # a language we do not speak: English
        ({"client": "k"}, "es", "es"),  # no hint: the language of the session that went quiet
        (None, None, "en"),
    ],
)
async def test_a_conversation_opens_in_the_channels_language(metadata, before, language):
    events, messages = await run(ActionSessionStart(), tracker(session_started_metadata=metadata, language=before))
    assert SlotSet("language", language) in events and SlotSet("disclaimer_language", language) in events
    # The slot is set after the disclaimer is said: the response names its language itself.
    assert messages[0]["language"] == language
    assert messages[0]["disclaimer"] == FIRM.text("disclaimer", language)


async def test_with_no_hint_a_conversation_opens_in_the_firms_language(monkeypatch):
    import dataclasses

    from actions import conversation

    monkeypatch.setattr(conversation, "FIRM", dataclasses.replace(FIRM, language="es"))
    events, messages = await run(ActionSessionStart(), tracker())
    assert SlotSet("language", "es") in events and messages[0]["language"] == "es"


async def test_a_conversation_that_changes_language_reads_the_disclaimer_again_once():
    spanish = understood_tracker(
        "me dieron la 221g el 10 de marzo, hasta cuándo tengo?", intent="ask_deadline", disclaimer_language="en"
    )
    events, messages = await run(ActionAnswerQuestion(), spanish)
    assert responses(messages)[0] == "utter_disclaimer" and SlotSet("disclaimer_language", "es") in events
    assert messages[0]["disclaimer"] == FIRM.text("disclaimer", "es")
    _, again = await run(
        ActionAnswerQuestion(),
        understood_tracker("y cuánto tarda el proceso?", intent="ask_processing_time", disclaimer_language="es"),
    )
    assert "utter_disclaimer" not in responses(again)


@pytest.mark.parametrize(
    ("text", "intent"), [("en español por favor", "out_of_scope"), ("English please", "nlu_fallback")]
)
async def test_a_message_that_only_asks_for_a_language_is_acknowledged(text, intent):
    action = ActionFirmResponse() if intent == "out_of_scope" else ActionFallback()
    asked = understood_tracker(text, intent=intent, disclaimer_language="es" if "español" in text else "en")
    _, messages = await run(action, asked)
    assert responses(messages) == ["utter_language_switched"]
    # Asked with something else the assistant can use, that is what matters.
    asked = understood_tracker("my status says refused, in english", intent="out_of_scope")
    assert asked.get_slot("language") == "en" and asked.get_slot("ceac_status") == "refused"
    _, messages = await run(ActionFirmResponse(), asked)
    assert responses(messages) == ["utter_out_of_scope"]


async def test_an_engine_failure_becomes_a_polite_reply(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(answers.ADVICE, "answer", broken)
    events, messages = await run(ActionAnswerQuestion(), Tracker.from_dict(DEADLINE_TRACKER))
    assert events == []
    assert responses(messages) == ["utter_something_went_wrong"]


@pytest.mark.parametrize("text", ["", "🙂🙂🙂"])
async def test_an_answer_with_nothing_in_it_is_not_taken_as_information(text):
    events, messages = await run(ActionContinue(), tracker("inform", text=text, pending_topic="deadline"))
    assert events == [SlotSet("fallback_count", 1)]
    assert responses(messages) == ["utter_ask_rephrase"]


def test_the_action_server_registers_exactly_the_domains_custom_actions():
    import yaml
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert set(executor.actions) == set(domain["actions"])


# --- which date is which: fixtures from what the real extractor finds ---------------------


@functools.lru_cache(maxsize=1)
def real_extractor():
    from bot.rules.entities import EntityExtractor

    return EntityExtractor()


def understood(intent, text, **slots):
    """A tracker holding what the real entity extractor finds in text, and the slots
    domain.yml's role mappings fill from it."""
    from bot.rules import clock

    found = [
        {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end, **({"role": e.role} if e.role else {})}
        for e in real_extractor().extract(text, clock.today())
    ]
    role_slots = {"notice": "notice_date", "interview": "interview_date", "other": "date"}
    filled = {role_slots[e["role"]]: e["value"] for e in found if e["entity"] == "date" and e.get("role") in role_slots}
    filled |= {e["entity"]: e["value"] for e in found if e["entity"] in ("refusal_section", "ceac_status", "visa_type")}
    return tracker(intent, found, text=text, **(filled | slots))


async def test_a_deadline_question_with_an_unexplained_date_asks_before_counting():
    events, messages = await run(
        ActionAnswerQuestion(), understood("ask_deadline", "3 March 2026, when is my deadline?")
    )
    assert responses(messages) == ["utter_confirm_notice_date"]
    assert messages[0]["date"] == "3 March 2026"
    assert events == [SlotSet("pending_topic", "confirm_notice_date")]
    # "Yes": now the year is counted from it.
    events, messages = await run(
        ActionContinue(),
        tracker("affirm", date="2026-03-03", pending_topic="confirm_notice_date", refusal_section="221g"),
    )
    card = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "deadline")
    assert card["deadline"] == "2027-03-03" and SlotSet("notice_date", "2026-03-03") in events
    # "No": ask for the printed date, and forget the unexplained one.
    events, messages = await run(
        ActionContinue(), tracker("deny", date="2026-03-03", pending_topic="confirm_notice_date")
    )
    assert responses(messages) == ["utter_ask_notice_date"]
    assert events == [SlotSet("date", None), SlotSet("pending_topic", "deadline")]


async def test_the_day_the_letter_arrived_never_starts_the_year():
    events, messages = await run(
        ActionAnswerQuestion(),
        understood("ask_deadline", "I received my 221g letter by email on 20 March 2026, when is my deadline?"),
    )
    assert responses(messages) == ["utter_received_date_not_counted"]
    assert not any(m.get("custom") for m in messages)


async def test_a_later_unexplained_date_does_not_replace_the_notice_date():
    events, messages = await run(
        ActionAnswerQuestion(),
        understood("ask_deadline", "and what about 20 May 2026?", notice_date="2026-03-03", refusal_section="221g"),
    )
    card = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "deadline")
    assert card["notice_date"] == "2026-03-03" and card["deadline"] == "2027-03-03"


async def test_a_214b_refusal_gets_no_countdown_and_is_told_why():
    from bot.rules.knowledge import KnowledgeBase

    events, messages = await run(
        ActionAnswerQuestion(),
        understood("ask_deadline", "refused under 214b on 3 March 2026, do I have a year to send documents?"),
    )
    assert not any(m.get("custom", {}).get("type") == "deadline" for m in messages)
    assert messages[0]["text"] == KnowledgeBase.load().entry("deadline_not_for_214b").render_short()


async def test_choosing_a_reading_of_an_ambiguous_date_by_button_counts_it_as_the_notice_date():
    # The button's payload is /inform{"date":"2026-06-04"}: a date entity without a role.
    events, messages = await run(
        ActionContinue(),
        tracker("inform", [entity("date", "2026-06-04")], pending_topic="deadline", refusal_section="221g"),
    )
    card = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "deadline")
    assert card["notice_date"] == "2026-06-04" and card["deadline"] == "2027-06-04"


async def test_a_letter_received_in_the_future_is_refused_with_the_reason():
    events, messages = await run(
        ActionAnswerQuestion(),
        understood("ask_deadline", "i got the 221g letter on 1 August 2026, when is my deadline"),
    )
    assert responses(messages) == ["utter_date_problem", "utter_ask_notice_date"]
    assert "in the future" in messages[0]["reason"]


async def test_a_status_update_mid_conversation_is_answered_not_just_noted():
    from bot.rules.knowledge import KnowledgeBase

    events, messages = await run(
        ActionContinue(), understood("inform", "now it changed to in transit", topics_asked=["deadline"])
    )
    assert "utter_noted" not in responses(messages)
    assert messages[0]["text"] == KnowledgeBase.load().entry("status_in_transit").render_short()


async def test_an_earlier_interview_date_given_later_recomputes_the_deadline():
    events, messages = await run(
        ActionContinue(),
        understood(
            "inform",
            "wait, the interview itself was on 1 March 2026",
            notice_date="2026-03-03",
            refusal_section="221g",
            topics_asked=["deadline"],
        ),
    )
    card = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "deadline")
    assert (card["counted_from"], card["deadline"]) == ("interview", "2027-03-01")


async def test_a_date_given_before_any_deadline_question_is_only_noted():
    events, messages = await run(ActionContinue(), understood("inform", "the interview was on 1 March 2026"))
    assert responses(messages) == ["utter_noted"]


def low_confidence(text, ranking):
    """What FallbackClassifier leaves: nlu_fallback first, then the classifier's ranking."""
    state = understood("nlu_fallback", text).current_state()
    state["latest_message"]["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.5}] + [
        {"name": name, "confidence": confidence} for name, confidence in ranking
    ]
    return Tracker.from_dict(state)


async def test_a_low_confidence_question_about_a_case_offers_the_likeliest_topics():
    events, messages = await run(
        ActionFallback(),
        low_confidence(
            "the 221g thing since march and nobody says anything what is going on with it",
            [
                ("ask_processing_time", 0.38),
                ("greet", 0.2),
                ("ask_deadline", 0.3),
                ("ask_options", 0.07),
                ("ask_documents", 0.02),
            ],
        ),
    )
    assert responses(messages) == ["utter_which_topic"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_processing_time", "/ask_deadline", "/ask_options"]
    assert events == [SlotSet("fallback_count", 1)]


async def test_a_low_confidence_message_not_about_a_case_is_asked_to_be_rephrased():
    events, messages = await run(
        ActionFallback(),
        low_confidence("hmm what about the other thing", [("ask_processing_time", 0.38), ("ask_deadline", 0.3)]),
    )
    assert responses(messages) == ["utter_ask_rephrase"]


async def test_topic_buttons_are_offered_once_then_the_attorney():
    state = low_confidence("my visa thing is weird", [("ask_status_meaning", 0.4), ("explain_221g", 0.3)])
    state.slots["fallback_count"] = 1
    events, messages = await run(ActionFallback(), state)
    assert responses(messages) == ["utter_offer_attorney"]


async def test_the_full_contact_block_comes_once_then_one_short_line():
    _, first = await run(ActionAnswerQuestion(), tracker("explain_221g"))
    assert referral(first) == "utter_referral_suggested"
    events, later = await run(ActionAnswerQuestion(), tracker("explain_221g", referral_shown=True))
    assert referral(later) == "utter_referral_short"
    assert later[-1]["booking_url"] == FIRM.booking_url  # the short line is the last message
    assert SlotSet("referral_shown", True) not in events
    _, recommended = await run(ActionAnswerQuestion(), tracker("ask_options", referral_shown=True))
    assert referral(recommended) == "utter_referral_short_recommended"


async def test_an_urgent_case_gets_the_full_contact_block_every_time():
    _, messages = await run(
        ActionAnswerQuestion(), tracker("ask_deadline", notice_date="2025-06-20", referral_shown=True)
    )
    assert referral(messages) == "utter_referral_urgent"


async def test_the_first_bubble_is_the_short_answer_and_the_details_hold_the_whole_text():
    _, messages = await run(ActionAnswerQuestion(), tracker("explain_221g"))
    lead = ADVICE.kb.entry("221g_what_it_is")
    details = next(m["custom"] for m in messages if m.get("custom", {}).get("type") == "details")
    assert messages[0]["text"] == lead.render_short()
    assert len(messages[0]["text"].split()) <= 50
    # Nothing of the knowledge base is dropped: the first entry's full text is one tap away.
    assert lead.short is not None
    assert details["items"][0] == {"text": lead.text, "entry": "221g_what_it_is"}


@pytest.mark.parametrize("intent", ["ask_options", "ask_processing_time", "petition_returned", "compare_refusals"])
async def test_a_near_deadline_gets_the_urgent_referral_whatever_the_topic(intent):
    # Five days are left on a notice known from earlier in the conversation.
    near = (clock.today() - dt.timedelta(days=360)).isoformat()
    _, messages = await run(
        ActionAnswerQuestion(), tracker(intent, text="can I speed this up?", notice_date=near, referral_shown=True)
    )
    assert referral(messages) == "utter_referral_urgent"


async def test_a_spanish_deadline_question_is_answered_in_spanish_with_the_same_deadline():
    spanish = understood_tracker(
        "me dieron la 221g el 10 de marzo, hasta cuándo tengo para mandar los papeles?", intent="ask_deadline"
    )
    english = understood_tracker(
        "I got a 221g on 10 March, when is my deadline to send the papers?", intent="ask_deadline"
    )
    assert (spanish.get_slot("language"), english.get_slot("language")) == ("es", "en")
    _, es_messages = await run(ActionAnswerQuestion(), spanish)
    _, en_messages = await run(ActionAnswerQuestion(), english)
    # The conversation opened in English: its disclaimer comes again, in Spanish, once.
    assert responses(es_messages)[0] == "utter_disclaimer"
    es_messages = es_messages[1:]
    # The same decision: the same responses in the same order, the same card (its words are the channel's).
    assert responses(es_messages) == responses(en_messages)
    [es_card] = [m["custom"] for m in es_messages if (m.get("custom") or {}).get("type") == "deadline"]
    [en_card] = [m["custom"] for m in en_messages if (m.get("custom") or {}).get("type") == "deadline"]
    assert es_card == en_card | {"language": "es"}
    answer = ADVICE.answer("deadline", facts_of(spanish), "es")
    assert es_messages[0]["text"] == answer.lead != en_messages[0]["text"]
    assert "de marzo de 2027" in " ".join(answer.explanation)
    # The firm's own texts in the referral, in Spanish too.
    [referral] = [m for m in es_messages if (m.get("response") or "").startswith("utter_referral")]
    assert referral["referral_text"] == FIRM.text("referral_text", "es") != FIRM.referral_text
    assert referral["contact_line"] == FIRM.contact_line_in("es")
