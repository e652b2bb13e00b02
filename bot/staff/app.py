"""The firm's staff dashboard: leads, transcripts, follow-ups, what the assistant could not
answer, the knowledge base (attorneys' sign-offs, source-check dates) and analytics.
Server-rendered pages that work with JavaScript off.

    python -m bot.staff.app [--host 127.0.0.1] [--port 8000]

Every page but /login and /health needs a signed-in account (made with
`make staff ARGS="users add EMAIL --role attorney|staff"`). The pages show personal
data: they are never cached (Cache-Control: no-store) and the server keeps no access
log (URLs carry search words). Database work runs in threads, off the event loop.
"""

import argparse
import asyncio
import datetime as dt
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, html, raw, redirect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.backoffice import handoffs, log_privacy
from bot.backoffice.accounts import SESSION_HOURS, Accounts, SignedIn, normalise_email
from bot.backoffice.db import database_url, make_engine, migrate
from bot.backoffice.erasure import erase
from bot.backoffice.intake import IntakeStore, StatusChanged
from bot.backoffice.models import LEAD_STATUSES, Lead, as_utc, utcnow
from bot.backoffice.signoffs import counts_as_current, history, latest_signoffs, record_signoff
from bot.backoffice.transcripts import tracker_database_url, tracker_schema
from bot.language import DEFAULT_LANGUAGE, LANGUAGES, english_name
from bot.rules import clock
from bot.rules.deadline import URGENT
from bot.rules.firm import FirmProfile, load_firm
from bot.rules.intents import domain_intents
from bot.rules.knowledge import KnowledgeBase
from bot.staff import analytics, conversations, knowledge_review, live, unanswered
from bot.staff.follow_ups import follow_ups
from bot.staff.lead_list import URGENCY_CHOICES, LeadFilter, filtered
from bot.staff.live import LiveState

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
DEVICE_COOKIE = "staff_device"  # a browser signed in from before (bot/backoffice/accounts.py)
DEVICE_DAYS = 365
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
MAX_NOTE_LENGTH = 4000
MAX_ANALYTICS_DAYS = 366  # a year at a time: longer ranges cost seconds and megabytes
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # No script runs anywhere; the charts are images (data: URLs), styles come from /static only.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
    ),
}
logger = logging.getLogger(__name__)


Proxies = tuple[IPv4Network | IPv6Network, ...]


def trusted_proxies(value: str | None) -> Proxies:
    """STAFF_TRUSTED_PROXIES: the addresses (or networks) of the proxies in front, whose X-Real-IP
    names the client (deploy/nginx.conf sets it). Default: a proxy on this machine only."""
    return tuple(
        ip_network(part.strip(), strict=False) for part in (value or "127.0.0.1,::1").split(",") if part.strip()
    )


@dataclass
class Dashboard:
    """What the pages work with; one per process."""

    accounts: Accounts
    store: IntakeStore
    transcripts: Engine
    transcript_schema: str | None
    firm: FirmProfile
    proxies: Proxies = trusted_proxies(None)
    live: LiveState = field(default_factory=LiveState)  # the live chat's rate limits and retries
    templates: Environment = field(
        default_factory=lambda: Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)
        )
    )

    def __post_init__(self) -> None:
        self.templates.filters["web_link"] = web_link
        self.templates.filters["language_name"] = english_name  # "es" -> "Spanish": the dashboard is English

    @classmethod
    def from_environment(cls) -> "Dashboard":
        engine = make_engine(database_url())
        migrate(engine)
        return cls(
            accounts=Accounts(engine),
            store=IntakeStore(engine),
            transcripts=make_engine(tracker_database_url()),
            transcript_schema=tracker_schema(),
            firm=load_firm(),
            proxies=trusted_proxies(os.environ.get("STAFF_TRUSTED_PROXIES")),
        )

    def render(self, template: str, user: SignedIn | None, status: int = 200, **values: Any) -> HTTPResponse:
        if user is not None and "live_waiting" not in values:
            values["live_waiting"] = self.live_waiting()
        page = self.templates.get_template(template).render(user=user, firm=self.firm, **values)
        return html(page, status=status)

    def live_waiting(self) -> int | None:
        """Applicants waiting for a person, for the navigation on every page (staff on another page
        see that someone asks, without a script); None when the database cannot say."""
        try:
            return handoffs.waiting_count(self.store)
        except SQLAlchemyError:
            return None


View = Callable[..., HTTPResponse]


def _from_proxy(request: Request, proxies: Proxies) -> bool:
    """Whether the request came through a proxy in STAFF_TRUSTED_PROXIES, whose headers are believed."""
    try:
        return any(ip_address(request.ip or "") in network for network in proxies)
    except ValueError:
        return False


def _over_tls(request: Request, proxies: Proxies) -> bool:
    """Whether the browser reached us over https: a trusted proxy says so, or the host name is not
    this machine's (http://localhost is the only address served without TLS)."""
    if _from_proxy(request, proxies) and request.headers.get("x-forwarded-proto", "").lower() == "https":
        return True
    return not request.host or request.host.rsplit(":", 1)[0] not in LOCAL_HOSTS


def _cookie_name(request: Request, proxies: Proxies, name: str) -> str:
    """Over TLS, "__Host-<name>": browsers take such a cookie only from this very host, secure,
    for the whole site, so a neighbouring subdomain cannot plant a session or CSRF cookie.
    (http://localhost cannot carry the prefix: it needs the Secure flag.)"""
    return f"__Host-{name}" if _over_tls(request, proxies) else name


def _cookie(request: Request, proxies: Proxies, name: str) -> str | None:
    return request.cookies.get(_cookie_name(request, proxies, name))


def _set_cookie(
    response: HTTPResponse, request: Request, proxies: Proxies, name: str, value: str, max_age: int
) -> None:
    name = _cookie_name(request, proxies, name)
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = max_age
    if _over_tls(request, proxies):
        cookie["secure"] = True


def _client_address(request: Request, proxies: Proxies) -> str:
    """The address sign-in attempts are counted by: the client's, not the proxy's, or every
    member of staff would share one limit (and one lockout)."""
    peer = request.ip or "unknown"
    forwarded = request.headers.get("x-real-ip", "").strip() if _from_proxy(request, proxies) else ""
    try:
        return str(ip_address(forwarded))
    except ValueError:  # absent, or not an address: the proxy's own address counts
        return peer[:64]


def _same_token(given: str, expected: str) -> bool:
    """Constant-time; any characters (compare_digest refuses non-ASCII text)."""
    return bool(expected) and secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _forbidden(dashboard: Dashboard, user: SignedIn | None, message: str) -> HTTPResponse:
    return dashboard.render("error.html", user, status=403, title="Not allowed", message=message)


def create_app(dashboard: Dashboard, name: str = "staff_dashboard") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.static("/static", str(HERE / "static"), name="static")

    def signed_in(request: Request) -> SignedIn | None:
        return dashboard.accounts.signed_in(_cookie(request, dashboard.proxies, SESSION_COOKIE))

    def page(path: str, methods: tuple[str, ...] = ("GET",), attorneys_only: bool = False) -> Callable[[View], View]:
        """Registers a view that needs a signed-in account; a POST needs the session's CSRF token.
        The view runs in a thread: it may use the databases directly."""

        def register(view: View) -> View:
            def serve(request: Request, params: dict[str, Any]) -> HTTPResponse:
                user = signed_in(request)
                if user is None:
                    if request.method == "GET":
                        asked = request.path + (f"?{request.query_string}" if request.query_string else "")
                        return redirect("/login?" + urlencode({"next": asked}))
                    return redirect("/login")
                if request.method == "POST" and not _same_token((request.form or {}).get("csrf", ""), user.csrf_token):
                    return _forbidden(dashboard, user, "This form has expired. Go back, reload the page and try again.")
                if attorneys_only and not user.is_attorney:
                    dashboard.accounts.record(user.email, "refused", detail=f"attorneys only: {request.path[:100]}")
                    return _forbidden(dashboard, user, "Only attorneys can do this: ask one of the firm's attorneys.")
                return view(request, dashboard, user, **params)

            async def handler(request: Request, **params: Any) -> HTTPResponse:
                return await asyncio.to_thread(serve, request, params)

            app.add_route(handler, path, methods=list(methods), name=view.__name__)
            return view

        return register

    async def protect(request: Request, response: BaseHTTPResponse) -> None:
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if _over_tls(request, dashboard.proxies):  # browsers keep to https from now on
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")

    app.register_middleware(protect, "response")

    @app.get("/health")
    async def health(_request: Request) -> HTTPResponse:
        return text("ok")

    @app.route("/login", methods=["GET", "POST"])
    async def login(request: Request) -> HTTPResponse:
        return await asyncio.to_thread(login_page, request, dashboard)

    @app.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        return await asyncio.to_thread(logout_page, request, dashboard)

    page("/")(home_page)
    page("/leads")(leads_page)
    page("/leads/export.csv", attorneys_only=True)(export_page)
    page("/leads/<lead_id:int>")(lead_page)
    page("/leads/<lead_id:int>/status", methods=("POST",))(status_page)
    page("/leads/<lead_id:int>/notes", methods=("POST",))(note_page)
    page("/leads/<lead_id:int>/erase", methods=("GET", "POST"), attorneys_only=True)(erase_page)
    page("/follow-ups")(follow_ups_page)
    page("/unanswered")(unanswered_page)
    page("/unanswered/review", methods=("POST",))(unanswered_review_page)
    page("/unanswered/review-file.yml")(review_file_page)
    page("/knowledge")(knowledge_page)
    page("/knowledge/<entry_id>")(knowledge_entry_page)
    page("/knowledge/<entry_id>/sign-off", methods=("POST",))(sign_off_page)
    page("/analytics")(analytics_page)
    page("/audit", attorneys_only=True)(audit_page)
    live.register(app, dashboard, page, signed_in, SECURITY_HEADERS["Content-Security-Policy"])
    timers: list[asyncio.Task[None]] = []

    async def start_timers(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        timers.append(asyncio.create_task(live.keep_timers(dashboard)))  # live chats nobody answers end

    async def stop_timers(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        for task in timers:
            task.cancel()

    app.register_listener(start_timers, "after_server_start")
    app.register_listener(stop_timers, "before_server_stop")

    async def failure(request: Request, error: Exception) -> HTTPResponse:
        status = getattr(error, "status_code", 500)
        if status == 500:
            # The type only: an exception's message can carry a lead's data (log_privacy).
            logger.error("Dashboard page %s failed: %s", request.path, type(error).__name__)
        message = "There is no such page." if status == 404 else "Something went wrong; please try again."
        return dashboard.render("error.html", None, status=status, title="Error", message=message)

    app.error_handler.add(Exception, failure)
    return app


# --- signing in and out ----------------------------------------------------------------------


def login_page(request: Request, dashboard: Dashboard) -> HTTPResponse:
    next_path = request.args.get("next", "") or (request.form or {}).get("next", "")
    if not next_path.startswith("/") or next_path.startswith("//") or "\\" in next_path:  # never off-site
        next_path = "/leads"
    if request.method == "GET":
        if dashboard.accounts.signed_in(_cookie(request, dashboard.proxies, SESSION_COOKIE)):
            return redirect(next_path)
        return _login_form(request, dashboard, next_path, error="", status=200)
    form = request.form or {}
    expected = _cookie(request, dashboard.proxies, LOGIN_CSRF_COOKIE) or ""
    if not _same_token(form.get("csrf", ""), expected):
        return _login_form(request, dashboard, next_path, "The form had expired. Please sign in again.", 403)
    result = dashboard.accounts.sign_in(
        form.get("email", ""),
        form.get("password", ""),
        _client_address(request, dashboard.proxies),
        _cookie(request, dashboard.proxies, DEVICE_COOKIE),
    )
    attempted = normalise_email(form.get("email", ""))[:254] or "(no email)"
    if result.busy:
        dashboard.accounts.record(attempted, "sign-in refused", detail="too many sign-ins at once")
        message = "Many people are signing in at this moment. Please try again in a few seconds."
        busy = _login_form(request, dashboard, next_path, message, 503)
        busy.headers["Retry-After"] = "5"
        return busy
    if result.locked_minutes:
        dashboard.accounts.record(attempted, "sign-in refused", detail="too many failed attempts")
        message = f"Too many failed attempts. Try again in {result.locked_minutes} minutes."
        return _login_form(request, dashboard, next_path, message, 429)
    if result.token is None:
        dashboard.accounts.record(attempted, "sign-in failed")
        return _login_form(request, dashboard, next_path, "Wrong email or password.", 401)
    dashboard.accounts.record(
        attempted, "signed in", detail="known browser" if not result.device_token else "new browser"
    )
    response = redirect(next_path)
    _set_cookie(response, request, dashboard.proxies, SESSION_COOKIE, result.token, SESSION_HOURS * 3600)
    _set_cookie(response, request, dashboard.proxies, LOGIN_CSRF_COOKIE, "", 0)  # spent
    if result.device_token:
        _set_cookie(response, request, dashboard.proxies, DEVICE_COOKIE, result.device_token, DEVICE_DAYS * 86400)
    return response


def _login_form(request: Request, dashboard: Dashboard, next_path: str, error: str, status: int) -> HTTPResponse:
    token = secrets.token_urlsafe(32)
    email = (request.form or {}).get("email", "") if request.method == "POST" else ""
    response = dashboard.render(
        "login.html", None, status=status, csrf=token, next_path=next_path, error=error, email=email[:254]
    )
    _set_cookie(response, request, dashboard.proxies, LOGIN_CSRF_COOKIE, token, 3600)
    return response


def logout_page(request: Request, dashboard: Dashboard) -> HTTPResponse:
    token = _cookie(request, dashboard.proxies, SESSION_COOKIE)
    user = dashboard.accounts.signed_in(token)
    if user is not None and not _same_token((request.form or {}).get("csrf", ""), user.csrf_token):
        return _forbidden(dashboard, user, "This form has expired. Go back, reload the page and try again.")
    dashboard.accounts.sign_out(token)
    if user is not None:
        handoffs.set_available(dashboard.store, user.id, False, utcnow())  # no live chats for someone gone
        dashboard.accounts.record(user.email, "signed out")
    response = redirect("/login")
    _set_cookie(response, request, dashboard.proxies, SESSION_COOKIE, "", 0)
    return response


# --- leads -------------------------------------------------------------------------------------


def home_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    return redirect("/leads")


def _query(request: Request) -> dict[str, str]:
    return {name: request.args.get(name, "") for name in request.args}


def leads_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    lead_filter, problems = LeadFilter.from_query(_query(request))
    today = clock.today()
    every_lead = dashboard.store.leads()
    shown = filtered(every_lead, lead_filter, today)
    export_query = urlencode({k: v for k, v in _query(request).items() if v})
    # Which filters, never their values: a search is often a name.
    used = sorted(name for name, value in _query(request).items() if value)
    dashboard.accounts.record(
        user.email,
        "searched leads" if lead_filter.is_set else "listed leads",
        detail=f"{len(shown)} shown" + (f"; filters: {', '.join(used)}" if used else ""),
    )
    return dashboard.render(
        "leads.html",
        user,
        leads=shown,
        total=len(every_lead),
        lead_filter=lead_filter,
        problems=problems,
        today=today,
        urgent=URGENT,
        urgency_choices=URGENCY_CHOICES,
        statuses=LEAD_STATUSES,
        channels=sorted({lead.channel for lead in every_lead}),
        languages=LANGUAGES,
        export_url="/leads/export.csv" + (f"?{export_query}" if export_query else ""),
    )


def export_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    lead_filter, _problems = LeadFilter.from_query(_query(request))
    shown = filtered(dashboard.store.leads(), lead_filter, clock.today())
    dashboard.store.record_export(user.email, [lead.id for lead in shown])
    body = dashboard.store.export_csv(shown)
    filename = f"leads-{clock.today().isoformat()}.csv"
    return raw(
        body.encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _no_such_lead(dashboard: Dashboard, user: SignedIn, lead_id: int) -> HTTPResponse:
    return dashboard.render(
        "error.html", user, status=404, title="No such lead", message=f"There is no lead #{lead_id}."
    )


def _lead_or_404(dashboard: Dashboard, user: SignedIn, lead_id: int) -> Lead | HTTPResponse:
    lead = dashboard.store.lead(lead_id)
    return _no_such_lead(dashboard, user, lead_id) if lead is None else lead


def lead_page(request: Request, dashboard: Dashboard, user: SignedIn, lead_id: int) -> HTTPResponse:
    lead = _lead_or_404(dashboard, user, lead_id)
    if isinstance(lead, HTTPResponse):
        return lead
    dashboard.accounts.record(user.email, "viewed", lead_id)
    try:
        messages: list[conversations.Message] | None = conversations.transcript(
            dashboard.transcripts, lead.conversation_id, dashboard.transcript_schema
        )
    except SQLAlchemyError as error:  # the rest of the page is still of use
        logger.warning("Transcript of lead %s unavailable: %s", lead.id, type(error).__name__)
        messages = None
    today = clock.today()
    return dashboard.render(
        "lead.html",
        user,
        lead=lead,
        today=today,
        days_left=(lead.deadline - today).days if lead.deadline else None,
        urgency=lead.current_urgency(today),
        urgent=URGENT,
        statuses=LEAD_STATUSES,
        messages=messages,
        sources=_sources_cited(messages or []),
        saved=request.args.get("saved", ""),
        max_note_length=MAX_NOTE_LENGTH,
    )


def _sources_cited(messages: list[conversations.Message]) -> list[dict[str, str]]:
    """Every source the assistant showed in the conversation, once, in the order first shown."""
    seen: dict[str, dict[str, str]] = {}
    for message in messages:
        if message.custom and message.custom.get("type") == "sources":
            listed = message.custom.get("sources")
            for source in listed if isinstance(listed, list) else []:
                if isinstance(source, dict) and source.get("title"):
                    seen.setdefault(str(source.get("url")), {k: str(v) for k, v in source.items()})
    return list(seen.values())


def web_link(url: object) -> str | None:
    """The URL when it is an http(s) address, else None: stored data never becomes a javascript: link."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else None


def status_page(request: Request, dashboard: Dashboard, user: SignedIn, lead_id: int) -> HTTPResponse:
    status = (request.form or {}).get("status", "")
    if status not in LEAD_STATUSES:
        return dashboard.render(
            "error.html", user, status=400, title="Unknown status", message=f"{status!r} is not a lead status."
        )
    expected = (request.form or {}).get("expected", "")  # the status the page showed
    try:
        old = dashboard.store.set_status(lead_id, status, user.email, expected)
    except StatusChanged as changed:
        message = f"Someone changed this lead's status to {changed.current!r} meanwhile; yours was not saved."
        return dashboard.render("error.html", user, status=409, title="Changed meanwhile", message=message)
    if old is None:
        return _no_such_lead(dashboard, user, lead_id)
    return redirect(f"/leads/{lead_id}?saved=status")


def note_page(request: Request, dashboard: Dashboard, user: SignedIn, lead_id: int) -> HTTPResponse:
    note = (request.form or {}).get("note", "").strip()
    if not note or len(note) > MAX_NOTE_LENGTH:
        return dashboard.render(
            "error.html",
            user,
            status=400,
            title="Note not saved",
            message=f"A note needs some text, at most {MAX_NOTE_LENGTH} characters.",
        )
    if not dashboard.store.add_note(lead_id, user.email, note):
        return _no_such_lead(dashboard, user, lead_id)
    return redirect(f"/leads/{lead_id}?saved=note")


def erase_page(request: Request, dashboard: Dashboard, user: SignedIn, lead_id: int) -> HTTPResponse:
    lead = _lead_or_404(dashboard, user, lead_id)
    if isinstance(lead, HTTPResponse):
        return lead
    if request.method == "GET":
        others = [other for other in dashboard.store.leads() if other.conversation_id == lead.conversation_id]
        return dashboard.render("erase.html", user, lead=lead, leads_in_conversation=len(others))
    if (request.form or {}).get("confirm") != "yes":
        return redirect(f"/leads/{lead_id}/erase")
    # The same erasure an applicant can ask for: recorded first, retried by send-due if a database is down.
    request_id = dashboard.store.request_erasure(lead.conversation_id)
    done = erase(dashboard.store, dashboard.transcripts, dashboard.transcript_schema, request_id, lead.conversation_id)
    dashboard.accounts.record(
        user.email, "erased", lead_id, "complete" if done is not None else "recorded, to be completed"
    )
    return dashboard.render("erased.html", user, lead_id=lead_id, removed=done)


# --- the other pages --------------------------------------------------------------------------


def follow_ups_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    found = follow_ups(dashboard.store, dashboard.firm, utcnow())
    dashboard.accounts.record(user.email, "viewed follow-ups")
    return dashboard.render("follow_ups.html", user, found=found, zone=ZoneInfo(dashboard.firm.office_timezone))


def _days(value: str | None) -> int:
    """The unanswered page's period: 1 to 365 days, 30 unless asked otherwise."""
    try:
        return max(1, min(365, int(value or "30")))
    except ValueError:
        return 30


def _language(value: str | None) -> str:
    """A language filter: one of the assistant's languages, or "" for all."""
    return value if value in LANGUAGES else ""


def _waiting_for_review(dashboard: Dashboard, days: int, language: str = "") -> list[conversations.Message]:
    since = utcnow() - dt.timedelta(days=days)
    messages = conversations.applicant_messages(dashboard.transcripts, since, dashboard.transcript_schema)
    return unanswered.to_review(messages, dashboard.store.reviewed_message_keys(), language=language)


def unanswered_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    days = _days(request.args.get("days"))
    language = _language(request.args.get("language"))
    waiting = _waiting_for_review(dashboard, days, language)
    return dashboard.render(
        "unanswered.html",
        user,
        groups=unanswered.group_messages(waiting),
        capped=len(waiting) >= unanswered.MAX_GROUPED,
        days=days,
        language=language,
        languages=LANGUAGES,
        intents=domain_intents(),
        threshold=unanswered.REVIEW_BELOW,
        saved=request.args.get("saved", ""),
        filed=len(dashboard.store.messages_for_training()),
    )


def unanswered_review_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    """A decision on a group: the form names its messages by key; their words and conversations
    are looked up here, never taken from the browser."""
    form = request.form or {}
    decision, intent, days = form.get("decision", ""), form.get("intent", ""), _days(form.get("days"))
    language = _language(form.get("language"))
    keys = set(request.form.getlist("key") or []) if request.form else set()
    if decision not in ("intent", "out_of_scope") or not keys:
        return dashboard.render("error.html", user, status=400, title="Not saved", message="Choose a decision.")
    if decision == "intent" and intent not in domain_intents():
        return dashboard.render(
            "error.html", user, status=400, title="Not saved", message="Choose one of the assistant's intents."
        )
    filed = [
        (key, message.conversation_id, message.text, message.at)
        for message in _waiting_for_review(dashboard, days)
        for key in [unanswered.message_key(message.text)]
        if key in keys
    ]
    new = dashboard.store.record_review(filed, decision, intent if decision == "intent" else None, user.email)
    detail = f"{new} messages: {'should be ' + intent if decision == 'intent' else 'out of scope'}"
    dashboard.accounts.record(user.email, "reviewed unanswered", detail=detail)
    shown = {"days": days, "language": language} if language else {"days": days}
    return redirect(f"/unanswered?{urlencode(shown)}&saved=1")


def review_file_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    """The review file for the next training, made from the database (where erasure reaches it)."""
    entries = [
        unanswered.FiledMessage(row.intent, row.text, row.reviewed_by, as_utc(row.reviewed_at))
        for row in dashboard.store.messages_for_training()
    ]
    dashboard.accounts.record(user.email, "downloaded review file", detail=f"{len(entries)} messages")
    return raw(
        unanswered.review_file(entries).encode("utf-8"),
        content_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="nlu-review.yml"'},
    )


def knowledge_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    # The files as they are now (as a restarted action server would load them).
    signoffs = {language: latest_signoffs(dashboard.store, language=language) for language in LANGUAGES}
    rows = knowledge_review.review_rows(clock.today(), signoffs=signoffs)
    return dashboard.render(
        "knowledge.html",
        user,
        rows=rows,
        counts=knowledge_review.signed_counts(rows),
        languages=LANGUAGES,
        today=clock.today(),
    )


def _no_such_entry(dashboard: Dashboard, user: SignedIn, entry_id: str) -> HTTPResponse:
    message = f"The knowledge base has no entry {entry_id!r}."
    return dashboard.render("error.html", user, status=404, title="No such entry", message=message)


def knowledge_entry_page(request: Request, dashboard: Dashboard, user: SignedIn, entry_id: str) -> HTTPResponse:
    entry = KnowledgeBase.load().entries.get(entry_id)
    if entry is None:
        return _no_such_entry(dashboard, user, entry_id)
    signoffs = history(dashboard.store, entry_id, language=None)  # every language's, newest first
    texts = knowledge_review.entry_texts(entry, signoffs)
    saved = request.args.get("saved", "")
    return dashboard.render(
        "knowledge_entry.html",
        user,
        entry=entry,
        texts=texts,
        signoffs=signoffs,
        current={text.language: text.content_hash for text in texts},
        saved=saved if saved in LANGUAGES else "",
    )


def sign_off_page(request: Request, dashboard: Dashboard, user: SignedIn, entry_id: str) -> HTTPResponse:
    """An attorney signs off the entry's text in one language as the page showed it: the form
    carries the language and the content hash read, and a sign-off of a text changed since is
    refused (it would vouch for unread words), as is one of a language the assistant does not
    speak, of a text the entry lacks, or of a translation out of date."""
    if not user.is_attorney:
        return _forbidden(dashboard, user, "Only attorneys can sign off knowledge-base entries.")
    entry = KnowledgeBase.load().entries.get(entry_id)
    if entry is None:
        return _no_such_entry(dashboard, user, entry_id)
    form = request.form or {}
    language = form.get("language") or DEFAULT_LANGUAGE  # a form from before languages: the English
    if language not in LANGUAGES:
        speaks = ", ".join(f"{english_name(code)} ({code})" for code in LANGUAGES)
        message = f"The assistant does not speak {language[:20]!r}: nothing was signed. It speaks {speaks}."
        return dashboard.render("error.html", user, status=400, title="No such language", message=message)
    name = english_name(language)
    if language != DEFAULT_LANGUAGE and entry.translation(language) is None:
        message = (
            f"This entry has no {name} text: nothing was signed. {name} conversations are shown its English, "
            "which its English sign-off covers."
        )
        return dashboard.render("error.html", user, status=404, title="No such text", message=message)
    if form.get("content_hash") != entry.content_hash_in(language):
        message = (
            f"This entry's {name} text changed after the page was shown; nothing was signed. "
            "Read it again, then sign off."
        )
        return dashboard.render("error.html", user, status=409, title="Changed meanwhile", message=message)
    if not counts_as_current(entry, language):
        message = (
            f"This entry's {name} text is out of date: its English changed after it was translated. "
            "Nothing was signed; the translation needs renewing first."
        )
        return dashboard.render("error.html", user, status=409, title="Translation out of date", message=message)
    record_signoff(dashboard.store, entry, user.email, language)
    return redirect(f"/knowledge/{entry_id}?saved={language}")


def analytics_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    today = clock.today()
    problems = []
    try:
        start = dt.date.fromisoformat(request.args.get("from") or (today - dt.timedelta(days=29)).isoformat())
        end = dt.date.fromisoformat(request.args.get("to") or today.isoformat())
    except (ValueError, OverflowError):
        problems.append("A date was not YYYY-MM-DD: showing the last 30 days.")
        start, end = today - dt.timedelta(days=29), today
    if end < start:
        start, end = end, start
    end = min(end, today + dt.timedelta(days=MAX_ANALYTICS_DAYS))  # nothing is stored later than today
    if (end - start).days >= MAX_ANALYTICS_DAYS:
        problems.append(f"At most {MAX_ANALYTICS_DAYS} days at a time: showing the {MAX_ANALYTICS_DAYS} up to {end}.")
        start = end - dt.timedelta(days=MAX_ANALYTICS_DAYS - 1)
    # Urgency as it was at intake: a past day's count does not change as deadlines pass.
    leads = [(as_utc(lead.created_at).date(), lead.urgency) for lead in dashboard.store.leads()]
    figures = analytics.read_figures(dashboard.transcripts, start, end, leads, dashboard.transcript_schema)
    return dashboard.render(
        "analytics.html",
        user,
        figures=figures,
        charts=analytics.charts(figures),
        start=start,
        end=end,
        problems=problems,
    )


def audit_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    return dashboard.render("audit.html", user, events=dashboard.accounts.audit_log())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("STAFF_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STAFF_PORT", "8000")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log_privacy.install()
    app = create_app(Dashboard.from_environment())
    # No access log: the lead list's search words are in its URLs.
    app.run(host=args.host, port=args.port, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
