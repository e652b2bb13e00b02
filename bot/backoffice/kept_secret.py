"""Secrets a deployment makes once and keeps in var/ when its environment gives none (make run):
the widget's session secret (components/channels/common.py) and the live handoff's shared secret
(bot/backoffice/handoffs.py)."""

import os
import secrets
from pathlib import Path

VAR = Path(__file__).resolve().parents[2] / "var"


def kept_secret(path: Path) -> bytes:
    """The secret in `path`, made (readable by this user only) if there is none yet. Made
    atomically, so replicas started together on one machine end up with the same one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # fails if another process was first: then theirs is used
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()
