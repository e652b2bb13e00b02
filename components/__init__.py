"""Rasa glue loaded into the Rasa server (channels, tracker store, NLU components).

Importing it keeps applicants' words out of the Rasa server's logs (bot/backoffice/log_privacy.py)
and replaces the Rasa internals that cost time on every message (components/rasa_overrides.py):
Rasa imports these modules at start-up, after it has configured its logging.
"""

from bot.backoffice import log_privacy
from components import rasa_overrides

log_privacy.install(server=False)  # also imported by `rasa train`; the channels withhold warnings
rasa_overrides.apply()
