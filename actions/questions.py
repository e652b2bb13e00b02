"""The nine questions the knowledge base answers: for each question intent, the engine's topic
and the button title offered when the assistant is unsure which one was asked.

domain.yml (`*not_an_answer`) and data/rules/rules.yml (`*question_intents`) list the same
intents in YAML; tests/actions/test_questions.py checks that all three agree."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    topic: str  # bot.rules.advice's name for it
    title: str  # the button that asks it


QUESTIONS = {
    "ask_status_meaning": Question("status_meaning", "What my CEAC status means"),
    "explain_221g": Question("explain_221g", "What a 221(g) / administrative processing is"),
    "ask_deadline": Question("deadline", "My deadline to respond"),
    "missed_deadline": Question("missed_deadline", "I missed (or will miss) the deadline"),
    "ask_processing_time": Question("processing_time", "How long processing takes"),
    "ask_documents": Question("documents", "Which documents, and how to send them"),
    "ask_options": Question("options", "What I can do (inquiry, expedite, appeal...)"),
    "petition_returned": Question("petition_returned", "My petition was sent back"),
    "compare_refusals": Question("compare_refusals", "214(b) or 212(a) compared with 221(g)"),
}
