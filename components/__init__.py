"""Rasa glue loaded into the Rasa server (channels, tracker store, NLU components).

Importing it keeps applicants' words out of the Rasa server's logs (bot/backoffice/log_privacy.py)
replaces the Rasa internals that cost time on every message (components/rasa_overrides.py), and
lets a request to delete one's data through a live chat (components/paused_conversations.py):
Rasa imports these modules at start-up, after it has configured its logging.
"""

from bot.backoffice import log_privacy
from components import paused_conversations, rasa_overrides

log_privacy.install(server=False)  # also imported by `rasa train`; the channels withhold warnings
rasa_overrides.apply()
paused_conversations.apply()
