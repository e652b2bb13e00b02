"""Reference vocabularies: visa classes, CEAC statuses and consulates (bot/rules/data/*.yml)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.rules.yamlfile import DataFileError, load_mapping

DATA_DIR = Path(__file__).parent / "data"
VISA_CATEGORIES = ("immigrant", "nonimmigrant")


@dataclass(frozen=True)
class VisaType:
    name: str
    category: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Consulate:
    name: str
    country: str
    names: tuple[str, ...]
    inquiry_wait_days: int | None = None
    source: str | None = None


def _names(path: Path, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(n, str) and n.strip() for n in value):
        raise DataFileError(f"{path}: '{key}': 'names' must be a non-empty list of words")
    return tuple(n.strip().lower() for n in value)


@cache
def visa_types(data_dir: Path = DATA_DIR) -> dict[str, VisaType]:
    path = data_dir / "visa_types.yml"
    result = {}
    for name, spec in load_mapping(path, "visa_types").items():
        if not isinstance(spec, dict) or spec.get("category") not in VISA_CATEGORIES:
            raise DataFileError(f"{path}: '{name}': 'category' must be one of {VISA_CATEGORIES}")
        result[name] = VisaType(name, spec["category"], _names(path, name, spec.get("names")))
    return result


@cache
def ceac_statuses(data_dir: Path = DATA_DIR) -> dict[str, tuple[str, ...]]:
    path = data_dir / "ceac_statuses.yml"
    return {status: _names(path, status, names) for status, names in load_mapping(path, "ceac_statuses").items()}


@cache
def consulates(data_dir: Path = DATA_DIR) -> dict[str, Consulate]:
    path = data_dir / "consulates.yml"
    result = {}
    for name, spec in load_mapping(path, "consulates").items():
        if not isinstance(spec, dict) or not spec.get("country"):
            raise DataFileError(f"{path}: '{name}': 'country' is missing")
        wait, source = spec.get("inquiry_wait_days"), spec.get("source")
        if (wait is None) != (source is None) or (wait is not None and (not isinstance(wait, int) or wait <= 0)):
            raise DataFileError(
                f"{path}: '{name}': 'inquiry_wait_days' (a positive number of days) and 'source' go together"
            )
        result[name] = Consulate(name, spec["country"], _names(path, name, spec.get("names")), wait, source)
    return result


def visa_category(visa_type: str | None) -> str | None:
    """'immigrant', 'nonimmigrant', or None when the class is unknown."""
    known = visa_types().get(visa_type or "")
    return known.category if known else None
