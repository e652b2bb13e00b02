"""The website widget in a real browser (Debian's Chromium driven by Playwright) against the real servers."""
import os
from pathlib import Path

import pytest

from scripts.serve import running_servers

pytestmark = pytest.mark.slow
RASA_PORT, ACTIONS_PORT = 5145, 5195
DEMO = f"http://localhost:{RASA_PORT}/webhooks/widget/demo"
# Each run leaves a fresh screenshot here; docs/widget-deadline-card.png is a copy of one.
SCREENSHOT = Path(__file__).resolve().parent.parent / "results" / "widget-deadline-card.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("widget")
    env = {"BOT_TODAY": "2026-06-15", "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}"}
    with open(workdir / "servers.log", "w") as log:
        with running_servers(RASA_PORT, ACTIONS_PORT, tracker_db=workdir / "conversations.db", env=env, log=log):
            yield


@pytest.fixture(scope="module")
def browser(servers):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 850})
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran and opened a dialog: {dialog.message}"))
    yield page
    context.close()


def ask(page, text):
    before = page.locator(".va-message.va-bot").count()
    page.fill(".va-input", text)
    page.press(".va-input", "Enter")
    page.wait_for_function(f"document.querySelectorAll('.va-message.va-bot').length > {before}", timeout=30000)
    page.wait_for_timeout(1500)  # the rest of the reply


def test_status_and_deadline_questions_then_a_reload_continues_the_conversation(page):
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "my ceac status says refused, what now?")
    assert "not legal advice" in page.inner_text(".va-messages")
    assert "Refused" in page.inner_text(".va-messages")
    assert page.locator(".va-sources a").count() > 0

    ask(page, "got a 221g letter dated 3 March 2026, when is my deadline?")
    card = page.locator(".va-deadline-card").last
    assert "3 March 2027" in card.inner_text() and "261 days left" in card.inner_text()
    assert card.get_attribute("data-urgency") == "later"
    card.scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    session = page.evaluate("localStorage.getItem('visa-assistant-session')")
    page.reload()
    assert page.evaluate("localStorage.getItem('visa-assistant-session')") == session
    page.wait_for_selector(".va-deadline-card")  # the history is shown again
    if not page.locator(".va-panel").is_visible():
        page.click(".va-launcher")
    ask(page, "and what if i miss it?")
    # The server still knows the notice date: the follow-up gets a card with the same deadline.
    assert "3 March 2027" in page.locator(".va-deadline-card").last.inner_text()


def test_html_from_the_user_is_shown_as_text(page):
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "<img src=x onerror=alert(1)><script>alert(2)</script>")
    assert page.locator(".va-messages img, .va-messages script").count() == 0
    assert "<script>alert(2)</script>" in page.locator(".va-message.va-user").last.inner_text()


def test_quick_reply_buttons_answer_the_question(page):
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "my 221g letter is dated 4/6/2026, when is my deadline?")
    buttons = page.locator(".va-quick-reply")
    assert buttons.all_inner_texts()[-2:] == ["6 April 2026", "4 June 2026"]
    before = page.locator(".va-deadline-card").count()
    buttons.last.click()
    page.wait_for_function(f"document.querySelectorAll('.va-deadline-card').length > {before}", timeout=30000)
    assert "4 June 2027" in page.locator(".va-deadline-card").last.inner_text()


def test_keyboard_only_use_and_screen_reader_labels(page):
    page.goto(DEMO)
    launcher = page.locator(".va-launcher")
    assert launcher.get_attribute("aria-label").startswith("Open chat with")
    launcher.focus()
    page.keyboard.press("Enter")
    assert page.locator(".va-panel").get_attribute("role") == "dialog"
    assert page.locator(".va-messages").get_attribute("role") == "log"
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.className"))
    assert any("va-input" in name for name in focused) and any("va-send" in name for name in focused)
    page.focus(".va-input")
    page.keyboard.type("are you a bot?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".va-message.va-bot", timeout=30000)
    page.keyboard.press("Escape")
    assert not page.locator(".va-panel").is_visible()
    assert "va-launcher" in page.evaluate("document.activeElement.className")


def test_phone_sized_screen_has_no_horizontal_scrolling(browser):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "what is administrative processing?")
    box = page.locator(".va-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def open_with_socket_io(page):
    """The demo page with the widget open and its socket.io client loaded, for rogue sockets."""
    page.goto(DEMO)
    page.click(".va-launcher")
    page.wait_for_function("typeof window.io === 'function'")


def test_garbage_and_floods_from_a_socket_are_ignored_and_others_are_still_served(page):
    open_with_socket_io(page)
    page.evaluate("""() => new Promise(resolve => {
        const rogue = io(window.location.origin, {path: "/socket.io/", transports: ["websocket"]});
        rogue.on("connect", () => {
            rogue.emit("user_uttered", "not an object");
            rogue.emit("user_uttered", {message: 42});
            rogue.emit("session_request", "garbage");
            rogue.emit("session_request", {session_id: "rogue-session-1234"});
            for (let i = 0; i < 60; i++) {
                rogue.emit("user_uttered", {message: "hi " + i, session_id: "rogue-session-1234"});
            }
            setTimeout(() => { rogue.close(); resolve(); }, 1000);
        });
    })""")
    ask(page, "what is administrative processing?")
    assert page.locator(".va-sources").count() > 0


def test_an_over_long_message_gets_a_polite_request_to_shorten_it(page):
    from components.channels.common import TOO_LONG

    open_with_socket_io(page)
    reply = page.evaluate("""() => new Promise(resolve => {
        const socket = io(window.location.origin, {path: "/socket.io/", transports: ["websocket"]});
        socket.on("connect", () => socket.emit("session_request", {session_id: "long-message-1234"}));
        socket.on("session_confirm", () => socket.emit("user_uttered",
            {message: "my 221g story " + "x".repeat(100000), session_id: "long-message-1234"}));
        socket.on("bot_uttered", message => { socket.close(); resolve(message.text); });
    })""")
    assert reply == TOO_LONG
    ask(page, "what is administrative processing?")  # the server goes on answering
    assert page.locator(".va-sources").count() > 0


def test_a_connection_holds_one_conversation_at_a_time(page):
    open_with_socket_io(page)
    overheard = page.evaluate("""() => new Promise(resolve => {
        const options = {path: "/socket.io/", transports: ["websocket"]};
        const hopper = io(window.location.origin, options);
        let heard = 0;
        hopper.on("bot_uttered", () => { heard += 1; });
        hopper.on("connect", () => hopper.emit("session_request", {session_id: "first-conversation-1"}));
        hopper.once("session_confirm", () => {
            hopper.emit("session_request", {session_id: "second-conversation-2"});
            hopper.once("session_confirm", () => {
                // Someone now talks in the first conversation: the hopper left it.
                const owner = io(window.location.origin, options);
                owner.on("connect", () => owner.emit("session_request", {session_id: "first-conversation-1"}));
                owner.on("session_confirm", () => owner.emit("user_uttered",
                    {message: "are you a bot?", session_id: "first-conversation-1"}));
                owner.on("bot_uttered", () => setTimeout(() => {
                    owner.close(); hopper.close(); resolve(heard);
                }, 500));
            });
        });
    })""")
    assert overheard == 0


def test_after_erasure_the_browser_forgets_the_transcript_and_the_session(page):
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "are you a bot?")
    old_session = page.evaluate("() => localStorage.getItem('visa-assistant-session')")
    assert "automated assistant" in page.evaluate("() => localStorage.getItem('visa-assistant-history')")
    ask(page, "please delete all my data")
    page.click("text=Yes, delete")
    page.wait_for_function("() => !(localStorage.getItem('visa-assistant-history') || '').includes('automated')",
                           timeout=30000)
    assert page.locator(".va-message.va-bot", has_text="Done. I deleted").count() == 1
    page.wait_for_function(f"() => localStorage.getItem('visa-assistant-session') !== {old_session!r}",
                           timeout=30000)
