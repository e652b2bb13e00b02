"""Figures for the dashboard's analytics page, over whole UTC days from `start` to `end`.

`compute_figures` works on events already read (pure, and tested on its own);
`read_figures` reads them from the tracker store first. Every figure is a list of
(label, value) rows, so that each chart can also be shown as a table. Charts carry
only dates, intent names, channel names and funnel stages: never what applicants wrote.
"""

import base64
import datetime as dt
import html
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sqlalchemy.engine import Engine

from bot.rules.deadline import URGENT
from bot.staff.conversations import (
    APPLICANT,
    FALLBACK_INTENT,
    StoredEvent,
    channel_of,
    conversation_events,
    message_from,
)
from bot.staff.unanswered import REVIEW_BELOW, is_unanswered

# Intents that are conversation, not a question about a case (domain.yml calls "thank you" `thank`),
# and the answers to a form's questions.
SMALL_TALK_INTENTS = frozenset(
    {"greet", "goodbye", "affirm", "deny", "thank", "thank_you", "bot_challenge", "out_of_scope"}
    | {"inform", "stop_form", "repeat_question"}
)
NOT_TOPICS = SMALL_TALK_INTENTS | {FALLBACK_INTENT}
# domain.yml's forms and slots: the forms that offer an attorney, their consent slots
# (text slots holding "yes" or "no"; a boolean true counts too) and the slot set once a
# lead is stored.
OFFER_FORMS = ("intake_form", "callback_form")
CONSENT_SLOTS = ("intake_consent", "callback_consent")
CONSENT_GIVEN = "yes"
LEAD_SLOT = "lead_id"

Row = tuple[str, int]


@dataclass(frozen=True)
class Figures:
    start: dt.date
    end: dt.date
    conversations_per_day: list[Row]  # (ISO date, conversations), every day of the range
    topics: list[Row]  # (intent, applicant messages), most asked first
    applicant_messages: int
    unanswered_messages: int
    funnel: list[Row]  # ("offered" | "consented" | "completed", conversations)
    urgent_per_day: list[Row]  # (ISO date, urgent leads created), every day of the range
    channels: list[Row]  # (channel, conversations), largest first

    @property
    def fallback_rate(self) -> float | None:
        """The share of applicant messages left unanswered; None without any messages."""
        return self.unanswered_messages / self.applicant_messages if self.applicant_messages else None


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(dt.timezone.utc).date()


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _largest_first(counts: Counter[str]) -> list[Row]:
    return sorted(counts.items(), key=lambda row: (-row[1], row[0]))


def _funnel(events: Iterable[StoredEvent]) -> list[Row]:
    offered, consented, completed = set(), set(), set()
    for conversation_id, _, event in events:
        kind, name, value = event.get("event"), event.get("name"), event.get("value")
        if kind == "active_loop" and name in OFFER_FORMS:
            offered.add(conversation_id)
        elif kind == "slot" and name in CONSENT_SLOTS and (value == CONSENT_GIVEN or value is True):
            consented.add(conversation_id)
        elif kind == "slot" and name == LEAD_SLOT and value is not None:
            completed.add(conversation_id)
    return [("offered", len(offered)), ("consented", len(consented)), ("completed", len(completed))]


def compute_figures(
    events: Iterable[StoredEvent],
    leads: Iterable[tuple[dt.date, str | None]],
    start: dt.date,
    end: dt.date,
    threshold: float = REVIEW_BELOW,
) -> Figures:
    """The page's figures from tracker events (user, slot and active_loop ones are used) and
    (created date, urgency) pairs of leads; anything outside [start, end] is left out."""
    days = _days(start, end)
    events = [stored for stored in events if start <= _day(stored.at) <= end]
    messages = [m for m in map(message_from, events) if m is not None and m.sender == APPLICANT]

    conversations_by_day: dict[dt.date, set[str]] = {day: set() for day in days}
    for message in messages:
        conversations_by_day[_day(message.at)].add(message.conversation_id)
    urgent_by_day = Counter(created for created, urgency in leads if urgency in URGENT and start <= created <= end)
    conversations = {message.conversation_id for message in messages}

    return Figures(
        start,
        end,
        conversations_per_day=[(day.isoformat(), len(conversations_by_day[day])) for day in days],
        topics=_largest_first(Counter(m.intent for m in messages if m.intent and m.intent not in NOT_TOPICS)),
        applicant_messages=len(messages),
        unanswered_messages=sum(is_unanswered(message, threshold) for message in messages),
        funnel=_funnel(events),
        urgent_per_day=[(day.isoformat(), urgent_by_day[day]) for day in days],
        channels=_largest_first(Counter(channel_of(conversation) for conversation in conversations)),
    )


def read_figures(
    engine: Engine,
    start: dt.date,
    end: dt.date,
    leads: Iterable[tuple[dt.date, str | None]],
    schema: str | None = None,
    threshold: float = REVIEW_BELOW,
) -> Figures:
    """The figures for [start, end], reading the tracker store's events of those days."""
    since = dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone.utc)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    return compute_figures(conversation_events(engine, since, until, schema=schema), leads, start, end, threshold)


# --- charts ---------------------------------------------------------------------------------

CHART_KINDS = ("conversations", "topics", "funnel", "urgent", "channels")
TOP_TOPICS = 12  # more bars than this do not fit the chart's height
HORIZONTAL = ("topics", "channels")
MAX_DAY_LABELS = 8  # more dates than this under the bars would overlap
BAR_COLOUR = "#3b6ea8"
WIDTH_PX, HEIGHT_PX, PX_PER_INCH = 640, 280, 96
# Text stays text in the SVG (smaller, and selectable); ids are the same on every run.
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "staff-dashboard"


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    label_heading: str  # the table's column headings
    value_heading: str
    rows: list[Row]  # what the chart shows, for the table under it
    svg: str  # an <svg> element

    @property
    def image_url(self) -> str:
        """The chart as an image the page shows. As an <img>, the SVG's own style attributes
        are drawn while the page keeps a Content-Security-Policy without inline styles."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def chart(kind: str, figures: Figures) -> Chart:
    """One chart of the page, drawn, with the rows the table under it shows."""
    headings = {
        "conversations": ("Conversations per day", "Day", "Conversations", figures.conversations_per_day),
        "topics": ("Most asked topics", "Topic (intent)", "Messages", figures.topics[:TOP_TOPICS]),
        "funnel": ("Intake: offered, consented, completed", "Stage", "Conversations", figures.funnel),
        "urgent": ("Urgent cases per day", "Day", "Urgent leads", figures.urgent_per_day),
        "channels": ("Conversations by channel", "Channel", "Conversations", figures.channels),
    }
    if kind not in headings:
        raise ValueError(f"unknown chart {kind!r} (known: {', '.join(CHART_KINDS)})")
    title, label_heading, value_heading, rows = headings[kind]
    return Chart(kind, title, label_heading, value_heading, rows, render_svg(kind, title, value_heading, rows))


def charts(figures: Figures) -> list[Chart]:
    """Every chart of the page, in the page's order."""
    return [chart(kind, figures) for kind in CHART_KINDS]


def render_svg(kind: str, title: str, value_heading: str, rows: list[Row]) -> str:
    """A bar chart as an <svg> element to inline in a page (no XML prologue or DOCTYPE)."""
    # The object API without pyplot: no global figure state, safe in a threaded server.
    figure = Figure(figsize=(WIDTH_PX / PX_PER_INCH, HEIGHT_PX / PX_PER_INCH), constrained_layout=True)
    axes = figure.subplots()
    labels = [label for label, _ in rows]
    values = [value for _, value in rows]
    scale = (0, (max(values, default=0) or 1) * 1.05)  # counts start at 0, also when there are none
    if kind in HORIZONTAL:  # names read best horizontally, the largest at the top
        axes.barh(labels[::-1], values[::-1], color=BAR_COLOUR)
        axes.set_xlabel(value_heading, fontsize=9)
        axes.set_xlim(*scale)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        positions = list(range(len(labels)))
        axes.bar(positions, values, color=BAR_COLOUR)
        step = max(1, -(-len(labels) // MAX_DAY_LABELS))  # every step-th day is labelled
        axes.set_xticks(positions[::step])
        axes.set_xticklabels(labels[::step])
        axes.set_ylabel(value_heading, fontsize=9)
        axes.set_ylim(*scale)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if not rows:  # no bars, no scale
        axes.set_xticks([])
        axes.set_yticks([])
    if not any(values):
        axes.text(0.5, 0.5, "Nothing in these dates", transform=axes.transAxes, ha="center", va="center")
    axes.set_title(title, fontsize=11)
    axes.tick_params(labelsize=8)
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(title)}" ', 1)
