"""Long messages: the sentence that asks is put first for the classifier, and the applicant's
own text is given back afterwards."""

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.question_focus import QuestionFocus, RestoreText, asking_sentence

STORY = (
    "My husband works in Texas as a software engineer and we have two small kids. I went to Mumbai "
    "for my H-4 stamping in March and the officer was very polite, he took my passport and gave me a "
    "white slip. Since then nothing has happened and my employer keeps asking me. How long does this "
    "administrative processing usually take? Thanks in advance."
)


def test_the_last_sentence_that_asks_is_the_question_not_the_closing_thanks():
    assert asking_sentence(STORY, min_words=30) == "How long does this administrative processing usually take?"


def test_a_question_without_a_question_mark_is_found_by_its_words():
    story = STORY.replace(
        "How long does this administrative processing usually take? Thanks in advance.", "kindly advise what to do now"
    )
    assert asking_sentence(story, min_words=30) == "kindly advise what to do now"


def test_short_or_single_sentence_messages_are_left_alone():
    assert asking_sentence("my status says refused, what now?", min_words=30) is None
    assert asking_sentence(" ".join(["word"] * 40), min_words=30) is None  # one long sentence


def test_the_classifier_sees_the_question_first_and_the_applicant_keeps_their_text():
    message = Message({TEXT: STORY})
    [focused] = QuestionFocus({"min_words": 30}).process([message])
    assert focused.get(TEXT) == "How long does this administrative processing usually take? " + STORY
    [restored] = RestoreText().process([focused])
    assert restored.get(TEXT) == STORY and "original_text" not in restored.data
