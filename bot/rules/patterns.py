"""Text patterns shared by the entity extractor and the form validation (no spaCy here, so the
action server does not load it)."""

import re

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
