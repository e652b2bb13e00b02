"""Everything that is not Rasa glue, in two packages with one-way dependencies:

- bot.rules: the pure rules engine (dates and deadlines, advice, the knowledge base,
  entity rules, the firm profile). Imports nothing of the back office or of Rasa.
- bot.backoffice: storage (models, migrations), the intake store, case summaries,
  notifications and reminders, erasure, retention and the staff command line.
  Imports bot.rules, never Rasa.

tests/system/test_layers.py checks these rules by reading the imports.
"""
