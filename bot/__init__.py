"""The rules-and-deadline engine. Knows nothing of Rasa: actions call into it."""
