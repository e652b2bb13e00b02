"""How well the language detector tells English from Spanish (issue 25), and how a candidate
detector would do with the same rules (switch phrases, greetings, neutral tokens, thresholds).

    python -m scripts.measure_language [--candidates]   # prints a Markdown table

Sets: tests/nlu/language_short.yml (short messages by kind: 3-10 words, without accents,
Spanglish, neutral, explicit switches) and the English and Spanish dev sets (whole messages).
A message of kind `neutral` is right when it tells nothing; any other is right when it tells
its language, undecided when it tells nothing (the conversation keeps its language), wrong
when it tells the other one. Never reads the test sets.
"""

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.language import detect as detection
from scripts.evaluate_nlu import ROOT, SETS

SHORT = ROOT / "tests" / "nlu" / "language_short.yml"
SPANISH_DEV = sorted((ROOT / "tests" / "nlu" / "es").glob("dev_set*.yml"))


def texts_of(path: Path) -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [example.get("text") for example in load_data(str(path)).intent_examples]


def labelled() -> list[tuple[str, str, str]]:
    """(text, expected language or "keep", kind)."""
    rows = [(m["text"], m["language"], m["kind"]) for m in yaml.safe_load(SHORT.read_text())["messages"]]
    rows += [(text, "en", "dev_en") for path in SETS["dev"] for text in texts_of(path)]
    rows += [(text, "es", "dev_es") for path in SPANISH_DEV for text in texts_of(path)]
    return rows


def lingua_identifier() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()

    class Lingua:
        def classify(self, text: str) -> tuple[str, float]:
            best = detector.compute_language_confidence_values(text)[0]
            return ("en" if best.language == Language.ENGLISH else "es"), best.value

    return Lingua()


def score(rows: list[tuple[str, str, str]], identifier: Any = None) -> tuple[dict[str, Counter], float]:
    results: dict[str, Counter] = defaultdict(Counter)
    started = time.perf_counter()
    for text, expected, kind in rows:
        found = detection.detect(text, identifier).language
        if expected == "keep":
            outcome = "right" if found is None else "wrong"
        else:
            outcome = "right" if found == expected else ("undecided" if found is None else "wrong")
        results[kind][outcome] += 1
    return results, (time.perf_counter() - started) / max(1, len(rows)) * 1000


def table(name: str, results: dict[str, Counter], ms: float) -> list[str]:
    lines = []
    for kind in sorted(results):
        counts = results[kind]
        total = sum(counts.values())
        lines.append(
            f"| {name} | {kind} | {total} | {counts['right'] / total:.3f} | {counts['undecided'] / total:.3f} "
            f"| {counts['wrong'] / total:.3f} |"
        )
    lines.append(f"| {name} | (mean time per message) | | {ms:.2f} ms | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", action="store_true", help="also lingua (pip install lingua-language-detector)")
    args = parser.parse_args()
    rows = labelled()
    candidates: list[tuple[str, Callable[[], Any] | None]] = [("py3langid (shipped)", None)]
    if args.candidates:
        candidates.append(("lingua", lingua_identifier))
    print("| detector | kind | messages | right | undecided | wrong |")
    print("|---|---|---|---|---|---|")
    for name, make in candidates:
        results, ms = score(rows, make() if make else None)
        print("\n".join(table(name, results, ms)))


if __name__ == "__main__":
    main()
