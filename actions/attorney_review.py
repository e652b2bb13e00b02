"""The firm's `require_attorney_review` (firm.yml): with it on, the assistant answers only from
knowledge entries an attorney signed off on the staff dashboard for the text they have now, in
the language the answer is given in (bot/backoffice/signoffs.py: a Spanish answer needs the
Spanish text signed off, not only the English); any other answer becomes a referral to the firm."""

import logging

from sqlalchemy.exc import SQLAlchemyError

from actions import storage
from actions.resources import ADVICE, FIRM
from bot.backoffice.signoffs import signed_off
from bot.rules.advice import Answer

logger = logging.getLogger(__name__)


def awaiting_review(answer: Answer) -> bool:
    """Whether the firm requires sign-off and an entry the answer uses lacks one for its current
    text in the answer's language (the text this process loaded, which is what the applicant
    would read)."""
    if not FIRM.require_attorney_review:
        return False
    entries = [ADVICE.kb.entry(entry_id) for entry_id in answer.entries]
    try:
        signed = signed_off(storage.intake_store(), entries, answer.language)
    except SQLAlchemyError as error:
        # Fail closed: while the sign-offs cannot be read, no entry is known to be reviewed.
        logger.warning("Sign-offs unreadable (%s): referring instead of answering", type(error).__name__)
        return True
    return any(entry.id not in signed for entry in entries)
