"""Live chat end to end in two real browsers (Debian's Chromium driven by Playwright): an applicant
on a 390x844 phone in the website widget asks for a person; a member of staff, signed in to the
dashboard, takes over, they write to each other, the staff member hands back and the assistant
answers the next question. The real Rasa server, action server and dashboard, with the firm's
office open around the clock."""

import subprocess
import sys

import pytest

from bot.language.channel import channel_text
from bot.rules.firm import load_firm
from scripts.serve import running_dashboard, running_servers
from tests.common import ROOT, add_staff_account, chromium, recording_api, unused_port, wait_until

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
STAFF = "ana.lopez@firm.example"
PHONE = {"width": 390, "height": 844}
# Each run leaves fresh screenshots here; docs/live-page.png and docs/widget-live-chat.png are copies.
LIVE_SCREENSHOT = ROOT / "results" / "live-page.png"
WIDGET_SCREENSHOT = ROOT / "results" / "widget-live-chat.png"
FIRM = load_firm().name
TAKEN = channel_text("en", "handoff.taken", name="Ana", role="Paralegal", firm=FIRM)
RETURNED = channel_text("en", "handoff.returned", name="Ana", role="Paralegal", firm=FIRM)
LABEL = channel_text("en", "widget.staff_label", name="Ana", role="Paralegal", firm=FIRM)


TELEGRAM_SECRET = "telegram-secret-token"


@pytest.fixture(scope="module")
def telegram_api():
    with recording_api({"ok": True, "result": True}) as api:
        yield api


@pytest.fixture(scope="module")
def site(tmp_path_factory, telegram_api):
    workdir = tmp_path_factory.mktemp("live-chat")
    rasa_port, actions_port, dashboard_port = unused_port(), unused_port(), unused_port()
    env = {
        "BOT_TODAY": "2026-06-15",
        "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "TRACKER_DATABASE_URL": f"sqlite:///{workdir / 'conversations.db'}",
        "HANDOFF_SECRET": "live-chat-browser-test-secret-0123456789",
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        # Open every day, all day: a person may be asked for whenever the test runs.
        "FIRM_OFFICE_DAYS": "mon tue wed thu fri sat sun",
        "FIRM_OFFICE_OPEN": "00:00",
        "FIRM_OFFICE_CLOSE": "23:59",
        "TELEGRAM_TOKEN": "123:ABC",
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": telegram_api[0],
    }
    add_staff_account(env, STAFF, "attorney", PASSWORD)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.backoffice.cli",
            "users",
            "set-name",
            STAFF,
            "--name",
            "Ana",
            "--title",
            "Paralegal",
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env},
    )
    with open(workdir / "servers.log", "w") as log:
        with (
            running_servers(rasa_port, actions_port, tracker_db=workdir / "conversations.db", env=env, log=log),
            running_dashboard(dashboard_port, env=env, log=log),
        ):
            yield {
                "demo": f"http://localhost:{rasa_port}/webhooks/widget/demo",
                "dashboard": f"http://127.0.0.1:{dashboard_port}",
                "telegram": f"http://127.0.0.1:{rasa_port}/webhooks/telegram/webhook",
            }


def bot_says(text):
    return f".va-message.va-bot:has-text({text!r})"


def send(page, text):
    page.fill(".va-input", text)
    page.press(".va-input", "Enter")


def available_staff(browser, site, refused):
    """Ana's dashboard page, signed in and available for live chats."""
    staff = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    staff.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    staff.goto(f"{site['dashboard']}/login?next=/live")
    staff.get_by_label("Email").fill(STAFF)
    staff.get_by_label("Password").fill(PASSWORD)
    with staff.expect_navigation():
        staff.get_by_role("button", name="Sign in").click()
    if staff.get_by_role("button", name="Make me available").count():
        with staff.expect_navigation():
            staff.get_by_role("button", name="Make me available").click()
    staff.get_by_text("You are available for live chats").wait_for()
    return staff


def test_a_person_takes_over_from_the_dashboard_and_hands_back(site):
    with chromium() as browser:
        refused: list[str] = []  # what the dashboard's Content-Security-Policy blocked
        staff = available_staff(browser, site, refused)
        staff_context = staff.context

        applicant_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        applicant = applicant_context.new_page()
        applicant.on("dialog", lambda dialog: pytest.fail(f"a script ran in the widget: {dialog.message}"))
        applicant.goto(site["demo"])
        applicant.click(".va-launcher")
        send(applicant, "can I talk to a real person please?")
        applicant.locator(bot_says("a member of our team will join this chat")).wait_for(timeout=30_000)

        # The queue updates itself: the request appears without a reload.
        staff.get_by_role("link", name="Live chat #1").wait_for(timeout=30_000)
        staff.get_by_role("link", name="Live chat #1").click()
        staff.get_by_text("can I talk to a real person please?").wait_for()
        with staff.expect_navigation():
            staff.get_by_role("button", name="Take over").click()
        staff.get_by_text("You hold this conversation").wait_for()
        applicant.locator(bot_says(TAKEN)).wait_for(timeout=30_000)
        # The widget's notice no longer says the assistant is writing.
        person_notice = channel_text("en", "widget.notice_person", firm=FIRM)
        assert applicant.locator(".va-disclaimer").inner_text() == person_notice

        staff.get_by_label("Your message to the applicant").fill("Hello, I'm Ana. How can I help with your 221(g)?")
        with staff.expect_navigation():
            staff.get_by_role("button", name="Send").click()
        from_ana = applicant.locator(".va-message.va-staff")
        from_ana.first.wait_for(timeout=30_000)
        assert from_ana.first.locator(".va-staff-label").inner_text() == LABEL
        assert "How can I help with your 221(g)?" in from_ana.first.inner_text()

        # The applicant's answer appears on the live page as it arrives, and the assistant stays quiet.
        answers_before = applicant.locator(".va-message.va-bot").count()
        send(applicant, "my interview was on 3 March 2026 and they kept my passport")
        staff.locator("#transcript li", has_text="they kept my passport").wait_for(timeout=30_000)
        staff.screenshot(path=str(LIVE_SCREENSHOT), full_page=True)
        applicant.screenshot(path=str(WIDGET_SCREENSHOT))

        with staff.expect_navigation():
            staff.get_by_role("button", name="Hand back to the assistant").click()
        applicant.locator(bot_says(RETURNED)).wait_for(timeout=30_000)
        assert applicant.locator(".va-disclaimer").inner_text() == channel_text("en", "widget.notice")
        # Between Ana's message and the hand-back the assistant said nothing of its own.
        bot_texts = applicant.locator(".va-message.va-bot").all_inner_texts()
        assert bot_texts[answers_before:] == [RETURNED]

        send(applicant, "what is a 221g?")
        applicant.locator(bot_says("This is general information, not legal advice")).wait_for(timeout=30_000)

        # The record: the transcript holds Ana's message with who wrote it, the audit log the changes of hands.
        staff.goto(f"{site['dashboard']}/live/1")
        transcript = staff.locator("#transcript").inner_text()
        for said in (
            "can I talk to a real person please?",
            "How can I help with your 221(g)?",
            "they kept my passport",
        ):
            assert said in transcript
        assert "Ana (Paralegal)" in transcript
        assert "handed back to the assistant" in staff.locator(".live-state").inner_text()
        staff.goto(f"{site['dashboard']}/audit")
        audit = staff.locator("main").inner_text()
        assert "took handoff" in audit and "returned handoff" in audit
        assert refused == []
        applicant_context.close()
        staff_context.close()


def telegram(site, update_id, text, chat=777):
    import json
    import urllib.request

    update = {"update_id": update_id, "message": {"chat": {"id": chat}, "from": {"language_code": "en"}, "text": text}}
    request = urllib.request.Request(
        site["telegram"],
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200


def test_the_same_round_trip_on_telegram(site, telegram_api):
    """An applicant on Telegram (the test's stand-in for its Bot API) asks for a person; Ana takes
    over on the dashboard; her message reaches the chat as plain text under her name; the
    applicant's reply reaches her page; she hands back and the assistant answers again."""
    _, calls = telegram_api

    def sent():
        return [
            body["text"] for path, body in list(calls) if path.endswith("/sendMessage") and body["chat_id"] == "777"
        ]

    with chromium() as browser:
        refused: list[str] = []
        staff = available_staff(browser, site, refused)
        telegram(site, 1, "hi, can I speak to someone from the firm?")
        wait_until(
            lambda: any("a member of our team will join this chat" in t for t in sent()), what="the waiting note"
        )
        row = staff.locator("tr", has_text="telegram")
        row.get_by_role("link").wait_for(timeout=30_000)  # the queue updates itself
        row.get_by_role("link").click()
        with staff.expect_navigation():
            staff.get_by_role("button", name="Take over").click()
        wait_until(lambda: TAKEN in sent(), what="the take-over note on Telegram")
        staff.get_by_label("Your message to the applicant").fill("Hi, Ana here <b>not bold</b>")
        with staff.expect_navigation():
            staff.get_by_role("button", name="Send").click()
        wait_until(lambda: f"{LABEL}:\nHi, Ana here <b>not bold</b>" in sent(), what="Ana's message on Telegram")
        before = len(sent())
        telegram(site, 2, "thanks Ana, my case number is in the letter")
        staff.locator("#transcript li", has_text="my case number is in the letter").wait_for(timeout=30_000)
        with staff.expect_navigation():
            staff.get_by_role("button", name="Hand back to the assistant").click()
        wait_until(lambda: RETURNED in sent(), what="the hand-back note on Telegram")
        assert sent()[before:] == [RETURNED]  # the assistant said nothing while Ana held the chat
        telegram(site, 3, "what is a 221g?")
        wait_until(
            lambda: any("This is general information, not legal advice" in t for t in sent()[before:]),
            what="the assistant's answer",
        )
        assert refused == []
        staff.context.close()
