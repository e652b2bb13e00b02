"""The staff dashboard in a real browser (Debian's Chromium driven by Playwright): the real app on
a free port, a real intake database, and transcripts written by a real conversation with the
assistant over REST."""

import csv
import datetime as dt
import io
import sqlite3
import urllib.error
import urllib.request

import pytest
import yaml

from bot.backoffice.db import make_engine
from bot.backoffice.intake import IntakeStore
from bot.backoffice.summary import case_summary
from scripts.serve import rest_reply, running_dashboard, running_servers
from tests.common import ROOT, add_staff_account, chromium, lead, unused_port

pytestmark = pytest.mark.slow
TODAY = "2026-06-15"
PASSWORD = "correct horse battery staple"
ATTORNEY, STAFF, LOCKED = "attorney@firm.example", "staff@firm.example", "locked@firm.example"
SENDER = "dashboard-intake"
# Each run leaves fresh screenshots here; docs/dashboard-*.png are copies of them.
RESULTS = ROOT / "results"
PAGES = ["/leads", "/follow-ups", "/unanswered", "/knowledge", "/analytics", "/audit"]
# Text the assistant cannot answer (out of its scope): the dashboard lists it for review.
GIBBERISH = ["blorp fnord zibble wug", "fnord blorp zibble wug wug"]


def converse(port):
    """An applicant asks about a deadline and completes the intake: the lead and its transcript."""
    for message in [
        "got a 221g letter dated 3 March 2026, when is my deadline?",
        "i want to book a consultation with a lawyer",
        "/affirm",
        "Ravi Kumar",
        "ravi@example.com",
        "skip",
        "h1b",
        "Chennai",
        "1 March 2026",
        '/inform{"notice_request":"documents"}',
        "/affirm",
        "Acme Corp",
    ]:
        rest_reply(port, SENDER, message)
    done = rest_reply(port, SENDER, "They asked for a client letter and my employer is slow.")
    assert any("reference #" in reply.get("text", "") for reply in done), done
    for message in GIBBERISH:  # another applicant's conversation, kept when the first is erased
        rest_reply(port, "dashboard-other", message)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("dashboard")


@pytest.fixture(scope="module")
def env(workdir):
    return {
        "BOT_TODAY": TODAY,
        "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "TRACKER_DATABASE_URL": f"sqlite:///{workdir / 'conversations.db'}",
    }


@pytest.fixture(scope="module")
def dashboard(workdir, env):
    """The dashboard's address, once a real conversation has left a lead and its transcript."""
    rasa_port, actions_port = unused_port(), unused_port()
    with open(workdir / "servers.log", "w") as log:
        with running_servers(rasa_port, actions_port, tracker_db=workdir / "conversations.db", env=env, log=log):
            converse(rasa_port)
    store = IntakeStore(make_engine(env["DATABASE_URL"]))
    # Leads of other applicants, to order and filter: one urgent, one whose name a spreadsheet would run.
    urgent = lead(
        conversation_id="rest-urgent",
        person_name="Mei Chen",
        email="mei@example.com",
        deadline=dt.date(2026, 6, 25),
        urgency="within_30_days",
    )
    store.save_lead(urgent, case_summary(urgent), [])
    formula = lead(
        conversation_id="telegram-42",
        channel="telegram",
        person_name='=HYPERLINK("http://x","y")',
        email="x@example.com",
    )
    store.save_lead(formula, case_summary(formula), [])
    for email, role in [(ATTORNEY, "attorney"), (STAFF, "staff"), (LOCKED, "staff")]:
        add_staff_account(env, email, role, PASSWORD)
    port = unused_port()
    with open(workdir / "dashboard.log", "w") as log:
        with running_dashboard(port, env=env, log=log):
            yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser(dashboard):
    with chromium() as browser:
        yield browser


def new_page(browser, width=1280, height=800):
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    return context, context.new_page()


def submit(page, control):
    """Click a control that loads another page and wait until that page has loaded.

    click() returns once the navigation has started; reading or reloading the page
    before it has loaded reads the old page or breaks the navigation (a form post
    answered by a redirect is one navigation)."""
    with page.expect_navigation():
        control.click()


def sign_in(page, dashboard, email=ATTORNEY, password=PASSWORD):
    page.goto(f"{dashboard}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    submit(page, page.get_by_role("button", name="Sign in"))


@pytest.fixture
def attorney(browser, dashboard):
    context, page = new_page(browser)
    sign_in(page, dashboard)
    assert page.url.endswith("/leads")
    yield page
    context.close()


def lead_id_of(workdir, conversation_id):
    with sqlite3.connect(workdir / "intake.db") as db:
        return db.execute("select id from leads where conversation_id = ?", (conversation_id,)).fetchone()[0]


def tracker_events(workdir, conversation_id):
    with sqlite3.connect(workdir / "conversations.db") as db:
        return db.execute("select count(*) from events where sender_id = ?", (conversation_id,)).fetchone()[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch_without_session(url, data=None):
    try:
        with urllib.request.build_opener(NoRedirect).open(url, data=data, timeout=10) as response:
            return response.status, response.headers.get("Location")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location")


# --- signing in --------------------------------------------------------------------------


def test_every_page_sends_a_visitor_without_a_session_to_the_login(dashboard, workdir):
    lead_id = lead_id_of(workdir, f"rest-{SENDER}")
    for path in [*PAGES, f"/leads/{lead_id}", f"/leads/{lead_id}/erase", "/leads/export.csv", "/"]:
        status, location = fetch_without_session(dashboard + path)
        assert (status, location.split("?")[0]) == (302, "/login"), path
    for path in [f"/leads/{lead_id}/status", f"/leads/{lead_id}/notes", f"/leads/{lead_id}/erase"]:
        status, location = fetch_without_session(dashboard + path, data=b"status=closed&confirm=yes")
        assert (status, location) == (302, "/login"), path
    assert lead_id_of(workdir, f"rest-{SENDER}") == lead_id  # nothing was erased


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(browser, dashboard):
    context, page = new_page(browser)
    sign_in(page, dashboard, password="not the password")
    assert page.url.startswith(f"{dashboard}/login")
    assert page.get_by_role("alert").inner_text() == "Wrong email or password."
    sign_in(page, dashboard)
    assert page.url == f"{dashboard}/leads"
    [cookie] = [c for c in context.cookies() if c["name"] == "staff_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["expires"] > 0  # expires with the working day, not with the browser
    # Sign out ends the session on the server, not only in this browser.
    submit(page, page.get_by_role("button", name="Sign out"))
    assert page.url.startswith(f"{dashboard}/login")
    context.add_cookies([{**cookie}])
    page.goto(f"{dashboard}/leads")
    assert page.url.startswith(f"{dashboard}/login")
    context.close()


def test_repeated_failures_lock_the_account_even_for_the_right_password(browser, dashboard):
    context, page = new_page(browser)
    for _ in range(5):
        sign_in(page, dashboard, email=LOCKED, password="guess " * 3)
        assert "Wrong email or password." in page.get_by_role("alert").inner_text()
    sign_in(page, dashboard, email=LOCKED)
    assert "Too many failed attempts" in page.get_by_role("alert").inner_text()
    assert page.url.startswith(f"{dashboard}/login")
    context.close()


def test_a_form_posted_without_its_csrf_token_is_refused(attorney, dashboard, workdir):
    lead_id = lead_id_of(workdir, "telegram-42")
    response = attorney.request.post(f"{dashboard}/leads/{lead_id}/status", form={"status": "closed"})
    assert response.status == 403
    forged = attorney.request.post(f"{dashboard}/leads/{lead_id}/status", form={"status": "closed", "csrf": "x"})
    assert forged.status == 403
    with sqlite3.connect(workdir / "intake.db") as db:
        assert db.execute("select status from leads where id = ?", (lead_id,)).fetchone() == ("new",)


# --- leads ---------------------------------------------------------------------------------


def lead_rows(page):
    return page.locator("table.leads tbody tr").all_inner_texts()


def test_the_lead_list_is_urgent_first_then_newest_and_filters(attorney, dashboard):
    RESULTS.mkdir(exist_ok=True)
    attorney.screenshot(path=RESULTS / "dashboard-leads.png", full_page=True)
    rows = lead_rows(attorney)
    assert len(rows) == 3
    assert "Mei Chen" in rows[0] and "URGENT" in rows[0]
    assert "HYPERLINK" in rows[1] and "Ravi Kumar" in rows[2]  # the newer of the two not urgent first
    attorney.get_by_label("Urgency").select_option("urgent")
    submit(attorney, attorney.get_by_role("button", name="Filter"))
    assert [("Mei Chen" in row) for row in lead_rows(attorney)] == [True]
    attorney.goto(f"{dashboard}/leads")
    attorney.get_by_label("Name or email").fill("RAVI@example")
    submit(attorney, attorney.get_by_role("button", name="Filter"))
    assert [("Ravi Kumar" in row) for row in lead_rows(attorney)] == [True]
    attorney.goto(f"{dashboard}/leads?channel=telegram")
    assert [("HYPERLINK" in row) for row in lead_rows(attorney)] == [True]
    attorney.goto(f"{dashboard}/leads?from=not-a-date")
    assert "not a date" in attorney.get_by_role("alert").inner_text()
    assert len(lead_rows(attorney)) == 3


def test_a_lead_shows_its_case_deadline_sources_and_the_real_transcript(attorney, dashboard, workdir):
    response = attorney.goto(f"{dashboard}/leads/{lead_id_of(workdir, f'rest-{SENDER}')}")
    assert response.headers["cache-control"] == "no-store"
    body = attorney.locator("main").inner_text()
    # Deadline 2027-03-01, recounted on the dashboard's today (2026-06-15).
    assert "2027-03-01: 259 days left" in body
    transcript = attorney.locator(".transcript")
    assert "got a 221g letter dated 3 March 2026" in transcript.locator("li.applicant").first.inner_text()
    assert transcript.locator("li.assistant").count() > 5
    assert "Deadline card: 2027-03-03" in transcript.inner_text()  # as answered: from the notice date
    sources = attorney.locator("section[aria-labelledby=sources] li").all_inner_texts()
    assert any("22 CFR" in source or "9 FAM" in source for source in sources), sources


def test_status_and_a_note_are_saved_and_audited(browser, attorney, dashboard, workdir):
    lead_id = lead_id_of(workdir, "rest-urgent")
    attorney.goto(f"{dashboard}/leads/{lead_id}")
    attorney.get_by_label("Status", exact=True).select_option("contacted")
    submit(attorney, attorney.get_by_role("button", name="Save status"))
    assert attorney.get_by_role("status").inner_text() == "Saved."
    attorney.get_by_label("New note").fill("Called; she sends the letter on Monday.")
    submit(attorney, attorney.get_by_role("button", name="Add note"))
    attorney.reload()
    assert attorney.get_by_label("Status", exact=True).input_value() == "contacted"
    assert "Called; she sends the letter on Monday." in attorney.locator(".notes").inner_text()
    attorney.goto(f"{dashboard}/audit")
    log = attorney.locator("table").inner_text()
    assert f"changed status\t#{lead_id}\tnew -> contacted" in log and f"added note\t#{lead_id}" in log
    assert "Called" not in log  # the audit log holds actions, not the lead's data
    # Staff (not attorneys) do not see the audit log.
    context, page = new_page(browser)
    sign_in(page, dashboard, email=STAFF)
    assert page.goto(f"{dashboard}/audit").status == 403
    assert page.get_by_role("link", name="Audit log").count() == 0
    context.close()


def test_the_dashboard_works_with_javascript_off(browser, dashboard, workdir):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, dashboard, email=STAFF)
    page.get_by_label("Name or email").fill("mei")
    submit(page, page.get_by_role("button", name="Filter"))
    [row] = lead_rows(page)
    submit(page, page.get_by_role("link", name=row.split()[0]))
    page.get_by_label("New note").fill("Written without JavaScript.")
    submit(page, page.get_by_role("button", name="Add note"))
    assert "Written without JavaScript." in page.locator(".notes").inner_text()
    assert f"#{lead_id_of(workdir, 'rest-urgent')}" in page.locator("h1").inner_text()
    context.close()


def test_the_export_downloads_the_filtered_leads_with_formulas_defused(attorney, dashboard, workdir):
    attorney.goto(f"{dashboard}/leads?channel=telegram")
    with attorney.expect_download() as download:
        attorney.get_by_role("link", name="Export these as CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert [row["person_name"] for row in rows] == ['\'=HYPERLINK("http://x","y")']
    assert rows[0]["channel"] == "telegram" and rows[0]["status"] == "new"
    attorney.goto(f"{dashboard}/audit")
    assert f"exported\t#{lead_id_of(workdir, 'telegram-42')}\t" in attorney.locator("table").inner_text()


def test_analytics_and_knowledge_pages(attorney, dashboard):
    """(Before the erasure test, which deletes the conversation that went through the intake.)"""
    # The conversations were stored today (the machine's date; the assistant's is BOT_TODAY).
    today = dt.date.today()
    attorney.goto(f"{dashboard}/analytics?from={today - dt.timedelta(days=13)}&to={today}")
    charts = attorney.locator("section.chart img")
    assert charts.count() == 5
    assert all(charts.nth(i).evaluate("image => image.naturalWidth > 0") for i in range(5))  # drawn, not broken
    funnel_section = attorney.locator("section.chart", has_text="Intake")
    funnel_section.get_by_text("The figures").click()
    funnel = funnel_section.locator("table").inner_text()
    assert "offered\t1" in funnel and "completed\t1" in funnel
    # Every message both applicants wrote (the intake's 13, the other's 2) is counted.
    assert attorney.locator(".figure-line").inner_text().startswith("15 applicant messages, ")
    RESULTS.mkdir(exist_ok=True)
    attorney.screenshot(path=RESULTS / "dashboard-analytics.png", full_page=True)
    attorney.goto(f"{dashboard}/knowledge")
    rows = attorney.locator("tbody tr")
    assert rows.count() > 50
    assert attorney.locator("tbody tr a[href^='http']").count() >= rows.count()  # every entry has a source


def test_erasure_asks_for_confirmation_then_removes_the_lead_and_the_transcript(attorney, dashboard, workdir):
    conversation = f"rest-{SENDER}"
    lead_id = lead_id_of(workdir, conversation)
    assert tracker_events(workdir, conversation) > 0
    attorney.goto(f"{dashboard}/leads/{lead_id}")
    submit(attorney, attorney.get_by_role("link", name="Erase this applicant's data…"))
    attorney.get_by_role("button", name="Erase everything").click()  # not confirmed: the browser refuses
    assert attorney.url.endswith(f"/leads/{lead_id}/erase")
    attorney.get_by_label("I understand this cannot be undone").check()
    submit(attorney, attorney.get_by_role("button", name="Erase everything"))
    assert "are erased" in attorney.get_by_role("status").inner_text()
    assert attorney.goto(f"{dashboard}/leads/{lead_id}").status == 404
    assert tracker_events(workdir, conversation) == 0
    with sqlite3.connect(workdir / "intake.db") as db:
        assert db.execute("select count(*) from leads where conversation_id = ?", (conversation,)).fetchone() == (0,)


# --- the other pages -------------------------------------------------------------------------


def test_unanswered_messages_are_grouped_and_a_decision_goes_to_the_review_file(attorney, dashboard, workdir):
    attorney.goto(f"{dashboard}/unanswered?days=365")
    group = attorney.locator("li.group", has_text="fnord")
    assert group.count() == 1
    assert group.locator("h2").inner_text().startswith("2 ×")
    group.get_by_label("Should be intent").select_option("out_of_scope")
    submit(attorney, group.get_by_role("button", name="Add to the review file"))
    assert "review file" in attorney.get_by_role("status").inner_text()
    assert attorney.locator("li.group", has_text="fnord").count() == 0
    with attorney.expect_download() as download:
        attorney.get_by_role("link", name="download the review file").click()
    review = yaml.safe_load(download.value.path().read_text(encoding="utf-8"))
    assert sorted((item["intent"], item["text"], item["reviewed_by"]) for item in review) == [
        ("out_of_scope", text, ATTORNEY) for text in sorted(GIBBERISH)
    ]


def test_the_pages_work_by_keyboard_with_labels_on_every_field(browser, dashboard):
    context, page = new_page(browser)
    page.goto(f"{dashboard}/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    page.keyboard.type(ATTORNEY)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{dashboard}/leads")
    for path in PAGES:
        page.goto(dashboard + path)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(field => !field.labels.length && !field.getAttribute('aria-label'))
                .map(field => field.name)"""
        )
        assert unlabelled == [], path
    page.goto(f"{dashboard}/leads")
    for _ in range(3):  # the skip link, the firm's name is not a stop, then the first menu entry
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") in ("Leads", "Live")
    context.close()


@pytest.mark.parametrize("width,height", [(1280, 800), (375, 667)])
def test_no_page_scrolls_sideways(browser, dashboard, workdir, width, height):
    context, page = new_page(browser, width, height)
    sign_in(page, dashboard)
    lead_id = lead_id_of(workdir, "rest-urgent")
    for path in [*PAGES, f"/leads/{lead_id}", f"/leads/{lead_id}/erase"]:
        page.goto(dashboard + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (path, width)
    context.close()


def test_no_personal_data_reaches_the_dashboards_log(attorney, dashboard, workdir):
    attorney.goto(f"{dashboard}/leads?q=Mei+Chen")
    log = (workdir / "dashboard.log").read_text()
    assert "Mei" not in log and "mei@example.com" not in log and "Ravi" not in log
