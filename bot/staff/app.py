"""The firm's staff dashboard: leads, transcripts, follow-ups, what the assistant could not
answer, the knowledge base's review dates and analytics. Server-rendered pages that work
with JavaScript off.

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

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, html, raw, redirect, text
from sqlalchemy.engine import Engine

from bot.backoffice import log_privacy
from bot.backoffice.accounts import Accounts, SignedIn
from bot.backoffice.db import ROOT, database_url, make_engine, migrate
from bot.backoffice.erasure import erase
from bot.backoffice.intake import IntakeStore
from bot.backoffice.models import LEAD_STATUSES, Lead, utcnow
from bot.backoffice.transcripts import tracker_database_url, tracker_schema
from bot.rules import clock
from bot.rules.deadline import URGENT
from bot.rules.firm import FirmProfile, load_firm
from bot.staff import analytics, conversations, knowledge_review, unanswered
from bot.staff.follow_ups import as_utc, follow_ups
from bot.staff.lead_list import URGENCY_CHOICES, LeadFilter, filtered

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
MAX_NOTE_LENGTH = 4000
NOTE_PREVIEW_LIMIT = 200
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # Charts are inline SVG; no script runs anywhere.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
    ),
}
logger = logging.getLogger(__name__)


def trusted_proxies(value: str | None) -> tuple[IPv4Network | IPv6Network, ...]:
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
    review_file: Path
    proxies: tuple[IPv4Network | IPv6Network, ...] = trusted_proxies(None)
    templates: Environment = field(
        default_factory=lambda: Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)
        )
    )

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
            review_file=Path(os.environ.get("NLU_REVIEW_FILE") or ROOT / "var" / "nlu-review.yml"),
            proxies=trusted_proxies(os.environ.get("STAFF_TRUSTED_PROXIES")),
        )

    def render(self, template: str, user: SignedIn | None, status: int = 200, **values: Any) -> HTTPResponse:
        page = self.templates.get_template(template).render(user=user, firm=self.firm, **values)
        return html(page, status=status)


View = Callable[..., HTTPResponse]


def _is_local(request: Request) -> bool:
    return request.host.rsplit(":", 1)[0] in LOCAL_HOSTS if request.host else False


def _set_cookie(response: HTTPResponse, request: Request, name: str, value: str, max_age: int) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = max_age
    if not _is_local(request):  # http://localhost has no TLS; everywhere else is https
        cookie["secure"] = True


def _client_address(request: Request, proxies: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The address sign-in attempts are counted by: the client's, not the proxy's, or every
    member of staff would share one limit (and one lockout)."""
    peer = request.ip or "unknown"
    try:
        from_proxy = any(ip_address(peer) in network for network in proxies)
    except ValueError:
        from_proxy = False
    forwarded = request.headers.get("x-real-ip", "").strip() if from_proxy else ""
    return (forwarded or peer)[:64]


def _forbidden(dashboard: Dashboard, user: SignedIn | None, message: str) -> HTTPResponse:
    return dashboard.render("error.html", user, status=403, title="Not allowed", message=message)


def create_app(dashboard: Dashboard, name: str = "staff_dashboard") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.static("/static", str(HERE / "static"), name="static")

    def page(path: str, methods: tuple[str, ...] = ("GET",), attorneys_only: bool = False) -> Callable[[View], View]:
        """Registers a view that needs a signed-in account; a POST needs the session's CSRF token.
        The view runs in a thread: it may use the databases directly."""

        def register(view: View) -> View:
            def serve(request: Request, params: dict[str, Any]) -> HTTPResponse:
                user = dashboard.accounts.signed_in(request.cookies.get(SESSION_COOKIE))
                if user is None:
                    if request.method == "GET":
                        return redirect("/login?" + urlencode({"next": request.path}))
                    return redirect("/login")
                if request.method == "POST" and not secrets.compare_digest(
                    (request.form or {}).get("csrf", ""), user.csrf_token
                ):
                    return _forbidden(dashboard, user, "This form has expired. Go back, reload the page and try again.")
                if attorneys_only and not user.is_attorney:
                    return _forbidden(dashboard, user, "Only attorneys can see this page.")
                return view(request, dashboard, user, **params)

            async def handler(request: Request, **params: Any) -> HTTPResponse:
                return await asyncio.to_thread(serve, request, params)

            app.add_route(handler, path, methods=list(methods), name=view.__name__)
            return view

        return register

    async def protect(request: Request, response: BaseHTTPResponse) -> None:
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if not _is_local(request):  # served over TLS (deploy/nginx.conf): browsers keep to https
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
    page("/leads/export.csv")(export_page)
    page("/leads/<lead_id:int>")(lead_page)
    page("/leads/<lead_id:int>/status", methods=("POST",))(status_page)
    page("/leads/<lead_id:int>/notes", methods=("POST",))(note_page)
    page("/leads/<lead_id:int>/erase", methods=("GET", "POST"))(erase_page)
    page("/follow-ups")(follow_ups_page)
    page("/unanswered")(unanswered_page)
    page("/unanswered/review", methods=("POST",))(unanswered_review_page)
    page("/knowledge")(knowledge_page)
    page("/analytics")(analytics_page)
    page("/audit", attorneys_only=True)(audit_page)

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
        if dashboard.accounts.signed_in(request.cookies.get(SESSION_COOKIE)):
            return redirect(next_path)
        return _login_form(request, dashboard, next_path, error="", status=200)
    form = request.form or {}
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(form.get("csrf", ""), expected):
        return _login_form(request, dashboard, next_path, "The form had expired. Please sign in again.", 403)
    result = dashboard.accounts.sign_in(
        form.get("email", ""), form.get("password", ""), _client_address(request, dashboard.proxies)
    )
    if result.locked_minutes:
        message = f"Too many failed attempts. Try again in {result.locked_minutes} minutes."
        return _login_form(request, dashboard, next_path, message, 429)
    if result.token is None:
        return _login_form(request, dashboard, next_path, "Wrong email or password.", 401)
    response = redirect(next_path)
    _set_cookie(response, request, SESSION_COOKIE, result.token, 8 * 3600)
    _set_cookie(response, request, LOGIN_CSRF_COOKIE, "", 0)  # spent
    return response


def _login_form(request: Request, dashboard: Dashboard, next_path: str, error: str, status: int) -> HTTPResponse:
    token = secrets.token_urlsafe(32)
    email = (request.form or {}).get("email", "") if request.method == "POST" else ""
    response = dashboard.render(
        "login.html", None, status=status, csrf=token, next_path=next_path, error=error, email=email[:254]
    )
    _set_cookie(response, request, LOGIN_CSRF_COOKIE, token, 3600)
    return response


def logout_page(request: Request, dashboard: Dashboard) -> HTTPResponse:
    token = request.cookies.get(SESSION_COOKIE)
    user = dashboard.accounts.signed_in(token)
    if user is not None and not secrets.compare_digest((request.form or {}).get("csrf", ""), user.csrf_token):
        return _forbidden(dashboard, user, "This form has expired. Go back, reload the page and try again.")
    dashboard.accounts.sign_out(token)
    response = redirect("/login")
    _set_cookie(response, request, SESSION_COOKIE, "", 0)
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
        export_url="/leads/export.csv" + (f"?{export_query}" if export_query else ""),
    )


def export_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    lead_filter, _problems = LeadFilter.from_query(_query(request))
    shown = filtered(dashboard.store.leads(), lead_filter, clock.today())
    dashboard.accounts.record(
        user.email, "exported", detail=f"{len(shown)} leads{' (filtered)' if lead_filter.is_set else ''}"
    )
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
    messages = conversations.transcript(dashboard.transcripts, lead.conversation_id, dashboard.transcript_schema)
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
        sources=_sources_cited(messages),
        saved=request.args.get("saved", ""),
        max_note_length=MAX_NOTE_LENGTH,
    )


def _sources_cited(messages: list[conversations.Message]) -> list[dict[str, str]]:
    """Every source the assistant showed in the conversation, once, in the order first shown."""
    seen: dict[str, dict[str, str]] = {}
    for message in messages:
        if message.custom and message.custom.get("type") == "sources":
            for source in message.custom.get("sources") or []:
                seen.setdefault(str(source.get("url")), {k: str(v) for k, v in source.items()})
    return list(seen.values())


def status_page(request: Request, dashboard: Dashboard, user: SignedIn, lead_id: int) -> HTTPResponse:
    status = (request.form or {}).get("status", "")
    if status not in LEAD_STATUSES:
        return dashboard.render(
            "error.html", user, status=400, title="Unknown status", message=f"{status!r} is not a lead status."
        )
    old = dashboard.store.set_status(lead_id, status)
    if old is None:
        return _no_such_lead(dashboard, user, lead_id)
    if old != status:
        dashboard.accounts.record(user.email, "changed status", lead_id, f"{old} -> {status}")
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
    dashboard.accounts.record(user.email, "added note", lead_id)
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
    leads_by_conversation = {lead.conversation_id: lead.id for lead in dashboard.store.leads()}
    return dashboard.render("follow_ups.html", user, found=found, leads=leads_by_conversation, as_utc=as_utc)


def _unanswered_since(request: Request) -> tuple[int, dt.datetime]:
    try:
        days = max(1, min(365, int(request.args.get("days", "30"))))
    except ValueError:
        days = 30
    return days, utcnow() - dt.timedelta(days=days)


def unanswered_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    days, since = _unanswered_since(request)
    messages = conversations.applicant_messages(dashboard.transcripts, since, dashboard.transcript_schema)
    decided = dashboard.store.reviewed_message_keys()
    open_messages = [
        message
        for message in messages
        if unanswered.needs_review(message) and unanswered.message_key(message.text) not in decided
    ]
    return dashboard.render(
        "unanswered.html",
        user,
        groups=unanswered.group_messages(open_messages),
        days=days,
        intents=analytics.domain_intents(),
        threshold=unanswered.REVIEW_BELOW,
        saved=request.args.get("saved", ""),
    )


def unanswered_review_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    form = request.form or {}
    decision = form.get("decision", "")
    intent = form.get("intent", "")
    texts = [text for text in (request.form.getlist("text") if request.form else None) or [] if text.strip()]
    if decision not in ("intent", "out_of_scope") or not texts:
        return dashboard.render("error.html", user, status=400, title="Not saved", message="Choose a decision.")
    if decision == "intent" and intent not in analytics.domain_intents():
        return dashboard.render(
            "error.html", user, status=400, title="Not saved", message="Choose one of the assistant's intents."
        )
    if decision == "intent":
        for message_text in texts:  # for the next training, after a person checks the file; never trains itself
            unanswered.append_for_review(dashboard.review_file, message_text, intent, user.email, utcnow())
    dashboard.store.record_review([unanswered.message_key(t) for t in texts], decision, intent or None, user.email)
    detail = f"{len(texts)} messages: {'should be ' + intent if decision == 'intent' else 'out of scope'}"
    dashboard.accounts.record(user.email, "reviewed unanswered", detail=detail)
    return redirect("/unanswered?saved=1")


def knowledge_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    rows = knowledge_review.review_rows(clock.today())
    return dashboard.render("knowledge.html", user, rows=rows, today=clock.today())


def analytics_page(request: Request, dashboard: Dashboard, user: SignedIn) -> HTTPResponse:
    today = clock.today()
    problems = []
    try:
        start = dt.date.fromisoformat(request.args.get("from") or (today - dt.timedelta(days=29)).isoformat())
        end = dt.date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        problems.append("A date was not YYYY-MM-DD: showing the last 30 days.")
        start, end = today - dt.timedelta(days=29), today
    if end < start:
        start, end = end, start
    leads = [(as_utc(lead.created_at).date(), lead.current_urgency(today)) for lead in dashboard.store.leads()]
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
