"""Attorneys' sign-off of knowledge entries on the dashboard, in each language, over plain HTTP: the
real app on a free port with a real SQLite database and the shipped knowledge base."""

import dataclasses
import html
import re

import pytest
from sqlalchemy import text

from bot.backoffice.db import make_engine, migrate
from bot.backoffice.intake import IntakeStore
from bot.backoffice.signoffs import history, record_signoff, signed_off
from bot.rules.knowledge import KnowledgeBase
from scripts.serve import running_dashboard
from tests.common import add_staff_account, unused_port
from tests.staff.test_dashboard_http import PASSWORD, Browser

KNOWLEDGE = KnowledgeBase.load()
# Each test signs (or tries to sign) entries of its own: the database is the module's.
FIRST, SECOND, THIRD, FOURTH, FIFTH, SIXTH, SEVENTH = sorted(KNOWLEDGE.entries)[:7]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("knowledge-signoff")
    env = {
        "DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "TRACKER_DATABASE_URL": f"sqlite:///{workdir / 'conversations.db'}",
        "FIRM_REQUIRE_ATTORNEY_REVIEW": "yes",
    }
    engine = make_engine(env["DATABASE_URL"])
    migrate(engine)
    add_staff_account(env, "attorney@firm.example", "attorney", PASSWORD)
    add_staff_account(env, "staff@firm.example", "staff", PASSWORD)
    port = unused_port()
    with open(workdir / "dashboard.log", "w") as log, running_dashboard(port, env=env, log=log):
        yield f"http://127.0.0.1:{port}", IntakeStore(engine)


def signed_in(base, email):
    browser = Browser(base)
    assert browser.sign_in(email)[0] == 302
    return browser


def form_field(page, name):
    return re.search(rf'name="{name}" value="([^"]+)"', page).group(1)


def words(page):
    """The page's text as read, without its tags."""
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


def list_state(page, entry_id, language="English"):
    """The entry's sign-off cell for that language on the knowledge list, without its tags."""
    cell = re.search(rf'href="/knowledge/{entry_id}".*?data-label="{language} sign-off">(.*?)</td>', page, re.S)
    return words(cell.group(1))


def sign_off_form(page, language):
    """The fields of the sign-off form in the language's section of an entry's page."""
    section = re.search(rf'<section[^>]*id="signoff-{language}">(.*?)</section>', page, re.S).group(1)
    form = re.search(r"<form[^>]*>(.*?)</form>", section, re.S).group(1)
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))


def audit_lines(store):
    with store.session() as session:
        query = text("select actor, action, detail from audit_events where action like 'signed off%'")
        return session.execute(query).all()


def test_an_attorney_signs_off_the_text_read_and_the_pages_and_audit_log_show_it(dashboard):
    base, store = dashboard
    attorney = signed_in(base, "attorney@firm.example")
    status, _, page = attorney.request(f"/knowledge/{FIRST}")
    entry = KNOWLEDGE.entry(FIRST)
    assert status == 200 and "not reviewed" in page and "Sign off this English text" in page
    assert entry.text in page and entry.sources_checked.isoformat() in page and entry.file in page
    assert all(source.url in page and source.title in page and source.reliability in page for source in entry.sources)
    form = {"csrf": form_field(page, "csrf"), "content_hash": form_field(page, "content_hash")}
    assert form | {"language": "en"} == sign_off_form(page, "en")
    status, headers, _ = attorney.request(f"/knowledge/{FIRST}/sign-off", form)  # as before languages: English
    assert (status, headers["Location"]) == (302, f"/knowledge/{FIRST}?saved=en")
    [signed] = history(store, FIRST)
    assert (signed.content_hash, signed.signed_by) == (entry.content_hash, "attorney@firm.example")
    expected = f"signed off by attorney@firm.example on {signed.signed_at:%Y-%m-%d}"
    _, _, page = attorney.request(f"/knowledge/{FIRST}?saved=en")
    assert expected in page and "Signed off the English text." in page and "(this text)" in page
    assert list_state(attorney.request("/knowledge")[2], FIRST) == expected
    assert list_state(attorney.request("/knowledge")[2], FIRST, "Spanish") == "not reviewed"  # its own sign-off
    detail = f"{FIRST} (English, {entry.content_hash[:12]})"
    assert ("attorney@firm.example", "signed off knowledge entry", detail) in audit_lines(store)
    assert detail in attorney.request("/audit")[2]


def test_staff_read_an_entry_but_cannot_sign_it_off(dashboard):
    base, store = dashboard
    staff = signed_in(base, "staff@firm.example")
    status, _, page = staff.request(f"/knowledge/{SECOND}")
    assert status == 200 and KNOWLEDGE.entry(SECOND).text in page
    assert KNOWLEDGE.entry(SECOND).translation("es").text in page
    assert "Sign off this" not in page and 'name="content_hash"' not in page
    form = {"csrf": form_field(page, "csrf"), "content_hash": KNOWLEDGE.entry(SECOND).content_hash}
    status, _, page = staff.request(f"/knowledge/{SECOND}/sign-off", form)
    assert status == 403 and "Only attorneys can sign off" in page
    assert history(store, SECOND) == [] and not [line for line in audit_lines(store) if SECOND in line[2]]


def test_a_text_changed_since_the_page_was_shown_is_not_signed_off(dashboard):
    base, store = dashboard
    attorney = signed_in(base, "attorney@firm.example")
    entry = KNOWLEDGE.entry(THIRD)
    shown_earlier = dataclasses.replace(entry, text=entry.text + " An older sentence.")  # what the page showed
    form = {"csrf": attorney.csrf(f"/knowledge/{THIRD}"), "content_hash": shown_earlier.content_hash}
    status, _, page = attorney.request(f"/knowledge/{THIRD}/sign-off", form)
    assert status == 409 and "This entry's English text changed after the page was shown" in page
    assert attorney.request(f"/knowledge/{THIRD}/sign-off", {"csrf": form["csrf"]})[0] == 409  # no hash at all
    assert history(store, THIRD) == []


def test_a_sign_off_without_the_sessions_csrf_token_is_refused(dashboard):
    base, store = dashboard
    attorney, other = signed_in(base, "attorney@firm.example"), signed_in(base, "attorney@firm.example")
    content_hash = KNOWLEDGE.entry(THIRD).content_hash
    status, _, page = attorney.request(f"/knowledge/{THIRD}/sign-off", {"content_hash": content_hash})
    assert status == 403 and "This form has expired" in page
    form = {"csrf": other.csrf(), "content_hash": content_hash}
    assert attorney.request(f"/knowledge/{THIRD}/sign-off", form)[0] == 403
    assert history(store, THIRD) == []


def test_an_unknown_entry_has_no_page_and_cannot_be_signed_off(dashboard):
    base, store = dashboard
    attorney = signed_in(base, "attorney@firm.example")
    status, _, page = attorney.request("/knowledge/no_such_entry")
    assert status == 404 and "The knowledge base has no entry 'no_such_entry'" in page
    form = {"csrf": attorney.csrf(), "content_hash": "0" * 64}
    assert attorney.request("/knowledge/no_such_entry/sign-off", form)[0] == 404
    assert history(store, "no_such_entry") == []


def test_the_list_counts_the_entries_signed_off_for_their_current_text(dashboard):
    base, store = dashboard
    staff = signed_in(base, "staff@firm.example")

    def count_line():
        """What the list should say: the files are read afresh, as the dashboard reads them."""
        entries = KnowledgeBase.load().entries.values()
        return (
            f"English: {len(signed_off(store, entries))} of {len(entries)} entries signed off by an attorney. "
            f"Spanish: {len(signed_off(store, entries, 'es'))} of {len(entries)} translations signed off by an attorney."
        )

    page = staff.request("/knowledge")[2]
    assert count_line() in words(page) and "Answers use only signed-off entries: on (" in words(page)
    assert list_state(page, FOURTH) == "not reviewed"
    entry = KNOWLEDGE.entry(FOURTH)
    record_signoff(store, entry, "attorney@firm.example")
    before = count_line()
    page = staff.request("/knowledge")[2]
    assert before in words(page) and not before.startswith("English: 0 of")
    # A sign-off of another version (the entry edited since): not reviewed, and not counted.
    older = record_signoff(store, dataclasses.replace(entry, short="An older short version."), "bo@firm.example")
    page = staff.request("/knowledge")[2]
    assert count_line() in words(page) and count_line() != before
    changed = f"changed since sign-off on {older.signed_at:%Y-%m-%d} by bo@firm.example (not reviewed)"
    assert list_state(page, FOURTH) == changed
    page = staff.request(f"/knowledge/{FOURTH}")[2]
    assert changed in words(page) and "(an earlier text)" in page and "(this text)" in page


# --- per language (issue 25) ------------------------------------------------------------------


def test_an_attorney_signs_off_the_spanish_text_on_its_own_form(dashboard):
    base, store = dashboard
    attorney = signed_in(base, "attorney@firm.example")
    entry = KNOWLEDGE.entry(FIFTH)
    spanish = entry.translation("es")
    status, _, page = attorney.request(f"/knowledge/{FIFTH}")
    assert status == 200 and spanish.text in page and entry.text in page
    assert (spanish.short or "") in page and spanish.translated_from in page
    assert "Sign off this English text" in page and "Sign off this Spanish text" in page
    form = sign_off_form(page, "es")
    assert (form["language"], form["content_hash"]) == ("es", entry.content_hash_in("es"))
    assert sign_off_form(page, "en")["content_hash"] == entry.content_hash
    status, headers, _ = attorney.request(f"/knowledge/{FIFTH}/sign-off", form)
    assert (status, headers["Location"]) == (302, f"/knowledge/{FIFTH}?saved=es")
    [signed] = history(store, FIFTH, None)
    assert (signed.language, signed.content_hash) == ("es", entry.content_hash_in("es"))
    assert signed_off(store, [entry], "es") == {FIFTH} and signed_off(store, [entry]) == set()
    expected = f"signed off by attorney@firm.example on {signed.signed_at:%Y-%m-%d}"
    listed = attorney.request("/knowledge")[2]
    assert (list_state(listed, FIFTH), list_state(listed, FIFTH, "Spanish")) == ("not reviewed", expected)
    page = attorney.request(f"/knowledge/{FIFTH}?saved=es")[2]
    assert "Signed off the Spanish text." in page and f"Spanish: {expected}" in words(page)
    history_row = re.search(r'<td data-label="Language">(.*?)</td>\s*<td data-label="Version">(.*?)</td>', page)
    assert words(history_row.group(1)) == "Spanish" and "(this text)" in history_row.group(2)
    detail = f"{FIFTH} (Spanish, {entry.content_hash_in('es')[:12]})"
    assert ("attorney@firm.example", "signed off knowledge entry", detail) in audit_lines(store)
    assert detail in attorney.request("/audit")[2]


def test_a_spanish_text_changed_since_the_page_was_shown_is_not_signed_off(dashboard):
    base, store = dashboard
    attorney = signed_in(base, "attorney@firm.example")
    entry = KNOWLEDGE.entry(SIXTH)
    spanish = entry.translation("es")
    shown_earlier = dataclasses.replace(
        entry, translations=(("es", dataclasses.replace(spanish, text=spanish.text + " Una frase anterior.")),)
    )
    csrf = attorney.csrf(f"/knowledge/{SIXTH}")
    for language, content_hash in [
        ("es", shown_earlier.content_hash_in("es")),
        ("es", entry.content_hash),  # the English version read does not sign the Spanish
        ("en", entry.content_hash_in("es")),  # nor the reverse
    ]:
        form = {"csrf": csrf, "language": language, "content_hash": content_hash}
        status, _, page = attorney.request(f"/knowledge/{SIXTH}/sign-off", form)
        assert status == 409, (language, content_hash)
        name = "Spanish" if language == "es" else "English"
        assert f"This entry's {name} text changed after the page was shown; nothing was signed." in page
    assert history(store, SIXTH, None) == [] and not [line for line in audit_lines(store) if SIXTH in line[2]]


def test_a_language_the_assistant_does_not_speak_is_refused(dashboard):
    base, store = dashboard
    attorney = signed_in(base, "attorney@firm.example")
    entry = KNOWLEDGE.entry(SEVENTH)
    csrf = attorney.csrf(f"/knowledge/{SEVENTH}")
    for language in ("fr", "ES", "english"):
        form = {"csrf": csrf, "language": language, "content_hash": entry.content_hash}
        status, _, page = attorney.request(f"/knowledge/{SEVENTH}/sign-off", form)
        assert status == 400 and f"The assistant does not speak '{language}': nothing was signed." in page
        assert "English (en), Spanish (es)" in page
    assert history(store, SEVENTH, None) == []


def entry_page(entry, signoffs, role="attorney"):
    """The entry's page as the dashboard renders it (no server: the shipped files cannot be edited
    under a running one), as its text."""
    from bot.backoffice.accounts import SignedIn
    from bot.rules.firm import load_firm
    from bot.staff.app import Dashboard
    from bot.staff.knowledge_review import entry_texts

    dashboard = Dashboard(None, None, None, None, load_firm({}))
    texts = entry_texts(entry, signoffs)
    user = SignedIn("attorney@firm.example", role, "token", 1, "Attorney", "Attorney")
    current = {text.language: text.content_hash for text in texts}
    page = dashboard.render(  # no database here: nobody waits for a live chat
        "knowledge_entry.html", user, entry=entry, texts=texts, signoffs=signoffs, current=current, live_waiting=None
    )
    return html.unescape(page.body.decode())


def test_an_entry_without_a_spanish_text_or_with_one_out_of_date_has_no_spanish_form():
    entry = KNOWLEDGE.entry(FIRST)
    untranslated = dataclasses.replace(entry, translations=())
    page = entry_page(untranslated, [])
    assert "This entry has no Spanish text: Spanish conversations are shown its English" in page
    assert "no translation (the English is shown, and its sign-off counts)" in words(page)
    assert "Sign off this English text" in page and "Sign off this Spanish text" not in page
    # The English edited, the translation not renewed: shown, but nothing to sign until it is.
    english_changed = dataclasses.replace(entry, text=entry.text + " A new sentence.")
    page = entry_page(english_changed, [])
    assert entry.translation("es").text in page and "an earlier English: out of date" in page
    assert "translation out of date (the English changed since it was translated; not reviewed)" in words(page)
    assert "A translation out of date cannot be signed off" in page
    assert "Sign off this English text" in page and "Sign off this Spanish text" not in page
