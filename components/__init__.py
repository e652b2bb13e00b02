"""Rasa glue loaded into the Rasa server (channels, tracker store, NLU components).

Importing it keeps applicants' words out of the Rasa server's logs (bot/backoffice/log_privacy.py):
Rasa imports these modules at start-up, after it has configured its logging.
"""

from bot.backoffice import log_privacy

log_privacy.install()
