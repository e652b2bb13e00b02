/*
 * Visa assistant chat widget: embedded by a law firm with one script tag.
 *
 *   <script src="{server}/webhooks/widget/static/widget.js"
 *           data-server-url="{server}" data-firm-name="..."
 *           data-primary-color="#1f4e79" data-accent-color="#f2a900"
 *           data-language="es" defer></script>
 *
 * Language: data-language, else the page's <html lang>, else the firm's; the language button in
 * the header switches (and asks the assistant to switch too), and the widget follows the
 * language the assistant's cards come in. Its words come from the server's tables
 * (bot/language/<code>/channel.yml), put in place of CHANNEL_STRINGS when widget.js is served.
 *
 * Talks to the Rasa socket.io channel (events session_request / session_confirm,
 * user_uttered / bot_uttered, and history). Plain ES2017, no build step.
 *
 * The browser keeps only the session id the server issued (signed; it lets this
 * browser resume its conversation). The transcript stays on the server, which sends
 * it again as "history" when the browser comes back: any script on the firm's site
 * can read localStorage, so no message is ever stored there.
 *
 * Security rule for this file: bot and user content is only ever put into the
 * page with createElement + textContent, never as HTML, so that a message like
 * "<script>alert(1)</script>" is shown as text.
 *
 * Scrolling: an answer comes as several messages (the short answer, maybe a deadline
 * card, the details, the sources, the referral). A phone shows little, so the view
 * is put on the FIRST message of a new answer, not on its end. A reader who has
 * scrolled up is left where they are and offered a "New messages" button instead.
 * The history restored after a reload is shown from its end.
 */
(function () {
  "use strict";

  // currentScript is only set while this file first runs, so capture it now.
  var script = document.currentScript || (function () {
    var all = document.getElementsByTagName("script");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/widget\.js(?:[?#].*)?$/.test(all[i].src || "")) return all[i];
    }
    return null;
  })();
  if (!script) return;

  var KEY_SESSION = "visa-assistant-session";
  var KEY_OLD_HISTORY = "visa-assistant-history"; // earlier versions stored the transcript here
  var KEY_OPEN = "visa-assistant-open";
  var MAX_HISTORY = 100;
  var MAX_LENGTH = 2000;
  var TYPING_TIMEOUT_MS = 10000;
  var NEAR_BOTTOM_PX = 48;   // closer than this to the end counts as "at the end"
  var TOP_GAP_PX = 8;        // room left above an answer scrolled to the top
  var DEFAULT_PRIMARY = "#1f4e79";
  var DEFAULT_ACCENT = "#f2a900";
  var KEY_LANGUAGE = "visa-assistant-language";
  var URGENCY_BANDS = ["passed", "due_today", "within_30_days", "within_90_days", "later"];
  // {code: {strings: {"cards.book": ...}, months: [...], date: "{day} {month} {year}"}}, put here
  // by the server (components/channels/widget.py) from bot/language/<code>/channel.yml.
  var LANGUAGES = /*CHANNEL_STRINGS*/null;
  if (!LANGUAGES || !LANGUAGES.en) return; // not served by the assistant's server
  // The firm's language (firm.yml `language`), for a page that names none.
  var FIRM_LANGUAGE = /*FIRM_LANGUAGE*/"en";

  // Static files (css, socket.io) live next to widget.js, wherever it is served from.
  var scriptUrl = script.src || window.location.href;
  var language = chosenLanguage();
  var firmNameGiven = (script.getAttribute("data-firm-name") || "").trim();
  var serverUrl = resolveServerUrl(script.getAttribute("data-server-url"));
  var primary = validColor(script.getAttribute("data-primary-color"), DEFAULT_PRIMARY);
  var accent = validColor(script.getAttribute("data-accent-color"), DEFAULT_ACCENT);

  // ---------- small helpers ----------

  function known(code) {
    code = String(code || "").slice(0, 2).toLowerCase();
    return Object.prototype.hasOwnProperty.call(LANGUAGES, code) ? code : null;
  }

  function chosenLanguage() {
    return known(load(KEY_LANGUAGE)) || known(script.getAttribute("data-language")) ||
      known(document.documentElement.lang) || known(FIRM_LANGUAGE) || "en";
  }

  // One text of the language's table, its {placeholders} filled.
  function t(key, values, code) {
    var table = LANGUAGES[known(code) || language].strings;
    var text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : LANGUAGES.en.strings[key];
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function firmName() {
    return firmNameGiven || t("widget.default_firm_name");
  }

  function resolveServerUrl(attr) {
    var url;
    if (attr === null) {
      // Attribute missing: the server that served widget.js is the chat server.
      try { url = new URL(scriptUrl).origin; } catch (e) { url = window.location.origin; }
    } else {
      url = attr.trim() || window.location.origin; // "" means same origin
    }
    return url.replace(/\/+$/, "");
  }

  function validColor(value, fallback) {
    value = (value || "").trim();
    return /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(value) ? value : fallback;
  }

  // localStorage can throw (disabled storage, Safari private mode, quota):
  // the widget must keep working, it just forgets across reloads then.
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* ignore */ }
  }
  function forget(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // "2027-03-03" -> "3 March 2027" / "3 de marzo de 2027", read from the string itself:
  // new Date("2027-03-03") is UTC midnight and would show the previous day west of Greenwich.
  function formatIsoDate(iso, code) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    if (!m || +m[2] < 1 || +m[2] > 12) return String(iso || "");
    var words = LANGUAGES[known(code) || language];
    return words.date.replace("{day}", String(+m[3])).replace("{month}", words.months[+m[2] - 1])
      .replace("{year}", m[1]);
  }

  function daysText(days, code) {
    if (typeof days !== "number" || !isFinite(days)) return "";
    if (days === 0) return t("cards.due_today", null, code);
    if (days > 0) return t(days === 1 ? "cards.days_left_one" : "cards.days_left_other", { n: days }, code);
    return t(days === -1 ? "cards.passed_one" : "cards.passed_other", { n: -days }, code);
  }

  function isHttpUrl(url) {
    try {
      var p = new URL(String(url)).protocol;
      return p === "http:" || p === "https:";
    } catch (e) {
      return false;
    }
  }

  // ---------- state ----------

  var sessionId = load(KEY_SESSION); // null: the server issues one
  forget(KEY_OLD_HISTORY);

  var history = [];          // what is on screen (in memory only)
  var historyShown = false;  // the server's history of this conversation is on screen

  var socket = null;
  var sessionReady = false; // true once session_confirm arrived on this connection
  var outbox = [];          // user messages waiting for a confirmed session
  var typingTimer = null;
  var personHolds = false;   // a person of the firm holds the conversation (live chat)
  var ui = {};

  // Scrolling (see the top of the file).
  var awaitingAnswer = false; // the user spoke; the next bot message starts an answer
  var answerStart = null;     // first message of the latest answer (null: none yet)
  var autoScrollTop = null;   // where the widget last put the view itself
  var firstUnread = null;     // first message that arrived while the reader was elsewhere
  var closedScrollTop = null; // the reader's place when the panel was closed
  var detailsCount = 0;       // for unique ids of the details lists

  // ---------- UI ----------

  function buildUi() {
    var root = el("div", "va-root");
    root.id = "va-widget";
    root.style.setProperty("--va-primary", primary);
    root.style.setProperty("--va-accent", accent);
    root.hidden = true; // shown once widget.css has loaded, to avoid a flash of unstyled UI

    // The panel comes before the launcher in the DOM so that Tab goes from the
    // conversation to the input and then back to the launcher.
    var panel = el("div", "va-panel");
    panel.id = "va-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", t("widget.panel", { firm: firmName() }));
    panel.hidden = true;

    var header = el("div", "va-header");
    var title = el("h2", "va-title", firmName());
    // One button per other language, named in that language (its own name for itself).
    var switches = Object.keys(LANGUAGES).map(function (code) {
      var b = el("button", "va-language", LANGUAGES[code].strings["widget.switch_button"]);
      b.type = "button";
      b.lang = code;
      b.setAttribute("data-language", code);
      b.setAttribute("aria-label", LANGUAGES[code].strings["widget.switch_label"]);
      b.addEventListener("click", function () { switchLanguage(code); });
      return b;
    });
    var close = el("button", "va-close");
    close.type = "button";
    close.appendChild(el("span", null, "\u00d7")).setAttribute("aria-hidden", "true");
    header.appendChild(title);
    switches.forEach(function (b) { header.appendChild(b); });
    header.appendChild(close);

    var disclaimer = el("p", "va-disclaimer");
    var notice = el("div", "va-notice");
    notice.setAttribute("role", "status");
    notice.hidden = true;

    var messages = el("div", "va-messages");
    messages.setAttribute("role", "log");
    messages.setAttribute("aria-live", "polite");

    messages.tabIndex = 0; // lets keyboard users scroll a long conversation

    // "New messages" button, over the bottom of the conversation; the wrapper is a
    // live region so that screen readers hear it appear.
    var unreadBox = el("div", "va-unread");
    unreadBox.setAttribute("aria-live", "polite");
    var unread = el("button", "va-unread-button");
    unread.type = "button";
    unread.hidden = true;
    unreadBox.appendChild(unread);

    var typing = el("div", "va-typing");
    typing.setAttribute("role", "status");

    typing.appendChild(el("span", null, "\u2026")).setAttribute("aria-hidden", "true");
    typing.hidden = true;

    var form = el("form", "va-form");
    form.noValidate = true;
    var label = el("label", "va-sr-only");
    label.htmlFor = "va-input";
    var input = el("textarea", "va-input");
    input.id = "va-input";
    input.rows = 1;
    input.maxLength = MAX_LENGTH;
    input.setAttribute("autocomplete", "off");
    var send = el("button", "va-send");
    send.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);

    panel.appendChild(header);
    panel.appendChild(disclaimer);
    panel.appendChild(notice);
    panel.appendChild(messages);
    panel.appendChild(unreadBox);
    panel.appendChild(typing);
    panel.appendChild(form);

    var launcher = el("button", "va-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "va-panel");
    launcher.appendChild(chatIcon());

    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);

    ui = { root: root, panel: panel, launcher: launcher, close: close, notice: notice,
      messages: messages, unread: unread, typing: typing, form: form, input: input,
      title: title, switches: switches, disclaimer: disclaimer, label: label, send: send };
    showLanguage();

    launcher.addEventListener("click", function () { setOpen(ui.panel.hidden, true); });
    close.addEventListener("click", function () { setOpen(false, true); });
    unread.addEventListener("click", goToUnread);
    messages.addEventListener("scroll", function () {
      if (firstUnread && reached(firstUnread)) clearUnread();
    }, { passive: true });
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        e.preventDefault();
        setOpen(false, true);
      }
    });
    input.addEventListener("keydown", function (e) {
      // Enter sends, Shift+Enter makes a new line; not while an IME is composing.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submit();
    });

    if (load(KEY_OPEN) === "1") setOpen(true, false);
  }

  // Speech-bubble icon drawn with SVG DOM calls (no markup strings).
  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  // moveFocus: true for a user action (click, Escape); false when restoring the
  // open state on page load, where stealing focus from the host page would be rude.
  function setOpen(open, moveFocus) {
    if (!open && !ui.panel.hidden) closedScrollTop = ui.messages.scrollTop;
    ui.panel.hidden = !open;
    ui.root.classList.toggle("va-open", open);
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    save(KEY_OPEN, open ? "1" : "0");
    if (open) {
      restoreView();
      if (moveFocus) ui.input.focus();
    } else if (moveFocus) {
      ui.launcher.focus();
    }
  }

  // ---------- scrolling ----------

  function visible() {
    return !ui.root.hidden && !ui.panel.hidden;
  }

  function scrollToEnd() {
    ui.messages.scrollTop = ui.messages.scrollHeight;
    autoScrollTop = null;
  }

  function nearBottom() {
    var m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight <= NEAR_BOTTOM_PX;
  }

  // Puts `node` at the top of the conversation area (or as near as the content allows).
  function scrollToMessage(node) {
    var m = ui.messages;
    var top = m.scrollTop + node.getBoundingClientRect().top - m.getBoundingClientRect().top - TOP_GAP_PX;
    m.scrollTop = Math.max(0, top);
    autoScrollTop = m.scrollTop;
  }

  // The reader has come to `node`: its top is on screen, or above it.
  function reached(node) {
    var box = ui.messages.getBoundingClientRect();
    return node.getBoundingClientRect().top <= box.bottom - Math.min(24, box.height / 2);
  }

  function clearUnread() {
    firstUnread = null;
    ui.unread.hidden = true;
  }

  function goToUnread() {
    var node = firstUnread;
    clearUnread();
    if (!node || !node.parentNode) return;
    scrollToMessage(node);
    // The button is gone: focus the message it led to, not the page behind the widget.
    node.tabIndex = -1;
    node.focus({ preventScroll: true });
  }

  // What the panel shows when it appears: what came while it was closed, else the
  // reader's place, else the latest answer from its start, else the end.
  function restoreView() {
    if (!visible()) return;
    if (firstUnread) {
      goToUnreadQuietly();
    } else if (closedScrollTop !== null) {
      ui.messages.scrollTop = closedScrollTop;
    } else if (answerStart && answerStart.parentNode) {
      scrollToMessage(answerStart);
    } else {
      scrollToEnd();
    }
  }

  function goToUnreadQuietly() {
    var node = firstUnread;
    clearUnread();
    if (node && node.parentNode) scrollToMessage(node);
  }

  // A live bot message was just added. `following`: the reader was at the end or on the
  // place where the widget had put the current answer, before it was added.
  function placeView(node, following) {
    var starts = awaitingAnswer || !answerStart || !answerStart.parentNode;
    awaitingAnswer = false;
    if (starts) answerStart = node;
    if (!visible()) {
      // Closed panel: opening it shows the first of what came meanwhile.
      if (!firstUnread) firstUnread = node;
      closedScrollTop = null;
      return;
    }
    if (following && !firstUnread) {
      scrollToMessage(answerStart);
      return;
    }
    if (!firstUnread) {
      if (reached(node)) return; // already on screen: nothing unread
      firstUnread = node;
    }
    ui.unread.hidden = false;
  }

  function isFollowing() {
    if (!visible()) return false;
    if (nearBottom()) return true;
    return autoScrollTop !== null && Math.abs(ui.messages.scrollTop - autoScrollTop) <= 2;
  }

  // Renders one history entry and returns its node. Entries are plain data:
  //   {from: "user", text}
  //   {from: "bot", text, replies: [{title, payload}], used}
  //   {from: "bot", text, staff: "Ana (Paralegal), Firm"}  (a person of the firm wrote it)
  //   {from: "bot", custom: {type: "deadline" | "details" | "sources" | "contact", ...}}
  // before: a node to insert in front of (the history arrives after the page has started).
  function renderMessage(msg, before) {
    var node = el("div", "va-message " + (msg.from === "user" ? "va-user" : "va-bot"));
    if (msg.custom && msg.custom.type === "deadline") {
      node.appendChild(deadlineCard(msg.custom));
    } else if (msg.custom && msg.custom.type === "details") {
      node.appendChild(detailsBlock(msg.custom));
    } else if (msg.custom && msg.custom.type === "sources") {
      node.appendChild(sourcesList(msg.custom));
    } else if (msg.custom && msg.custom.type === "contact") {
      node.appendChild(contactCard(msg.custom));
    } else {
      // Written by a person of the firm during a live chat: who, above it.
      if (msg.staff) {
        node.className += " va-staff";
        node.appendChild(el("div", "va-staff-label", msg.staff));
      }
      // white-space: pre-line in the CSS turns "\n" into line breaks.
      node.appendChild(el("div", "va-text", msg.text));
      if (msg.replies && msg.replies.length) node.appendChild(quickReplies(msg));
    }
    ui.messages.insertBefore(node, before || null);
    return node;
  }

  function quickReplies(msg) {
    var box = el("div", "va-quick-replies");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", t("widget.suggested_replies"));
    msg.replies.forEach(function (reply) {
      var b = el("button", "va-quick-reply", reply.title);
      b.type = "button";
      b.disabled = !!msg.used;
      b.addEventListener("click", function () {
        if (msg.used) return;
        sendUserMessage(reply.title, reply.payload);
      });
      box.appendChild(b);
    });
    return box;
  }

  // Once the user answers (by button or by typing), older suggestions no longer apply.
  function disableQuickReplies() {
    history.forEach(function (m) {
      if (m.replies && m.replies.length && !m.used) m.used = true;
    });
    var buttons = ui.messages.querySelectorAll(".va-quick-reply");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  }

  // A card is written in the language the assistant wrote it in (its `language`).
  function deadlineCard(c) {
    var code = c.language;
    var card = el("div", "va-deadline-card");
    var urgency = URGENCY_BANDS.indexOf(c.urgency) >= 0 ? c.urgency : "unknown";
    card.setAttribute("data-urgency", urgency);
    card.appendChild(el("div", "va-deadline-heading", t("cards.deadline_heading", null, code)));
    card.appendChild(el("div", "va-deadline-date", formatIsoDate(c.deadline, code)));
    var days = daysText(c.days_left, code);
    if (days) card.appendChild(el("div", "va-deadline-days", days));
    if (urgency !== "unknown") {
      card.appendChild(el("span", "va-deadline-urgency va-urgency-" + urgency, t("cards.urgency_" + urgency, null, code)));
    }
    if (c.counted_from === "dv_fiscal_year") {
      // The end of the DV program year comes before one year from the notice: it sets the date.
      card.appendChild(el("div", "va-deadline-from", t("cards.dv_fiscal_year", null, code)));
    } else if (c.notice_date) {
      var key = c.counted_from === "interview" ? "cards.counted_from_interview" : "cards.counted_from_notice";
      card.appendChild(el("div", "va-deadline-from", t(key, { date: formatIsoDate(c.notice_date, code) }, code)));
    }
    return card;
  }

  function detailTexts(c) {
    return (Array.isArray(c.items) ? c.items : []).map(function (item) {
      return item && typeof item.text === "string" ? item.text.trim() : "";
    }).filter(function (text) { return text !== ""; });
  }

  // The longer explanations and tips, collapsed behind a disclosure button
  // (aria-expanded + aria-controls; a native button answers Enter and Space).
  function detailsBlock(c) {
    var texts = detailTexts(c);
    var title = typeof c.title === "string" && c.title.trim() ? c.title.trim() : t("cards.details_title", null, c.language);
    var box = el("div", "va-details");
    var listId = "va-details-" + (++detailsCount);
    var toggle = el("button", "va-details-toggle");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", listId);
    toggle.appendChild(el("span", "va-details-marker")).setAttribute("aria-hidden", "true");
    toggle.appendChild(el("span", "va-details-label", title + " (" + texts.length + ")"));
    var list = el("ul", "va-details-list");
    list.id = listId;
    list.hidden = true;
    texts.forEach(function (text) {
      list.appendChild(el("li", "va-details-item", text));
    });
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      list.hidden = !open;
    });
    box.appendChild(toggle);
    box.appendChild(list);
    return box;
  }

  // The firm's contacts: a booking button, phone and email links, the office hours.
  function contactCard(c) {
    var card = el("div", "va-contact-card");
    card.appendChild(el("div", "va-contact-name", String(c.firm_name || "")));
    if (isHttpUrl(c.booking_url)) {
      var book = el("a", "va-contact-book", t("cards.book", null, c.language));
      book.href = String(c.booking_url);
      book.target = "_blank";
      book.rel = "noopener noreferrer";
      card.appendChild(book);
    }
    if (c.phone) {
      var phone = el("a", "va-contact-line", t("cards.phone", { phone: c.phone }, c.language));
      // The number up to any extension ("ext 2"), digits and "+" only.
      phone.href = "tel:" + String(c.phone).split(/[a-z]/i)[0].replace(/[^0-9+]/g, "");
      card.appendChild(phone);
    }
    if (c.email) {
      var email = el("a", "va-contact-line", t("cards.email", { email: c.email }, c.language));
      email.href = "mailto:" + encodeURIComponent(String(c.email)).replace("%40", "@");
      card.appendChild(email);
    }
    if (c.office_hours) card.appendChild(el("div", "va-contact-hours", String(c.office_hours)));
    return card;
  }

  // A source's title stays in its page's language, marked when that is not the card's.
  function sourcesList(c) {
    var sources = Array.isArray(c.sources) ? c.sources : [];
    var code = c.language;
    // <details> is collapsible and keyboard-accessible without any script.
    var box = el("details", "va-sources");
    box.appendChild(el("summary", "va-sources-summary", t("cards.sources_count", { n: sources.length }, code)));
    var list = el("ul", "va-sources-list");
    sources.forEach(function (s) {
      s = s || {};
      var item = el("li", "va-source");
      var title = String(s.title || s.url || t("cards.source", null, code));
      var mark = known(s.language || "en") ? t("cards.source_in_" + known(s.language || "en"), null, code) : "";
      if (mark) title += " " + mark;
      if (isHttpUrl(s.url)) {
        var a = el("a", "va-source-link", title);
        a.href = String(s.url);
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        item.appendChild(a);
      } else {
        item.appendChild(el("span", "va-source-title", title));
      }
      if (s.reliability) item.appendChild(el("span", "va-source-reliability", " (" + s.reliability + ")"));
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function addMessage(msg) {
    history.push(msg);
    if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
    if (msg.from === "user") {
      renderMessage(msg);
      // The reader just wrote: show it, and put the answer at the top when it comes.
      clearUnread();
      awaitingAnswer = true;
      answerStart = null;
      closedScrollTop = null;
      scrollToEnd();
      return;
    }
    var following = isFollowing();
    placeView(renderMessage(msg), following);
  }

  // The conversation so far, from the server, shown once per page before anything
  // typed while it was on its way.
  function onHistory(entries) {
    if (historyShown || !Array.isArray(entries)) return;
    historyShown = true;
    var first = ui.messages.firstChild;
    var restored = [];
    entries.slice(-MAX_HISTORY).forEach(function (entry) {
      if (!entry || typeof entry !== "object") return;
      if (typeof entry.handoff === "string") setPersonHolds(entry.handoff === "taken");
      if (entry.custom && entry.custom.type === "details" && !detailTexts(entry.custom).length) return;
      var msg = {
        from: entry.from === "user" ? "user" : "bot",
        text: typeof entry.text === "string" ? entry.text : "",
        custom: entry.custom && typeof entry.custom === "object" ? entry.custom : null,
        replies: (Array.isArray(entry.replies) ? entry.replies : []).filter(function (r) {
          return r && typeof r.title === "string" && typeof r.payload === "string";
        }),
        used: entry.used !== false,
        staff: staffLabel(entry.staff)
      };
      restored.push(msg);
      renderMessage(msg, first);
    });
    history = restored.concat(history).slice(-MAX_HISTORY);
    // A restored conversation is shown from its end, unless an answer given on this
    // page is already on screen.
    if (!visible()) return;
    if (answerStart && answerStart.parentNode && autoScrollTop !== null) scrollToMessage(answerStart);
    else if (!firstUnread) scrollToEnd();
  }

  function showTyping(on) {
    clearTimeout(typingTimer);
    ui.typing.hidden = !on;
    if (on) {
      typingTimer = setTimeout(function () { ui.typing.hidden = true; }, TYPING_TIMEOUT_MS);
      if (visible() && !firstUnread) scrollToEnd(); // the indicator takes room from the conversation
    }
  }

  function showNotice(text) {
    ui.notice.textContent = text || "";
    ui.notice.hidden = !text;
  }

  // ---------- sending and receiving ----------

  function submit() {
    var text = ui.input.value.trim().slice(0, MAX_LENGTH);
    if (!text) return;
    ui.input.value = "";
    sendUserMessage(text, text);
    ui.input.focus();
  }

  // shown: what the conversation displays; payload: what the server receives
  // (a quick reply shows its title but sends e.g. "/affirm").
  // The widget's own words in the current language; the button of the current language hidden.
  function showLanguage() {
    ui.root.lang = language;
    ui.panel.setAttribute("aria-label", t("widget.panel", { firm: firmName() }));
    ui.title.textContent = firmName();
    ui.close.setAttribute("aria-label", t("widget.close"));
    // While a person of the firm holds the conversation, the notice says so (the assistant is paused).
    ui.disclaimer.textContent = personHolds ? t("widget.notice_person", { firm: firmName() }) : t("widget.notice");
    ui.messages.setAttribute("aria-label", t("widget.conversation"));
    ui.unread.textContent = t("widget.new_messages");
    ui.typing.setAttribute("aria-label", t("widget.typing"));
    ui.label.textContent = t("widget.input");
    ui.input.placeholder = t("widget.input");
    ui.send.textContent = t("widget.send");
    ui.launcher.setAttribute("aria-label", t("widget.open", { firm: firmName() }));
    ui.switches.forEach(function (b) { b.hidden = b.getAttribute("data-language") === language; });
  }

  function setPersonHolds(on) {
    personHolds = on;
    showLanguage();
  }

  function setLanguage(code) {
    language = known(code) || language;
    save(KEY_LANGUAGE, language);
    showLanguage();
  }

  // The language button: the widget switches, and asks the assistant to switch, in words
  // the assistant understands in any language (the table's switch_message).
  function switchLanguage(code) {
    setLanguage(code);
    var message = t("widget.switch_message", null, code);
    sendUserMessage(message, message);
  }

  function sendUserMessage(shown, payload) {
    disableQuickReplies();
    addMessage({ from: "user", text: shown });
    outbox.push(String(payload));
    flushOutbox();
    if (!personHolds) showTyping(true);
  }

  // Messages wait here until the server has confirmed the session on the current
  // connection: the server ignores user_uttered from a socket that has not done
  // session_request, and replies go to the session's room, joined only then.
  // socket.io's own buffer would send them before our session_request on reconnect.
  function flushOutbox() {
    if (!socket || !socket.connected || !sessionReady) return;
    while (outbox.length) {
      socket.emit("user_uttered", { message: outbox.shift(), session_id: sessionId, language: language });
    }
  }

  // The label of a message a person of the firm wrote ({label: "..."}), or null.
  function staffLabel(staff) {
    return staff && typeof staff === "object" && typeof staff.label === "string" ? staff.label : null;
  }

  function onBotMessage(data) {
    if (!data || typeof data !== "object") return;
    showTyping(false);
    // While a person holds the conversation, no "assistant is typing" (they answer when they can).
    if (typeof data.handoff === "string") setPersonHolds(data.handoff === "taken");
    if (staffLabel(data.staff) && typeof data.text === "string" && data.text !== "") {
      addMessage({ from: "bot", text: data.text, staff: staffLabel(data.staff), replies: [], used: true });
      return;
    }
    var custom = data.custom && typeof data.custom === "object" ? data.custom : null;
    if (typeof data.text === "string" && data.text !== "") {
      var raw = Array.isArray(data.quick_replies) ? data.quick_replies : [];
      var replies = raw.filter(function (r) {
        return r && (typeof r.title === "string" || typeof r.payload === "string");
      }).map(function (r) {
        var title = String(r.title || r.payload);
        return { title: title, payload: String(r.payload || title) };
      });
      addMessage({ from: "bot", text: data.text, replies: replies, used: false });
    }
    // The assistant writes its cards in the conversation's language: the widget follows it.
    if (custom && known(custom.language) && known(custom.language) !== language) setLanguage(custom.language);
    if (custom && (custom.type === "deadline" || custom.type === "sources" || custom.type === "contact")) {
      addMessage({ from: "bot", custom: custom });
    }
    if (custom && custom.type === "details" && detailTexts(custom).length) {
      addMessage({ from: "bot", custom: custom });
    }
    if (custom && custom.type === "erased") forgetConversation();
    // Any other custom type (or attachment) is ignored on purpose.
  }

  // The server deleted this conversation: the browser forgets its session id too, keeping
  // only the "Done" on screen until the page closes; a later message starts a new one.
  function forgetConversation() {
    forget(KEY_SESSION);
    history = [];
    sessionId = null;
    sessionReady = false;
    if (socket) socket.emit("session_request", { session_id: null });
  }

  function connect() {
    socket = window.io(serverUrl, {
      path: "/socket.io/",
      transports: ["websocket", "polling"],
      // Fall back to long-polling when a proxy blocks WebSockets.
      tryAllTransports: true
    });
    socket.on("connect", function () {
      sessionReady = false;
      showNotice("");
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (id) {
      // The server issues the id (a new one if ours is unknown to it); messages carry it.
      if (typeof id !== "string" || !id) return;
      if (id !== sessionId) {
        sessionId = id;
        save(KEY_SESSION, id);
      }
      sessionReady = true;
      flushOutbox();
    });
    socket.on("history", onHistory);
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function (reason) {
      sessionReady = false;
      showNotice(t("widget.reconnecting"));
      // socket.io retries by itself except when the server closed the connection.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", function () { showNotice(t("widget.reconnecting")); });
  }

  // ---------- start ----------

  function loadStyles(done) {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("widget.css", scriptUrl).href;
    var finished = false;
    function finish() { if (!finished) { finished = true; done(); } }
    link.onload = finish;
    link.onerror = finish;
    setTimeout(finish, 3000); // never stay invisible because of a slow stylesheet
    document.head.appendChild(link);
  }

  function loadSocketIo(done) {
    if (typeof window.io !== "undefined") { done(true); return; }
    var s = document.createElement("script");
    s.src = new URL("socket.io.min.js", scriptUrl).href;
    s.async = true;
    s.onload = function () { done(typeof window.io === "function"); };
    s.onerror = function () { done(false); };
    document.head.appendChild(s);
  }

  function start() {
    if (document.getElementById("va-widget")) return; // embedded twice: keep the first
    buildUi();
    loadStyles(function () {
      ui.root.hidden = false;
      restoreView(); // the restored history could not be scrolled while hidden
    });
    loadSocketIo(function (ok) {
      if (ok) connect();
      else showNotice(t("widget.unavailable"));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
