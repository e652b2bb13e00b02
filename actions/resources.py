"""What the action server loads once per process: the firm profile and the advice rules with
their knowledge base.

Loading happens at import, so a broken knowledge base or firm profile stops the
action server at start-up with the file, entry and field named.
"""

from typing import Any

from bot.language import DEFAULT_LANGUAGE
from bot.rules.advice import AdviceEngine
from bot.rules.firm import FirmProfile, load_firm
from bot.rules.knowledge import KnowledgeBase

FIRM: FirmProfile = load_firm()
ADVICE = AdviceEngine(KnowledgeBase.load())
ADVICE.check_complete()


def firm_values(language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """Values for {placeholders} in the domain's responses, in the conversation's language."""
    return {
        "firm_name": FIRM.name,
        "referral_text": FIRM.text("referral_text", language),
        "booking_url": FIRM.booking_url,
        "phone": FIRM.phone,
        "email": FIRM.email,
        "office_hours": FIRM.text("office_hours", language),
        "disclaimer": FIRM.text("disclaimer", language),
        "contact_line": FIRM.contact_line_in(language),
        "callback_within_hours": FIRM.callback_within_hours,
        "retention_days": FIRM.retention_days,
    }
