"""The website widget in a real browser (Debian's Chromium driven by Playwright) against the real servers."""

import re

import pytest

from scripts.serve import running_servers
from tests.common import ROOT, chromium, wait_until

pytestmark = pytest.mark.slow
RASA_PORT, ACTIONS_PORT = 5145, 5195
DEMO = f"http://localhost:{RASA_PORT}/webhooks/widget/demo"
# Each run leaves fresh screenshots here; docs/widget-deadline-card.png and
# docs/widget-phone.png are copies of them.
SCREENSHOT = ROOT / "results" / "widget-deadline-card.png"
PHONE_SCREENSHOT = ROOT / "results" / "widget-phone.png"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("widget")
    env = {"BOT_TODAY": "2026-06-15", "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}"}
    with open(workdir / "servers.log", "w") as log:
        with running_servers(RASA_PORT, ACTIONS_PORT, tracker_db=workdir / "conversations.db", env=env, log=log):
            yield workdir


@pytest.fixture(scope="module")
def browser(servers):
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 850})
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran and opened a dialog: {dialog.message}"))
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """The demo page on a phone-sized screen, where the widget fills the screen."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
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
DEADLINE_QUESTION = "got a 221g letter dated 3 March 2026, when is my deadline?"

# Where the first message of the latest answer (the first bot message after the applicant's
# last message) is, in pixels from the top of the conversation area's visible part.
LATEST_ANSWER = """() => {
    const area = document.querySelector('.va-messages');
    const all = [...area.querySelectorAll('.va-message')];
    const first = all[all.map(m => m.classList.contains('va-user')).lastIndexOf(true) + 1];
    const box = area.getBoundingClientRect();
    return {
        top: first.getBoundingClientRect().top - box.top,
        line: parseFloat(getComputedStyle(first).lineHeight),
        height: area.clientHeight,
        scroll: area.scrollTop,
        end: area.scrollHeight - area.clientHeight,
        text: first.innerText,
    };
}"""


def first_line_shown(view):
    """The first line of the latest answer is inside the visible part of the conversation."""
    return view["top"] >= 0 and view["top"] + view["line"] <= view["height"]


def answer_at_top(view):
    """The latest answer begins at the top of the conversation area, unless the conversation
    ends before it could get there (then the whole answer is on screen)."""
    return first_line_shown(view) and (view["top"] <= 16 or view["scroll"] >= view["end"] - 1)


def no_horizontal_scrolling(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def send_while_scrolled_up(page, text):
    """Sends `text` and scrolls the conversation to its top in the same task of the page, so the
    answer cannot arrive before the reader has scrolled up; returns the number of answers before."""
    before = page.locator(ANSWERED).count()
    page.evaluate(
        """text => {
        document.querySelector('.va-input').value = text;
        document.querySelector('.va-form').requestSubmit();
        document.querySelector('.va-messages').scrollTop = 0;
    }""",
        text,
    )
    return before


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
    # A restored conversation is shown from its end (only a new answer is shown from its start).
    page.wait_for_function(
        """() => { const m = document.querySelector('.va-messages');
        return m.clientHeight > 0 && m.scrollHeight - m.scrollTop - m.clientHeight <= 1; }"""
    )
    assert page.evaluate("document.querySelector('.va-messages').scrollTop") > 0
    # The details come back collapsed, like everything else of the answer.
    assert page.locator(".va-details-toggle[aria-expanded='false']").count() >= 1
    assert page.locator(".va-details-list:visible").count() == 0
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
    for _ in range(8):  # the language button, the close button, the conversation, the input, ...
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
    ask(page, DEADLINE_QUESTION, until=ANSWERED)
    for toggle in page.locator(".va-details-toggle").all():  # open, the details are the widest part
        toggle.click()
    assert page.locator(".va-details-list:visible").count() >= 1
    box = page.locator(".va-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate("(m => m.scrollWidth <= m.clientWidth)(document.querySelector('.va-messages'))")
    context.close()


def test_on_a_phone_an_answer_is_shown_from_its_first_line_with_the_details_collapsed(phone):
    phone.goto(DEMO)
    phone.click(".va-launcher")
    ask(phone, DEADLINE_QUESTION, until=ANSWERED)
    # The view is on the first message of the answer, not on the referral that ends it.
    view = phone.evaluate(LATEST_ANSWER)
    assert answer_at_top(view), view
    assert "3 March 2027" in phone.locator(".va-deadline-card").last.inner_text()
    # The first answer of a conversation ends with the firm's contact card: a booking button,
    # phone and email links.
    card = phone.locator(".va-contact-card").last
    card.wait_for(state="attached", timeout=30000)
    assert card.locator("a.va-contact-book").get_attribute("href").startswith("https://")
    assert card.locator("a[href^='tel:']").count() == 1 and card.locator("a[href^='mailto:']").count() == 1
    assert no_horizontal_scrolling(phone)

    # The longer explanations are one tap away, collapsed.
    toggle = phone.locator(".va-details-toggle").last
    items = phone.locator("#" + toggle.get_attribute("aria-controls"))
    count = items.locator("li").count()
    assert count >= 1 and toggle.inner_text().strip() == f"Good to know ({count})"
    assert toggle.get_attribute("aria-expanded") == "false" and items.is_hidden()
    PHONE_SCREENSHOT.parent.mkdir(exist_ok=True)
    phone.screenshot(path=str(PHONE_SCREENSHOT))

    # Keyboard: Enter on the focused button opens the list, Space closes it; a tap opens it again.
    toggle.focus()
    phone.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and items.is_visible()
    assert all(item.is_visible() and item.inner_text().strip() for item in items.locator("li").all())
    phone.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "false" and items.is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and items.is_visible()
    assert no_horizontal_scrolling(phone)

    # A later answer (the short referral now, no second contact card) is shown from its first line too.
    ask(phone, "what does administrative processing mean", until=ANSWERED)
    view = phone.evaluate(LATEST_ANSWER)
    assert answer_at_top(view), view
    assert no_horizontal_scrolling(phone)
    assert phone.locator(".va-contact-card").count() == 1


def test_a_reader_who_scrolled_up_stays_there_and_is_offered_the_new_messages(phone):
    phone.goto(DEMO)
    phone.click(".va-launcher")
    ask(phone, DEADLINE_QUESTION, until=ANSWERED)
    ask(phone, "what does administrative processing mean", until=ANSWERED)
    hint = phone.locator(".va-unread-button")
    assert hint.is_hidden()

    before = send_while_scrolled_up(phone, "and what if i miss it?")
    phone.locator(ANSWERED).nth(before).wait_for(state="attached", timeout=30000)
    hint.wait_for(state="visible")
    assert re.fullmatch(r"New messages\s*\u2193", hint.inner_text().strip())
    assert hint.evaluate("button => button.closest('[aria-live=\"polite\"]') !== null")
    # The reader's view did not move: the answer is below it, unread.
    view = phone.evaluate(LATEST_ANSWER)
    assert view["scroll"] == 0 and not first_line_shown(view), view
    # Reached by keyboard (just before the input); Enter takes the reader to the answer's first message.
    phone.focus(".va-input")
    phone.keyboard.press("Shift+Tab")
    assert phone.evaluate("document.activeElement.classList.contains('va-unread-button')")
    phone.keyboard.press("Enter")
    view = phone.evaluate(LATEST_ANSWER)
    assert answer_at_top(view), view
    hint.wait_for(state="hidden")
    # Focus is on that message, not lost with the button.
    assert phone.evaluate("document.activeElement.classList.contains('va-message')")

    # Scrolling down to the new answer by oneself makes the button go away as well.
    before = send_while_scrolled_up(phone, "my ceac status says refused, what now?")
    phone.locator(ANSWERED).nth(before).wait_for(state="attached", timeout=30000)
    hint.wait_for(state="visible")
    phone.evaluate("const m = document.querySelector('.va-messages'); m.scrollTop = m.scrollHeight")
    hint.wait_for(state="hidden")
    view = phone.evaluate(LATEST_ANSWER)
    assert view["top"] + view["line"] <= view["height"], view  # the answer's first line is on screen or above


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
    from bot.language.channel import channel_text

    TOO_LONG = channel_text("en", "messages.too_long")

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


def test_a_spanish_page_gets_a_spanish_widget_and_the_language_button_switches(page):
    """data-language="es" (or <html lang="es">): the widget, the disclaimer and the cards in
    Spanish; the "English" button switches the widget and the conversation."""

    def spanish_page(route):
        html = route.fetch().text().replace("<script src=", '<script data-language="es" src=', 1)
        route.fulfill(body=html, content_type="text/html")

    page.route(DEMO, spanish_page)
    served = page.request.get(f"http://localhost:{RASA_PORT}/webhooks/widget/static/widget.js")
    assert served.headers["content-type"] == "application/javascript; charset=utf-8"
    page.goto(DEMO)
    assert page.get_attribute(".va-input", "placeholder") == "Escriba su pregunta"
    assert page.get_attribute(".va-launcher", "aria-label").startswith("Abrir el chat con")
    page.click(".va-launcher")
    assert page.locator(".va-language[data-language='en']").is_visible()
    assert not page.locator(".va-language[data-language='es']").is_visible()
    ask(page, "me dieron la carta 221g el 3 de marzo de 2026, hasta cuándo tengo?", until=".va-deadline-card")
    page.wait_for_selector(".va-sources")
    shown = page.inner_text(".va-messages")
    assert "Hola, le saluda" in shown and "no asesoría legal" in shown  # the disclaimer, in Spanish at once
    card = page.locator(".va-deadline-card").last.inner_text()
    assert "su plazo" in card.lower() and "3 de marzo de 2027" in card and "quedan 261 días" in card
    assert page.locator(".va-sources-summary").last.inner_text().startswith("Fuentes (")
    page.locator(".va-sources-summary").last.click()
    assert "(en inglés)" in page.locator(".va-sources").last.inner_text()

    page.click(".va-language[data-language='en']")
    assert page.get_attribute(".va-input", "placeholder") == "Type your question"
    page.wait_for_selector(bot_says("let's continue in English"))
    assert page.locator(".va-message.va-user").last.inner_text() == "English please"
    # The conversation changed language: its disclaimer once more, in English.
    page.wait_for_selector(bot_says("not legal advice"))
    page.reload()
    assert page.get_attribute(".va-input", "placeholder") == "Type your question"  # the choice is kept
