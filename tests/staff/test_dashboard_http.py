"""The staff dashboard over plain HTTP (no browser, no assistant): the real app on a free port with a
real SQLite database, for what a browser test cannot see or would spend long on."""

import datetime as dt
import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import text

from bot.backoffice.db import make_engine, migrate
from bot.backoffice.intake import IntakeStore
from bot.backoffice.summary import case_summary
from bot.staff.app import _sources_cited, web_link
from bot.staff.conversations import Message
from scripts.serve import running_dashboard
from tests.common import add_staff_account, lead, refusing_port, unused_port

PASSWORD = "correct horse battery staple"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies kept, redirects not followed: each answer is seen as sent."""

    def __init__(self, base):
        self.base, self.cookies = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path, form=None, headers=None):
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, html.unescape(response.read().decode())
        except urllib.error.HTTPError as error:
            return error.code, error.headers, html.unescape(error.read().decode())

    def sign_in(self, email, password=PASSWORD, next_path=None, headers=None):
        _, _, page = self.request("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = {"csrf": token, "email": email, "password": password}
        if next_path is not None:
            form["next"] = next_path
        return self.request("/login", form, headers)

    def csrf(self, path="/leads"):
        return re.search(r'name="csrf" value="([^"]+)"', self.request(path)[2]).group(1)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dashboard-http")
    env = {
        "BOT_TODAY": "2026-06-15",
        "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "TRACKER_DATABASE_URL": f"sqlite:///{workdir / 'conversations.db'}",
    }
    engine = make_engine(env["DATABASE_URL"])
    migrate(engine)
    answers = lead(conversation_id="rest-a", person_name="Ravi Kumar")
    IntakeStore(engine).save_lead(answers, case_summary(answers), [])
    # Urgent on the day of intake; with BOT_TODAY far before its deadline, "later" now.
    was_urgent = lead(conversation_id="rest-b", person_name="Mei Chen", urgency="within_30_days")
    IntakeStore(engine).save_lead(was_urgent, case_summary(was_urgent), [])
    for email in ("a@firm.example", "b@firm.example", "c@firm.example", "d@firm.example", "e@firm.example"):
        add_staff_account(env, email, "attorney", PASSWORD)
    add_staff_account(env, "s@firm.example", "staff", PASSWORD)
    port = unused_port()
    with open(workdir / "dashboard.log", "w") as log, running_dashboard(port, env=env, log=log):
        yield f"http://127.0.0.1:{port}", engine


def test_every_answer_is_uncacheable_and_framed_by_no_one(dashboard):
    base, _ = dashboard
    for path in ["/login", "/leads", "/health", "/no-such-page"]:
        _, headers, _ = Browser(base).request(path)
        assert headers["Cache-Control"] == "no-store", path
        assert headers["X-Frame-Options"] == "DENY" and "script-src" not in headers["Content-Security-Policy"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_signing_in_never_sends_the_browser_off_site(dashboard):
    base, _ = dashboard
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example/"]:
        status, headers, _ = Browser(base).sign_in("a@firm.example", next_path=target)
        assert (status, headers["Location"]) == (302, "/leads"), target
    status, headers, _ = Browser(base).sign_in("a@firm.example", next_path="/follow-ups")
    assert (status, headers["Location"]) == (302, "/follow-ups")


def sign_in_over_tls(base, email, headers):
    """Signing in as a browser does over https (the server sees a public Host, or a proxy's
    X-Forwarded-Proto): its cookies are Secure, which urllib's jar keeps from plain http, so
    they are carried by hand here."""
    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(urllib.request.Request(base + "/login", headers=headers), timeout=30) as page:
        csrf_cookie = next(c for c in page.headers.get_all("Set-Cookie") if c.startswith("__Host-staff_login_csrf="))
        token = re.search(r'name="csrf" value="([^"]+)"', page.read().decode()).group(1)
    form = urllib.parse.urlencode({"csrf": token, "email": email, "password": PASSWORD}).encode()
    cookie = {"Cookie": csrf_cookie.split(";")[0]}
    try:
        opener.open(urllib.request.Request(base + "/login", form, {**headers, **cookie}), timeout=30)
    except urllib.error.HTTPError as error:  # the redirect after signing in
        return error.code, error.headers
    raise AssertionError("signing in did not redirect")


def test_the_session_cookie_is_secure_on_any_host_but_localhost(dashboard):
    base, _ = dashboard
    status, headers, _ = Browser(base).sign_in("a@firm.example")
    local = headers["Set-Cookie"]
    assert status == 302 and "HttpOnly" in local and "SameSite=Strict" in local and "Secure" not in local
    status, headers = sign_in_over_tls(base, "a@firm.example", {"Host": "staff.firm.example"})
    assert status == 302 and headers["Strict-Transport-Security"].startswith("max-age=")
    # Over TLS the cookies carry the __Host- prefix (issue 23, finding 10): this host only, secure, whole site.
    session = next(c for c in headers.get_all("Set-Cookie") if c.startswith("__Host-staff_session="))
    assert "Secure" in session and "Path=/" in session and "Domain" not in session
    assert not [c for c in headers.get_all("Set-Cookie") if c.startswith("staff_session=")]


def test_a_form_from_an_old_or_another_session_is_refused(dashboard):
    base, engine = dashboard
    first, second = Browser(base), Browser(base)
    first.sign_in("a@firm.example")
    second.sign_in("a@firm.example")
    lead_id = IntakeStore(engine).leads()[0].id
    status, _, page = first.request(f"/leads/{lead_id}/status", {"status": "closed", "csrf": second.csrf()})
    assert status == 403 and "This form has expired" in page
    assert IntakeStore(engine).lead(lead_id).status == "new"
    # Signing out is a form too: a page elsewhere cannot sign staff out.
    assert first.request("/logout", {})[0] == 403
    assert first.request("/leads")[0] == 200
    assert first.request("/logout", {"csrf": first.csrf()})[0] == 302
    assert first.request("/leads")[0] == 302


def test_the_limit_per_address_counts_the_client_behind_a_proxy_on_this_machine(dashboard):
    """nginx passes the client's address in X-Real-IP: guesses from one client lock that client,
    not every member of staff behind the same proxy."""
    base, _ = dashboard
    for attempt in range(20):
        Browser(base).sign_in(f"guess{attempt}@firm.example", "wrong password!", headers={"X-Real-IP": "203.0.113.9"})
    status, _, page = Browser(base).sign_in("c@firm.example", headers={"X-Real-IP": "203.0.113.9"})
    assert status == 429 and "Too many failed attempts" in page
    assert Browser(base).sign_in("c@firm.example", headers={"X-Real-IP": "198.51.100.7"})[0] == 302


def test_guesses_through_the_proxy_from_many_addresses_do_not_lock_the_owners_browser(dashboard):
    """Issue 23, finding 4: wrong passwords sent with 4 X-Real-IP addresses locked the owner out."""
    base, _ = dashboard
    owner = Browser(base)
    assert owner.sign_in("e@firm.example", headers={"X-Real-IP": "198.51.100.20"})[0] == 302
    assert [c.name for c in owner.cookies if c.name == "staff_device"] == ["staff_device"]
    assert owner.request("/logout", {"csrf": owner.csrf()})[0] == 302
    for attempt in range(20):
        Browser(base).sign_in("e@firm.example", "wrong password!", headers={"X-Real-IP": f"203.0.113.{attempt % 4}"})
    status, _, page = Browser(base).sign_in("e@firm.example", headers={"X-Real-IP": "192.0.2.77"})
    assert status == 429 and "Too many failed attempts" in page  # a new browser: guessing stays stopped
    assert owner.sign_in("e@firm.example", headers={"X-Real-IP": "192.0.2.78"})[0] == 302


def audit_lines(engine, actor):
    with engine.connect() as connection:
        return [
            (row.action, row.detail)
            for row in connection.execute(
                text("select action, detail from audit_events where actor = :actor order by id"), {"actor": actor}
            )
        ]


def test_sign_ins_lists_searches_and_follow_ups_are_audited_without_what_was_searched(dashboard):
    """Issue 23, finding 9: none of these left an audit line."""
    base, engine = dashboard
    browser = Browser(base)
    assert browser.sign_in("d@firm.example", "wrong password!", headers={"X-Real-IP": "198.51.100.40"})[0] == 401
    assert browser.sign_in("d@firm.example", headers={"X-Real-IP": "198.51.100.40"})[0] == 302
    assert browser.request("/leads")[0] == 200
    assert browser.request("/leads?q=Ravi+Kumar")[0] == 200
    assert browser.request("/follow-ups")[0] == 200
    assert browser.request("/logout", {"csrf": browser.csrf()})[0] == 302
    lines = audit_lines(engine, "d@firm.example")
    actions = [action for action, _ in lines]
    assert actions[:2] == ["sign-in failed", "signed in"] and actions[-1] == "signed out"
    assert {"listed leads", "searched leads", "viewed follow-ups"} <= set(actions)
    assert not [detail for _, detail in lines if detail and "Ravi" in detail]  # the filter's name, not its value


def test_staff_may_not_export_or_erase_and_are_shown_that_they_may_not(dashboard):
    """Issue 23, finding 9: the staff role could bulk-export and irreversibly erase."""
    base, engine = dashboard
    staff = Browser(base)
    assert staff.sign_in("s@firm.example", headers={"X-Real-IP": "198.51.100.41"})[0] == 302
    status, _, page = staff.request("/leads")
    assert status == 200 and "Exporting leads is for attorneys." in page and "/leads/export.csv" not in page
    lead_id = re.search(r'href="/leads/(\d+)"', page).group(1)
    assert "Erasing an applicant's data is for attorneys" in staff.request(f"/leads/{lead_id}")[2]
    assert staff.request("/leads/export.csv")[0] == 403
    assert staff.request(f"/leads/{lead_id}/erase")[0] == 403
    assert staff.request(f"/leads/{lead_id}/erase", {"csrf": staff.csrf(), "confirm": "yes"})[0] == 403
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from leads where id = :id"), {"id": lead_id}).scalar() == 1
    assert ("refused", "attorneys only: /leads/export.csv") in audit_lines(engine, "s@firm.example")


def test_bad_input_gets_a_clear_answer(dashboard):
    base, engine = dashboard
    browser = Browser(base)
    browser.sign_in("d@firm.example")
    lead_id = IntakeStore(engine).leads()[0].id
    token = browser.csrf()
    status, _, page = browser.request(f"/leads/{lead_id}/status", {"status": "won", "csrf": token})
    assert status == 400 and "is not a lead status" in page
    status, _, page = browser.request(f"/leads/{lead_id}/notes", {"note": "x" * 4001, "csrf": token})
    assert status == 400 and "at most 4000 characters" in page
    assert browser.request("/leads/99999")[0] == 404
    assert browser.request("/leads/99999/status", {"status": "closed", "csrf": token})[0] == 404
    status, _, page = browser.request(
        "/unanswered/review", {"decision": "intent", "intent": "no_such", "key": "k", "csrf": token}
    )
    assert status == 400 and "Choose one of the assistant's intents" in page
    assert browser.request("/analytics?from=yesterday")[0] == 200
    status, _, page = browser.request("/analytics?from=0001-01-01&to=9999-12-31")
    assert status == 200 and "At most 366 days at a time" in page
    assert browser.request("/unanswered?days=lots")[0] == 200


def test_an_x_real_ip_that_is_not_an_address_is_not_believed(dashboard):
    base, engine = dashboard
    Browser(base).sign_in("nobody@firm.example", "wrong password!", headers={"X-Real-IP": "not-an-ip, 1.2.3.4"})
    with engine.connect() as connection:
        addresses = connection.exec_driver_sql(
            "select address from login_attempts where email = 'nobody@firm.example'"
        ).scalars()
        assert list(addresses) == ["127.0.0.1"]


def test_a_csrf_token_with_any_characters_is_refused_politely(dashboard):
    base, engine = dashboard
    browser = Browser(base)
    browser.sign_in("d@firm.example")
    lead_id = IntakeStore(engine).leads()[0].id
    assert browser.request(f"/leads/{lead_id}/status", {"status": "closed", "csrf": "é"})[0] == 403
    _, _, page = Browser(base).request("/login")
    assert Browser(base).request("/login", {"csrf": "é", "email": "x@y.z", "password": "p"})[0] == 403


def test_signing_in_returns_to_the_filtered_page_asked_for(dashboard):
    base, _ = dashboard
    browser = Browser(base)
    status, headers, _ = browser.request("/leads?channel=telegram&q=ravi")
    assert (status, headers["Location"]) == (302, "/login?next=%2Fleads%3Fchannel%3Dtelegram%26q%3Dravi")
    _, _, page = browser.request(headers["Location"])
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    next_path = re.search(r'name="next" value="([^"]+)"', page).group(1)
    form = {"csrf": token, "email": "a@firm.example", "password": PASSWORD, "next": next_path}
    status, headers, _ = browser.request("/login", form)
    assert (status, headers["Location"]) == (302, "/leads?channel=telegram&q=ravi")


def test_the_cookie_is_secure_when_the_proxy_in_front_says_https_whatever_the_host(dashboard):
    """A proxy that passes its own Host (127.0.0.1) must not make the session cookie plain-text."""
    base, _ = dashboard
    status, headers = sign_in_over_tls(base, "a@firm.example", {"X-Forwarded-Proto": "https"})
    session = next(c for c in headers.get_all("Set-Cookie") if c.startswith("__Host-staff_session="))
    assert status == 302 and "Secure" in session


def test_urgent_cases_per_day_count_the_urgency_at_intake(dashboard):
    """A past day's count does not change as deadlines come and go."""
    base, _ = dashboard
    browser = Browser(base)
    browser.sign_in("b@firm.example")
    today = dt.date.today()  # the day the leads were stored (the machine's date)
    _, _, page = browser.request(f"/analytics?from={today}&to={today}")
    urgent = page[page.index("Urgent cases per day") :]
    assert f"<td>{today}</td><td>1</td>" in urgent  # "rest-b": urgent at intake, later today


def test_only_web_addresses_become_links():
    assert web_link("https://travel.state.gov/x") == "https://travel.state.gov/x"
    assert web_link(" HTTP://example.org ") == "HTTP://example.org"
    for unsafe in ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "//evil.example", None, 42]:
        assert web_link(unsafe) is None


def test_the_sources_cited_survive_cards_of_any_shape():
    at = dt.datetime(2026, 6, 15, tzinfo=dt.timezone.utc)
    messages = [
        Message("rest-a", at, "assistant", "", custom={"type": "sources", "sources": "not a list"}),
        Message("rest-a", at, "assistant", "", custom={"type": "sources", "sources": ["text", {"url": "x"}]}),
        Message("rest-a", at, "assistant", "", custom={"type": "sources", "sources": [{"title": "9 FAM", "url": "u"}]}),
    ]
    assert _sources_cited(messages) == [{"title": "9 FAM", "url": "u"}]


@pytest.fixture(scope="module")
def dashboard_without_transcripts(tmp_path_factory):
    """The dashboard while the transcripts' database does not answer."""
    workdir = tmp_path_factory.mktemp("dashboard-no-tracker")
    with refusing_port() as port_of_nothing:
        env = {
            "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
            "TRACKER_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port_of_nothing}/rasa",
        }
        engine = make_engine(env["DATABASE_URL"])
        migrate(engine)
        answers = lead(conversation_id="rest-a")
        IntakeStore(engine).save_lead(answers, case_summary(answers), [])
        add_staff_account(env, "a@firm.example", "attorney", PASSWORD)
        port = unused_port()
        with open(workdir / "dashboard.log", "w") as log, running_dashboard(port, env=env, log=log):
            yield f"http://127.0.0.1:{port}", engine


def test_a_lead_can_be_worked_on_while_its_transcript_cannot_be_read(dashboard_without_transcripts):
    base, engine = dashboard_without_transcripts
    browser = Browser(base)
    browser.sign_in("a@firm.example")
    lead_id = IntakeStore(engine).leads()[0].id
    status, _, page = browser.request(f"/leads/{lead_id}")
    assert status == 200 and "could not be read just now" in page and "Summary sent to the attorney" in page
    form = {"status": "contacted", "expected": "new", "csrf": browser.csrf(f"/leads/{lead_id}")}
    assert browser.request(f"/leads/{lead_id}/status", form)[0] == 302
    assert IntakeStore(engine).lead(lead_id).status == "contacted"


async def test_the_dashboard_shows_each_conversations_language_and_filters_by_it(dashboard):
    """Issue 25: the firm's side stays English, and says which language each lead and each
    unanswered message came in."""
    import time
    from pathlib import Path

    from rasa.shared.core.events import SlotSet, UserUttered

    from tests.common import CONSENT
    from tests.staff.rasa_trackers import write_trackers

    base, engine = dashboard
    store = IntakeStore(engine)
    answers = lead(conversation_id="rest-es", person_name="Lucía Pérez", language="es", email="lucia@example.com")
    lead_id = store.save_lead(answers, case_summary(answers), [])
    store.add_reminders(
        "rest-es", "lucia@example.com", dt.date(2027, 3, 1), CONSENT, dt.date(2026, 6, 15), language="es"
    )

    def said(text):
        parse_data = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
        return UserUttered(text, parse_data["intent"], [], parse_data, timestamp=time.time())

    now = time.time()
    await write_trackers(
        {
            "rest-es": [said("no entiendo nada de esta carta"), SlotSet("language", "es", timestamp=now)],
            "rest-a": [said("the thing with the paper")],
        },
        dialect="sqlite",
        db=str(Path(engine.url.database).parent / "conversations.db"),
    )
    browser = Browser(base)
    browser.sign_in("b@firm.example")
    _, _, page = browser.request("/leads")
    assert '<th scope="col">Language</th>' in page and "Spanish" in page and "English" in page
    assert '<option value="es">Spanish</option>' in page
    _, _, page = browser.request("/leads?language=es")
    assert "Lucía Pérez" in page and "Ravi Kumar" not in page and "match the filter" in page
    assert '<option value="es" selected>Spanish</option>' in page
    _, _, page = browser.request("/leads?language=en")
    assert "Lucía Pérez" not in page and "Ravi Kumar" in page
    _, _, page = browser.request("/leads?language=klingon")
    assert "Unknown language 'klingon': not filtered by it." in page and "Lucía Pérez" in page
    _, _, page = browser.request(f"/leads/{lead_id}")
    assert "<dt>Conversation language</dt><dd>Spanish</dd>" in page and "Conversation language: Spanish" in page
    _, _, page = browser.request("/follow-ups")
    assert '<td data-label="Language">Spanish</td>' in page
    _, _, page = browser.request("/unanswered?days=7&language=es")
    assert "no entiendo nada de esta carta" in page and "the thing with the paper" not in page
    assert "Conversation language: Spanish." in page and '<option value="es" selected>Spanish</option>' in page
    _, _, page = browser.request("/unanswered?days=7")
    assert "no entiendo nada de esta carta" in page and "the thing with the paper" in page
    _, _, page = browser.request("/unanswered?days=7&language=en")
    assert "no entiendo nada de esta carta" not in page and "the thing with the paper" in page
    # A decision taken on the filtered page comes back to it.
    key = re.search(r'name="key" value="([0-9a-f]{64})"', browser.request("/unanswered?days=7&language=es")[2])
    form = {"csrf": browser.csrf(), "days": "7", "language": "es", "key": key.group(1), "decision": "out_of_scope"}
    status, headers, _ = browser.request("/unanswered/review", form)
    assert (status, headers["Location"]) == (302, "/unanswered?days=7&language=es&saved=1")
