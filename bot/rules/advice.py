"""The advice rules: from what is known about a case, which knowledge-base entries
answer the applicant's question, the deadline if one applies, and how strongly to
refer them to the firm's attorney. The wording and sources live in the knowledge
base; this module only decides what applies.
"""

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.language import DEFAULT_LANGUAGE
from bot.language.words import words
from bot.rules import clock
from bot.rules.countdown import (
    COUNTDOWN,
    DV_FISCAL_YEAR,
    DV_LAPSED,
    DV_VISA,
    IF_221G,
    KINDS_221G,
    NEEDS_DATE,
    NOTHING_REQUESTED,
    WITH_USCIS,
    Countdown,
    decide,
    dv_last_day,
    not_221g,
)
from bot.rules.deadline import PASSED, URGENT, WITHIN_90_DAYS, DateError, Deadline
from bot.rules.knowledge import KnowledgeBase, KnowledgeBaseError, Source
from bot.rules.reference import ceac_statuses, consulates, visa_category

# How strongly the answer sends the applicant to an attorney, weakest first.
REFERRAL_LEVELS = ("none", "suggested", "recommended", "urgent")
EMPLOYMENT_VISAS = {"H-1B", "H-4", "L-1", "O-1", "E-2"}
DEADLINE_REFERRAL = {**{band: "urgent" for band in URGENT}, WITHIN_90_DAYS: "recommended"}
# Nonimmigrant classes that rest on a USCIS petition (a returned petition can only be one of these).
PETITION_BASED_NONIMMIGRANT = {"H-1B", "L-1", "O-1", "K-1"}
MISREPRESENTATION = "212a6Ci"  # INA 212(a)(6)(C)(i): a permanent ineligibility
# For a refusal that is not a 221(g): the entry that opens each topic, by section.
NOT_A_221G_DEADLINE = {"214b": "deadline_not_for_214b", "212f": "refusal_212f"}
PROCESSING_NOT_221G = {"214b": "processing_214b", "212f": "refusal_212f"}
OPTIONS_NOT_221G = {"214b": "options_214b", "212f": "refusal_212f"}


@dataclass(frozen=True)
class CaseFacts:
    ceac_status: str | None = None
    refusal_section: str | None = None  # "221g", "214b", "212a…", "212f"
    kind_221g: str | None = None  # one of KINDS_221G
    visa_type: str | None = None
    consulate: str | None = None
    days_since_interview: int | None = None
    notice_date: dt.date | None = None
    interview_date: dt.date | None = None
    option_asked: str | None = None  # one of OPTIONS_BY_NAME, when the question names it
    dv_year: int | None = None  # the DV program year the applicant named ("DV-2027")


@dataclass(frozen=True)
class Detail:
    """One paragraph of an answer's details, with the knowledge-base entry it came from."""

    text: str
    entry: str


@dataclass(frozen=True)
class Answer:
    topic: str
    explanation: tuple[str, ...] = ()
    tips: tuple[str, ...] = ()
    deadline: Deadline | None = None
    sources: tuple[Source, ...] = ()
    referral: str = "none"
    needs: str | None = None  # a fact to ask the applicant for before answering
    entries: tuple[str, ...] = ()  # the knowledge-base entries used, in order (for review)
    # What is shown first: the short version of the first explanation (the question's answer).
    lead: str = ""
    # Everything else, one tap away: the explanations in full (the first one too, where the lead
    # is its short version), then the tips.
    details: tuple[Detail, ...] = ()
    language: str = DEFAULT_LANGUAGE  # the language it is written in


# The options an applicant may ask about by name ("can I appeal?", "if I sue..."): the entry
# that answers each and the words that name it. The options answer opens with the one asked.
OPTIONS_BY_NAME = {
    "mandamus": (
        "options_mandamus",
        re.compile(
            r"\b(?:(?-i:sue|suing)|lawsuits?|law suits?|mandamus|litigation|federal court|court case|"
            r"(?:go|going|take \w+(?: \w+)?) to court)\b",
            re.I,
        ),
    ),
    "appeal": ("options_no_appeal", re.compile(r"\bappeal\w*", re.I)),
    "congressional": (
        "options_congressional",
        re.compile(r"\b(?:congress\w*|senators?|(?:my|our|local|us|u\.s\.) representatives?)\b", re.I),
    ),
    "foia": ("options_foia", re.compile(r"\b(?:foia|freedom of information)\b", re.I)),
    "expedite": (
        "ap_not_expeditable",
        re.compile(r"\b(?:expedit\w*|(?:speed|sped)\w* (?:\w+ )?up|faster)\b", re.I),
    ),
}


def option_asked(text: str) -> str | None:
    """The option the message names first, if it names one."""
    named = [(found.start(), name) for name, (_, words) in OPTIONS_BY_NAME.items() if (found := words.search(text))]
    return min(named)[1] if named else None


def applies_221g(facts: CaseFacts) -> bool:
    """Whether a 221(g) may be the refusal: never for a case refused under 214(b), 212(a) or 212(f)."""
    return not not_221g(facts.refusal_section)


def format_date(value: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    """Day, month name, year, in the language's words: unambiguous in every country."""
    return words(language).date(value)


def format_wait(days: int, language: str = DEFAULT_LANGUAGE) -> str:
    """How long someone has waited, as they would say it (bot/language/words.py)."""
    return words(language).wait(days)


class _Draft:
    """Collects rendered entries and their sources while a topic's rules run."""

    def __init__(self, kb: KnowledgeBase, topic: str, language: str = DEFAULT_LANGUAGE) -> None:
        self.kb, self.topic, self.language = kb, topic, language
        self.words = words(language)
        self.explanation: list[str] = []
        self.tips: list[str] = []
        self.lead = ""
        self.explained: list[Detail] = []
        self.tip_details: list[Detail] = []
        self.sources: dict[str, Source] = {}
        self.deadline: Deadline | None = None
        self.referral = "none"
        self.entries: list[str] = []

    def _use(self, entry_id: str, values: dict[str, object], extra_sources: tuple[Source, ...] = ()) -> str:
        entry = self.kb.entry(entry_id)
        if entry_id not in self.entries:
            self.entries.append(entry_id)
        for source in entry.sources + extra_sources:
            self.sources.setdefault(source.id, source)
        return entry.render(self.language, **values)

    def explain(self, entry_id: str, extra_sources: tuple[Source, ...] = (), **values: object) -> None:
        text = self._use(entry_id, values, extra_sources)
        if text not in self.explanation:
            if not self.explanation:
                self.lead = self.kb.entry(entry_id).render_short(self.language, **values)
            self.explanation.append(text)
            self.explained.append(Detail(text, entry_id))

    def tip(self, entry_id: str, **values: object) -> None:
        text = self._use(entry_id, values)
        if text not in self.tips and text not in self.explanation:
            self.tips.append(text)
            self.tip_details.append(Detail(text, entry_id))

    def refer(self, level: str) -> None:
        if REFERRAL_LEVELS.index(level) > REFERRAL_LEVELS.index(self.referral):
            self.referral = level

    def answer(self) -> Answer:
        explained = self.explained
        # The first explanation is in the details only where the lead is its short version.
        if explained and explained[0].text == self.lead:
            explained = explained[1:]
        return Answer(
            self.topic,
            tuple(self.explanation),
            tuple(self.tips),
            self.deadline,
            tuple(self.sources.values()),
            self.referral,
            entries=tuple(self.entries),
            lead=self.lead,
            details=tuple(explained + self.tip_details),
            language=self.language,
        )


class AdviceEngine:
    def __init__(self, kb: KnowledgeBase, today: Callable[[], dt.date] = clock.today) -> None:
        self.kb = kb
        self.today = today
        self.topics = {
            "status_meaning": self._status_meaning,
            "explain_221g": self._explain_221g,
            "deadline": self._deadline,
            "missed_deadline": self._missed_deadline,
            "processing_time": self._processing_time,
            "documents": self._documents,
            "options": self._options,
            "petition_returned": self._petition_returned,
            "compare_refusals": self._compare_refusals,
        }

    def answer(self, topic: str, facts: CaseFacts, language: str = DEFAULT_LANGUAGE) -> Answer:
        """In `language` (each entry's translation, its dates and waits in that language's words).
        Raises bot.rules.deadline.DateError (with a reason for the user) for dates it refuses."""
        draft = _Draft(self.kb, topic, language)
        needs = self.topics[topic](draft, facts)
        if needs:
            return Answer(topic, needs=needs, language=language)
        if draft.deadline is None and self._urgent(facts):
            # A topic that shows no deadline still refers a case whose deadline is near or past urgently.
            draft.refer("urgent")
        return draft.answer()

    def countdown(self, facts: CaseFacts) -> Countdown:
        """The one decision on the case's deadline (bot.rules.countdown), for every topic."""
        return decide(
            self.today(),
            refusal_section=facts.refusal_section,
            kind_221g=facts.kind_221g,
            visa_type=facts.visa_type,
            dv_year=facts.dv_year,
            notice_date=facts.notice_date,
            interview_date=facts.interview_date,
        )

    def _urgent(self, facts: CaseFacts) -> bool:
        """Whether a deadline that applies (or may: section unknown) is passed, due today or within 30 days."""
        try:
            return self.countdown(facts).urgency in URGENT
        except DateError:
            return False  # a refused date is explained where the deadline is asked for

    def _dv_lapsed(self, facts: CaseFacts) -> bool:
        return facts.visa_type == DV_VISA and self.countdown(facts).applies == DV_LAPSED

    # --- helpers shared by the topics -------------------------------------------------

    def _add_countdown(self, draft: _Draft, facts: CaseFacts) -> Countdown:
        """Says what the decision gives for this case; the card only where a deadline certainly applies."""
        found = self.countdown(facts)
        start = draft.words.date(found.one_year.start_date) if found.one_year else ""
        if found.applies == DV_LAPSED:
            assert found.dv_year is not None  # known, or there would be no cutoff to pass
            last_day = draft.words.date(dv_last_day(found.dv_year))
            draft.explain("dv_selection_lapsed", deadline=last_day, dv_year=found.dv_year)
        elif found.applies == COUNTDOWN and found.deadline and found.deadline.counted_from == DV_FISCAL_YEAR:
            draft.explain(
                "deadline_dv_cutoff",
                deadline=draft.words.date(found.deadline.deadline),
                days_left=found.deadline.days_left,
                dv_year=found.dv_year,
                notice_date=start,
            )
        elif found.applies in (COUNTDOWN, IF_221G) and found.deadline:
            passed = found.deadline.urgency == PASSED
            entry = f"deadline_result_{found.deadline.urgency}"
            if found.applies == IF_221G:
                entry = "deadline_if_221g_passed" if passed else "deadline_if_221g"
            draft.explain(
                entry,
                deadline=draft.words.date(found.deadline.deadline),
                notice_date=start,
                days_left=found.deadline.days_left,
                days_overdue=-found.deadline.days_left,
            )
            if found.iv_from_letter:
                draft.explain("deadline_iv_counted_from_letter", notice_date=start)
            if found.deadline.start_date.month == 2 and found.deadline.start_date.day == 29:
                draft.explain("deadline_leap_day")
        elif found.applies == NOTHING_REQUESTED:
            draft.explain("ap_nothing_to_send")
            if found.one_year:
                passed = found.one_year.urgency == PASSED
                draft.explain(
                    "ap_if_requested_passed" if passed else "ap_if_requested_by",
                    deadline=draft.words.date(found.one_year.deadline),
                    notice_date=start,
                )
        elif found.applies == WITH_USCIS:
            draft.explain("petition_with_uscis")
        if found.dv_year_assumed and found.dv_year and found.applies in (COUNTDOWN, DV_LAPSED):
            draft.explain("deadline_dv_year_assumed", dv_year=found.dv_year, dv_prior_year=found.dv_year - 1)
        if found.shows_card:
            draft.deadline = found.deadline
        if found.urgency:
            draft.refer(DEADLINE_REFERRAL.get(found.urgency, "suggested"))
        elif found.applies in (NOTHING_REQUESTED, WITH_USCIS):
            draft.refer("suggested")
        return found

    def _inquiry_window(self, draft: _Draft, facts: CaseFacts) -> None:
        """The post's own waiting time before an inquiry where we know it, else the range posts use."""
        post = consulates().get(facts.consulate or "")
        if post and post.inquiry_wait_days:
            assert post.source is not None  # consulates() refuses a waiting time without its source
            draft.explain(
                "ap_post_window",
                (self.kb.source(post.source),),
                consulate=post.name,
                inquiry_days=post.inquiry_wait_days,
            )
        else:
            draft.explain("ap_inquiry_windows")

    def _about_the_section(self, draft: _Draft, facts: CaseFacts) -> None:
        """What a refusal that is not a 221(g) means: 214(b), 212(a) (and a permanent 6(C)(i)), 212(f)."""
        section = facts.refusal_section or ""
        if section == "214b":
            draft.explain("refusal_214b")
        elif section == "212f":
            draft.explain("refusal_212f")
        elif section.startswith("212a"):
            draft.explain("refusal_212a")
            if section.startswith(MISREPRESENTATION):
                draft.explain("refusal_212a6ci_permanent")

    # --- the topics -------------------------------------------------------------------

    def _status_meaning(self, draft: _Draft, facts: CaseFacts) -> str | None:
        status = facts.ceac_status
        if not status:
            return "ceac_status"
        is_dv = facts.visa_type == DV_VISA
        draft.explain("status_expired_dv" if status == "expired" and is_dv else f"status_{status}")
        if status == "refused":
            if applies_221g(facts):
                draft.explain("status_refused_often_temporary")
                draft.explain("status_refused_extended_ap")
            self._about_the_section(draft, facts)
            draft.tip("final_refusal_notified")
            draft.refer("suggested")
        if status == "administrative_processing":
            draft.explain("221g_ap_not_security_risk")
            draft.tip("ap_typical_duration")
        if status == "returned_to_nvc":
            draft.explain("petition_return_possible")
        lapsed = False
        if status in ("refused", "administrative_processing"):
            draft.tip("status_case_last_updated")
            lapsed = self._add_countdown(draft, facts).applies == DV_LAPSED
        if status in ("expired", "expiring_soon", "returned_to_nvc", "transfer_in_progress", "invalid_case_number"):
            draft.refer("recommended")
        if is_dv and status in ("refused", "administrative_processing", "ready", "in_transit") and not lapsed:
            draft.tip("dv_september_30")
        # Calm words only where a 221(g) may apply and nothing has run out.
        if status in ("refused", "administrative_processing") and applies_221g(facts) and not self._urgent(facts):
            draft.tip("tip_dont_panic")
        return None

    def _explain_221g(self, draft: _Draft, facts: CaseFacts) -> str | None:
        for entry_id in ("221g_what_it_is", "221g_two_kinds", "221g_notice_delivery", "221g_slip_colours"):
            draft.explain(entry_id)
        if facts.kind_221g == "administrative_processing" or facts.ceac_status == "administrative_processing":
            draft.explain("221g_ap_not_security_risk")
        if applies_221g(facts):
            self._add_countdown(draft, facts)
        tips = [
            "status_refused_often_temporary",
            "deadline_one_year_rule",
            "221g_passport_kept",
            "221g_ds160_refusal_question",
            "tip_dont_panic",
        ]
        if not applies_221g(facts):  # they asked what 221(g) is, but their own refusal is another section
            draft.explain(NOT_A_221G_DEADLINE.get(facts.refusal_section or "", "deadline_not_for_212a"))
            tips = [
                t
                for t in tips
                if t not in ("status_refused_often_temporary", "deadline_one_year_rule", "tip_dont_panic")
            ]
        elif self._urgent(facts):
            tips.remove("tip_dont_panic")
        for entry_id in tips:
            draft.tip(entry_id)
        draft.refer("suggested")
        return None

    def _deadline(self, draft: _Draft, facts: CaseFacts) -> str | None:
        if not applies_221g(facts):
            self._not_a_221g_deadline(draft, facts)
            return None
        found = self._add_countdown(draft, facts)
        if found.applies == NEEDS_DATE:
            return "notice_date"
        if found.applies in (COUNTDOWN, IF_221G):
            assert found.deadline is not None  # both always come with their date
            draft.explain("deadline_one_year_rule")
            if found.applies == IF_221G:
                draft.explain("deadline_applies_to_221g_only")
            draft.explain("deadline_anchor_varies")
            category = visa_category(facts.visa_type)
            if found.deadline.urgency == PASSED:
                self._missed_consequences(draft, facts, category)
            else:
                draft.tip("missed_final_refusal")
            if facts.visa_type == DV_VISA and found.deadline.counted_from != DV_FISCAL_YEAR:
                draft.tip("dv_september_30")
        draft.tip("tip_consult_attorney")
        return None

    def _not_a_221g_deadline(self, draft: _Draft, facts: CaseFacts) -> None:
        """A 214(b), 212(a) or 212(f) refusal: no countdown, why documents do not cure it, and a referral."""
        section = facts.refusal_section or ""
        draft.explain(NOT_A_221G_DEADLINE.get(section, "deadline_not_for_212a"))
        self._about_the_section(draft, facts)
        if section.startswith("212a"):
            draft.explain("refusal_212a_waivers")
        if facts.visa_type == DV_VISA:
            self._add_countdown(draft, facts)  # a lapsed DV year is said whatever the section
        draft.tip("tip_consult_attorney")
        draft.refer("recommended")

    def _missed_consequences(self, draft: _Draft, facts: CaseFacts, category: str | None) -> None:
        draft.explain("missed_final_refusal")
        if category in ("immigrant", None):
            draft.explain("missed_iv_termination")
            draft.explain("missed_iv_reinstatement")
        if category in ("nonimmigrant", None):
            draft.explain("missed_niv_new_application")
            # Waiting on the post's own checks, the one-year limit may not apply.
            draft.explain("deadline_niv_ap_exception")

    def _missed_deadline(self, draft: _Draft, facts: CaseFacts) -> str | None:
        if not applies_221g(facts):
            self._not_a_221g_deadline(draft, facts)
            return None
        found = self._add_countdown(draft, facts)
        if found.applies in (COUNTDOWN, IF_221G, NEEDS_DATE):
            # What missing the year means; not said where nothing was asked or the year is not the limit.
            self._missed_consequences(draft, facts, visa_category(facts.visa_type))
            if facts.visa_type == "K-1":
                draft.tip("k1_petition_four_months")
        draft.tip("tip_consult_attorney")
        draft.refer("recommended")
        return None

    def _processing_time(self, draft: _Draft, facts: CaseFacts) -> str | None:
        section = facts.refusal_section or ""
        if not applies_221g(facts):
            # A decision, not processing that ends with time.
            draft.explain(PROCESSING_NOT_221G.get(section, "processing_212a"))
            self._about_the_section(draft, facts)
            draft.tip("tip_consult_attorney")
            draft.refer("suggested")
            return None
        if self._dv_lapsed(facts):
            # After the DV year no wait ends in a visa: that is the answer, not processing times.
            self._add_countdown(draft, facts)
            draft.tip("tip_consult_attorney")
            return None
        draft.explain("ap_typical_duration")
        days = facts.days_since_interview
        if days is None and facts.interview_date:
            days = (self.today() - facts.interview_date).days
        if days is not None and days >= 0:
            waited = draft.words.wait(days)
            if days < 60:
                draft.explain("ap_within_typical", days=days, waited=waited)
            elif days < 180:
                draft.explain("ap_past_typical", days=days, waited=waited)
                draft.refer("suggested")
            else:
                draft.explain("ap_long_delay", days=days, waited=waited)
                draft.refer("recommended")
        self._inquiry_window(draft, facts)
        if facts.visa_type == DV_VISA:
            draft.explain("dv_september_30")
        for entry_id in (
            "ap_not_expeditable",
            "221g_passport_kept",
            "221g_ap_not_security_risk",
            "status_case_last_updated",
        ):
            draft.tip(entry_id)
        return None

    def _documents(self, draft: _Draft, facts: CaseFacts) -> str | None:
        if not applies_221g(facts):
            # Whether documents can cure this refusal is the question: they do not; no advice on sending.
            self._not_a_221g_deadline(draft, facts)
            return None
        found = self.countdown(facts)
        if found.applies in (DV_LAPSED, WITH_USCIS):
            # Nothing the applicant sends to the embassy helps: what applies instead, and a referral.
            self._add_countdown(draft, facts)
            draft.tip("tip_consult_attorney")
            draft.refer("recommended")
            return None
        late = found.urgency in URGENT
        if late:
            # A deadline passed or near comes before how to send: never "send soon" when it is late.
            self._add_countdown(draft, facts)
        draft.explain("docs_how_to_submit")
        draft.explain("221g_notice_delivery")
        category = visa_category(facts.visa_type)
        if category in ("immigrant", None) or facts.visa_type == "K-1":
            draft.explain("docs_examples_immigrant")
        if facts.visa_type in EMPLOYMENT_VISAS or category is None:
            draft.explain("docs_examples_employment")
        if (category == "nonimmigrant" and facts.visa_type not in EMPLOYMENT_VISAS | {"K-1"}) or category is None:
            draft.explain("docs_examples_visitor_student")
        if not late:
            self._add_countdown(draft, facts)
        draft.tip("deadline_one_year_rule")
        if facts.visa_type == DV_VISA:
            draft.tip("dv_september_30")
        draft.tip("docs_passport_request")
        draft.refer("suggested")
        return None

    def _options(self, draft: _Draft, facts: CaseFacts) -> str | None:
        section = facts.refusal_section or ""
        if self._dv_lapsed(facts):
            # Inquiries and lawsuits cannot bring back a DV year that has ended: that comes first.
            self._add_countdown(draft, facts)
            draft.tip("tip_consult_attorney")
            return None
        if not applies_221g(facts):
            # A decision exists: no "wait, then inquire"; what applies to the section, first.
            draft.explain(OPTIONS_NOT_221G.get(section, "options_212a"))
            self._about_the_section(draft, facts)
            draft.explain("options_supervisory_review")
            draft.tip("tip_consult_attorney")
            draft.refer("recommended")
            return None
        if facts.option_asked in OPTIONS_BY_NAME:
            # The question asked, answered first (these entries speak of 221(g) refusals only).
            draft.explain(OPTIONS_BY_NAME[facts.option_asked][0])
        draft.explain("options_inquiry")
        self._inquiry_window(draft, facts)
        for entry_id in (
            "options_congressional",
            "options_no_appeal",
            "options_supervisory_review",
            "options_foia",
            "options_mandamus",
            "ap_not_expeditable",
        ):
            draft.explain(entry_id)
        draft.tip("tip_consult_attorney")
        draft.refer("recommended")
        return None

    def _petition_returned(self, draft: _Draft, facts: CaseFacts) -> str | None:
        for entry_id in (
            "petition_return_possible",
            "petition_with_uscis",
            "petition_return_process",
            "petition_return_timing",
            "petition_return_not_final",
        ):
            draft.explain(entry_id)
        if facts.visa_type in PETITION_BASED_NONIMMIGRANT:
            draft.explain("petition_niv_return")
        if facts.visa_type == "K-1":
            draft.explain("k1_petition_four_months")
        draft.tip("tip_consult_attorney")
        draft.refer("recommended")
        return None

    def _compare_refusals(self, draft: _Draft, facts: CaseFacts) -> str | None:
        section = facts.refusal_section or ""
        about_214b = ["refusal_214b"] + (
            ["refusal_214b_not_iv"] if visa_category(facts.visa_type) != "nonimmigrant" else []
        )
        about_212a = ["refusal_212a", "refusal_212a_waivers"]
        if section.startswith(MISREPRESENTATION):
            about_212a.insert(1, "refusal_212a6ci_permanent")
        if section == "214b":
            order = about_214b + ["refusal_221g_vs_others"]
        elif section == "212f":
            order = ["refusal_212f", "refusal_221g_vs_others"]
            draft.refer("recommended")
        elif section.startswith("212a"):
            order = about_212a + ["refusal_221g_vs_others"]
            draft.refer("recommended")
        else:
            order = ["refusal_221g_vs_others"] + about_214b + about_212a
        for entry_id in order:
            draft.explain(entry_id)
        draft.tip("tip_consult_attorney")
        draft.refer("suggested")
        return None

    # --- start-up check -----------------------------------------------------------------

    def check_complete(self) -> None:
        """Runs every topic over representative cases so that an entry the rules need but
        the knowledge base lacks stops start-up instead of failing an applicant later."""
        today = self.today()
        dates = [
            None,
            today - dt.timedelta(days=10),
            today - dt.timedelta(days=400),
            today - dt.timedelta(days=365 - 20),
            today - dt.timedelta(days=365 - 60),
            dt.date(2024, 2, 29),
        ]
        statuses = [None, *ceac_statuses()]
        visas = [None, "H-1B", "F-1", "K-1", "CR-1", "DV"]
        sections = [None, "221g", "214b", "212a6Ci", "212a9B", "212f"]
        posts = [None, *[name for name, post in consulates().items() if post.inquiry_wait_days]]
        cases = [CaseFacts(ceac_status=s, visa_type=v) for s, v in itertools.product(statuses, visas)]
        cases += [
            CaseFacts(refusal_section=s, visa_type=v, ceac_status="refused")
            for s, v in itertools.product(sections, visas)
        ]
        cases += [CaseFacts(kind_221g=k, visa_type=v) for k, v in itertools.product((None, *KINDS_221G), visas)]
        cases += [
            CaseFacts(days_since_interview=d, consulate=c) for d, c in itertools.product((None, 10, 100, 400), posts)
        ]
        cases += [
            CaseFacts(notice_date=d, visa_type=v, ceac_status="refused") for d, v in itertools.product(dates, visas)
        ]
        cases += [replace(case, kind_221g="administrative_processing") for case in cases[-len(dates) * len(visas) :]]
        cases += [replace(case, refusal_section=s) for case in cases[-len(dates) * len(visas) :] for s in sections]
        cases += [
            CaseFacts(visa_type="DV", dv_year=today.year + y, notice_date=d, kind_221g=k, ceac_status="refused")
            for y, d, k in itertools.product((-1, 0, 1), dates, (None, *KINDS_221G))
        ]
        problems = set()
        for topic, case in itertools.product(self.topics, cases):
            try:
                self.answer(topic, case)
            except KnowledgeBaseError as error:
                problems.add(str(error))
            except KeyError as error:
                problems.add(f"an entry's text needs the value {error} that the rules do not give")
        if problems:
            raise KnowledgeBaseError("; ".join(sorted(problems)))
