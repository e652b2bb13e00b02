// The live chat pages' updates (bot/staff/live.py): new messages are appended to the transcript
// as text (never as HTML: the applicant's and the staff's words are untrusted), and a change of
// the live chat, or of the queue, reloads the page. The pages work without this script.
(function () {
  "use strict";
  var source = document.querySelector("[data-events]");
  if (!source || !window.EventSource) {
    return;
  }
  var transcript = document.getElementById("transcript");
  var events = new EventSource(source.getAttribute("data-events"));

  function reload() {
    events.close();
    window.location.reload();
  }

  function scrollDown() {
    if (transcript) {
      transcript.scrollTop = transcript.scrollHeight;
    }
  }

  function who(message) {
    if (message.from === "staff") {
      return (message.name || "Staff") + (message.role ? " (" + message.role + ")" : "") + ", staff";
    }
    return message.from === "applicant" ? "Applicant" : "Assistant";
  }

  events.addEventListener("message", function (event) {
    if (!transcript) {
      return;
    }
    var message = JSON.parse(event.data);
    var item = document.createElement("li");
    var heading = document.createElement("p");
    var when = document.createElement("span");
    var said = document.createElement("p");
    item.className = message.from;
    heading.className = "who";
    heading.textContent = who(message) + " ";
    when.className = "hint";
    when.textContent = String(message.at).slice(0, 16).replace("T", " ");
    heading.appendChild(when);
    said.className = "said";
    said.textContent = message.text;
    item.appendChild(heading);
    item.appendChild(said);
    transcript.appendChild(item);
    scrollDown();
  });
  events.addEventListener("state", reload);
  events.addEventListener("queue", reload);
  events.addEventListener("error", function () {
    // Closed for good (signed out, or the live chat is gone): the page says why after a reload.
    if (events.readyState === EventSource.CLOSED) {
      window.setTimeout(reload, 10000);
    }
  });
  scrollDown();
})();
