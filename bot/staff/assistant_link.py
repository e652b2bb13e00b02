"""The dashboard's calls to the Rasa server's handoff route (components/channels/handoff.py;
docs/handoff-plan.md): take a conversation over, say something in it, end it.

    POST {RASA_URL}/webhooks/handoff/<take|say|end>, header X-Handoff-Secret, a JSON body

The database has already decided who holds what (bot/backoffice/handoffs.py); these calls only
tell the assistant, which pauses the conversation and passes messages to the applicant's
channel. They block (the dashboard's views run in threads) and never raise: an HTTP error, a
refused connection or a timeout is an Answer saying so, in words for the staff member.
"""

import http.client
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass

from bot.backoffice.handoffs import handoff_secret

DEFAULT_RASA_URL = "http://localhost:5005"
# Longer than the route's worst case: it waits for the conversation's lock (a turn in flight),
# then sends through the applicant's channel (a Telegram call may take 15 s). Shorter, a message
# stored and delivered would be reported as not sent, and sent again.
TIMEOUT_SECONDS = 30
ENDINGS = ("returned", "closed", "abandoned", "expired")
# The route's answers, in the staff member's words.
REASONS = {
    200: "done",
    400: "the assistant refused the request as malformed",
    403: "the assistant refused the dashboard's secret (HANDOFF_SECRET differs between the two)",
    404: "the assistant has no such conversation (it may have been erased)",
    409: "the assistant says nobody holds this conversation",
    502: "the message is in the conversation, but the applicant's channel did not confirm it",
}
UNREACHABLE = "the assistant could not be reached"
NO_SECRET = "the dashboard has no usable HANDOFF_SECRET (at least 32 characters)"


@dataclass(frozen=True)
class Answer:
    status: int | None  # the route's HTTP status; None when it could not be reached
    reason: str  # for the staff member: "the assistant could not be reached"

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def stored(self) -> bool:
        """The event is in the conversation (200; 502 too: the transcript has it, the channel did not confirm)."""
        return self.status in (200, 502)

    @property
    def worth_retrying(self) -> bool:
        """Nothing was stored and asking again may work: the server was down or failed."""
        return self.status is None or (self.status >= 500 and self.status != 502)


def rasa_url() -> str:
    return os.environ.get("RASA_URL", DEFAULT_RASA_URL).rstrip("/")


def _post(verb: str, body: dict[str, object]) -> Answer:
    try:
        secret = handoff_secret()
    except (OSError, ValueError):  # too short, or var/ not writable
        return Answer(None, NO_SECRET)
    try:
        request = urllib.request.Request(
            f"{rasa_url()}/webhooks/handoff/{verb}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Handoff-Secret": secret},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = int(error.code)
    except (OSError, ValueError, http.client.HTTPException):  # refused, timed out, cut off; a malformed RASA_URL
        return Answer(None, UNREACHABLE)
    return Answer(status, REASONS.get(status, f"the assistant answered HTTP {status}"))


def take(conversation_id: str, staff: dict[str, object]) -> Answer:
    """The assistant pauses the conversation and tells the applicant who they talk with now.
    `staff`: {"id", "name", "role"} (bot.backoffice.accounts.SignedIn.as_speaker)."""
    return _post("take", {"conversation_id": conversation_id, "staff": staff})


def say(conversation_id: str, staff: dict[str, object], text: str) -> Answer:
    """A staff member's message to the applicant (1 to 2,000 characters)."""
    return _post("say", {"conversation_id": conversation_id, "staff": staff, "text": text})


def end(conversation_id: str, how: str, staff: dict[str, object] | None = None, since: float | None = None) -> Answer:
    """The applicant is told the live chat ended (`how`: ENDINGS) and the assistant answers
    again; `staff`, who held it, for a note that names them (None: nobody to name). `since`: when
    the applicant asked for a person (epoch seconds), so that an `expired` told again does not
    run the assistant's apology twice."""
    if how not in ENDINGS:
        raise ValueError(f"a live chat ends {', '.join(ENDINGS)}, not {how!r}")
    body: dict[str, object] = {"conversation_id": conversation_id, "how": how}
    if staff is not None:
        body["staff"] = staff
    if since is not None:
        body["since"] = since
    return _post("end", body)
