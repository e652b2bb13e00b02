"""The website widget in a real browser (Debian's Chromium driven by Playwright) against the real servers."""

import os

import pytest

from scripts.serve import running_servers
from tests.common import ROOT, wait_until

pytestmark = pytest.mark.slow
RASA_PORT, ACTIONS_PORT = 5145, 5195
DEMO = f"http://localhost:{RASA_PORT}/webhooks/widget/demo"
# Each run leaves a fresh screenshot here; docs/widget-deadline-card.png is a copy of one.
SCREENSHOT = ROOT / "results" / "widget-deadline-card.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("widget")
    env = {"BOT_TODAY": "2026-06-15", "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}"}
    with open(workdir / "servers.log", "w") as log:
        with running_servers(RASA_PORT, ACTIONS_PORT, tracker_db=workdir / "conversations.db", env=env, log=log):
            yield workdir


@pytest.fixture(scope="module")
def browser(servers):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 850})
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran and opened a dialog: {dialog.message}"))
    yield page
    context.close()


def ask(page, text, until):
    """Sends `text` and waits until one more element matches the selector `until`: the part of
    the reply the test looks at (a reply comes as several messages, the last one maybe later)."""
    expected = page.locator(until)
    before = expected.count()
    page.fill(".va-input", text)
    page.press(".va-input", "Enter")
    expected.nth(before).wait_for(state="attached", timeout=30000)


def bot_says(text):
    return f".va-message.va-bot:has-text({text!r})"


# Every answer from the knowledge base ends with the referral, which begins so (the welcome
# message of a new conversation says "not legal advice" too, in other words).
ANSWERED = bot_says("This is general information, not legal advice")
# The answer to "are you a bot?"; a bare ".va-message.va-bot" would also match the welcome
# message, which may arrive after the question was sent.
BOT_ANSWER = bot_says("not a person and not a lawyer")
GREETED = bot_says("What would you like to know?")


def test_status_and_deadline_questions_then_a_reload_continues_the_conversation(page):
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "my ceac status says refused, what now?", until=ANSWERED)
    assert "not legal advice" in page.inner_text(".va-messages")
    assert "Refused" in page.inner_text(".va-messages")
    assert page.locator(".va-sources a").count() > 0

    ask(page, "got a 221g letter dated 3 March 2026, when is my deadline?", until=ANSWERED)
    card = page.locator(".va-deadline-card").last
    assert "3 March 2027" in card.inner_text() and "261 days left" in card.inner_text()
    assert card.get_attribute("data-urgency") == "later"
    card.scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    session = page.evaluate("localStorage.getItem('visa-assistant-session')")
    # The browser keeps the session id the server issued and no word of the conversation.
    stored = page.evaluate("JSON.stringify(localStorage)")
    assert "221g" not in stored and "Refused" not in stored and "2027" not in stored
    page.reload()
    assert page.evaluate("localStorage.getItem('visa-assistant-session')") == session
    page.wait_for_selector(".va-deadline-card")  # the history is shown again, from the server
    assert "my ceac status says refused, what now?" in page.inner_text(".va-messages")
    if not page.locator(".va-panel").is_visible():
        page.click(".va-launcher")
    ask(page, "and what if i miss it?", until=ANSWERED)
    # The server still knows the notice date: the follow-up gets a card with the same deadline.
    assert "3 March 2027" in page.locator(".va-deadline-card").last.inner_text()


def test_html_from_the_user_is_shown_as_text(page):
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "<img src=x onerror=alert(1)><script>alert(2)</script>", until=".va-message.va-bot")
    assert page.locator(".va-messages img, .va-messages script").count() == 0
    assert "<script>alert(2)</script>" in page.locator(".va-message.va-user").last.inner_text()


def test_quick_reply_buttons_answer_the_question(page):
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "my 221g letter is dated 4/6/2026, when is my deadline?", until=".va-quick-reply")
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
    page.wait_for_selector(BOT_ANSWER, timeout=30000)
    page.keyboard.press("Escape")
    assert not page.locator(".va-panel").is_visible()
    assert "va-launcher" in page.evaluate("document.activeElement.className")


def test_phone_sized_screen_has_no_horizontal_scrolling(browser):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "what is administrative processing?", until=ANSWERED)
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
        window.rogue = rogue;
        rogue.on("connect", () => {
            rogue.emit("user_uttered", "not an object");
            rogue.emit("user_uttered", {message: 42});
            rogue.emit("session_request", "garbage");
            rogue.emit("session_request", {session_id: null});
        });
        rogue.on("session_confirm", id => {
            for (let i = 0; i < 60; i++) rogue.emit("user_uttered", {message: "hi " + i, session_id: id});
            resolve();
        });
    })""")
    ask(page, "what is administrative processing?", until=".va-sources")  # while the flood is handled
    page.evaluate("window.rogue.close()")
    assert page.locator(".va-sources").count() > 0


def test_an_over_long_message_gets_a_polite_request_to_shorten_it(page):
    from components.channels.common import TOO_LONG

    open_with_socket_io(page)
    reply = page.evaluate("""() => new Promise(resolve => {
        const socket = io(window.location.origin, {path: "/socket.io/", transports: ["websocket"]});
        socket.on("connect", () => socket.emit("session_request", {session_id: null}));
        socket.on("session_confirm", id => socket.emit("user_uttered",
            {message: "my 221g story " + "x".repeat(100000), session_id: id}));
        socket.on("bot_uttered", message => { socket.close(); resolve(message.text); });
    })""")
    assert reply == TOO_LONG
    ask(page, "what is administrative processing?", until=".va-sources")  # the server goes on answering
    assert page.locator(".va-sources").count() > 0


def test_a_connection_holds_one_conversation_at_a_time(page):
    open_with_socket_io(page)
    overheard = page.evaluate("""() => new Promise(resolve => {
        const options = {path: "/socket.io/", transports: ["websocket"]};
        const hopper = io(window.location.origin, options);
        let heard = 0;
        hopper.on("connect", () => hopper.emit("session_request", {session_id: null}));
        hopper.once("session_confirm", first => {
            hopper.emit("session_request", {session_id: null});
            hopper.once("session_confirm", second => {
                // Its own answer, asked for after the owner was answered, comes after anything of
                // the owner's conversation the server might have sent on this connection.
                // Counted: the owner's answer (its own conversation also gets a welcome first).
                hopper.on("bot_uttered", message => {
                    const text = message.text || "";
                    if (text.includes("not a person and not a lawyer")) heard += 1;
                    if (text.includes("This is general information, not legal advice")) {
                        owner.close(); hopper.close(); resolve(heard);
                    }
                });
                // Someone now talks in the first conversation: the hopper left it.
                const owner = io(window.location.origin, options);
                owner.on("connect", () => owner.emit("session_request", {session_id: first}));
                owner.on("session_confirm", () => owner.emit("user_uttered",
                    {message: "are you a bot?", session_id: first}));
                owner.on("bot_uttered", message => {
                    if ((message.text || "").includes("not a person and not a lawyer")) hopper.emit("user_uttered",
                        {message: "what is administrative processing?", session_id: second});
                });
            });
        });
    })""")
    assert overheard == 0


def test_a_conversation_id_seen_somewhere_does_not_open_the_conversation(page, servers):
    """Someone who learnt a widget conversation's id (from a log, the tracker store, a staff
    screen) or the shape of its session id asks for it: they get a conversation of their own."""
    import sqlite3

    page.goto(DEMO)
    page.click(".va-launcher")
    ask(page, "are you a bot? (takeover check)", until=BOT_ANSWER)
    session = page.evaluate("localStorage.getItem('visa-assistant-session')")

    def conversation_stored():
        # Rasa saves the tracker after the reply has gone out: wait until it is there.
        with sqlite3.connect(servers / "conversations.db") as connection:
            return connection.execute(
                "select distinct sender_id from events where data like '%takeover check%'"
            ).fetchall()

    [(conversation,)] = wait_until(conversation_stored, what="the conversation in the tracker store")
    key = session.split(".")[0]
    # The conversation id last: a server that let it in would send the thief the owner's next reply.
    tries = [key + "." + "0" * 32, key, conversation.removeprefix("widget-"), conversation]
    page.evaluate(
        """tries => new Promise(resolve => {
        const thief = io(window.location.origin, {path: "/socket.io/", transports: ["websocket"]});
        window.thief = {socket: thief, given: [], heard: 0};
        thief.on("bot_uttered", () => { window.thief.heard += 1; });
        thief.on("history", entries => { window.thief.heard += entries.length; });
        thief.on("connect", () => tries.forEach(id => thief.emit("session_request", {session_id: id})));
        thief.on("session_confirm", id => {
            window.thief.given.push(id);
            if (window.thief.given.length === tries.length) resolve();
        });
    })""",
        tries,
    )
    ask(page, "what is administrative processing?", until=ANSWERED)  # the owner talks on
    thief = page.evaluate(
        "() => { window.thief.socket.close(); return {given: window.thief.given, heard: window.thief.heard}; }"
    )
    assert not {session, *tries} & set(thief["given"])
    assert thief["heard"] == 0


def test_after_erasure_the_browser_forgets_the_session(page):
    page.goto(DEMO)
    page.click(".va-launcher")
    # A marker that the NLU reads as a plain "are you a bot?" (a bracketed note made it fall back).
    ask(page, "are you a bot? my name is Zanzibar Quill", until=BOT_ANSWER)
    old_session = page.evaluate("() => localStorage.getItem('visa-assistant-session')")
    ask(page, "please delete all my data", until="text=Yes, delete")
    page.click("text=Yes, delete")
    page.wait_for_function(f"() => localStorage.getItem('visa-assistant-session') !== {old_session!r}", timeout=30000)
    assert page.locator(".va-message.va-bot", has_text="Done. I deleted").count() == 1
    # Back on the page later: nothing of the erased conversation comes back.
    page.reload()
    if not page.locator(".va-panel").is_visible():
        page.click(".va-launcher")
    ask(page, "hello", until=GREETED)
    shown = page.inner_text(".va-messages")
    assert "Zanzibar" not in shown and "delete all my data" not in shown
