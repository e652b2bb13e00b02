"""Reads the project's YAML data files and reports problems with their file name."""

from pathlib import Path
from typing import Any, cast

import yaml


class DataFileError(ValueError):
    """A data file that is missing, not valid YAML or not shaped as expected."""


def load_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise DataFileError(f"{path}: file not found") from None
    except yaml.YAMLError as error:
        raise DataFileError(f"{path}: not valid YAML: {error}") from None


def load_mapping(path: Path, key: str) -> dict[Any, Any]:
    """Loads a file whose top level is `key:` followed by a mapping."""
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get(key), dict):
        raise DataFileError(f"{path}: expected a top-level '{key}:' mapping")
    return cast(dict[Any, Any], data[key])  # checked to be a dict just above
