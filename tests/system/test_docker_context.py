"""The image carries no TLS key, password file or database (issue 23, finding 6): the build
context is computed from .dockerignore as Docker computes it, with such files planted in
the checkout, and the Dockerfile copies only named paths (no Docker on this machine)."""

import re
import subprocess

import pytest

from tests.common import ROOT

DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()
PLANTED = [
    "deploy/certs/fullchain.pem",
    "deploy/certs/privkey.pem",
    "deploy/certs/server.key",
    "deploy/.env",
    ".env",
    "bot/staff/.env",
    "var/widget-session-secret",
    "var/intake.db",
    "var/conversations.db",
    "backup/firm.db",
    "tls/client.p12",
    "results/nlu_eval.json",
]


def pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore line as Go's filepath.Match with Docker's "**", matching the path or a parent."""
    pattern = pattern.strip().strip("/")
    parts, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts) + "(?:/.*)?")


IGNORED = [
    pattern_regex(line)
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


def in_context(path: str) -> bool:
    assert not any(line.startswith("!") for line in (ROOT / ".dockerignore").read_text().splitlines())
    return not any(p.fullmatch(path) for p in IGNORED)


def copied_sources() -> list[str]:
    sources = []
    for line in DOCKERFILE.splitlines():
        words = line.split()
        if words and words[0] == "COPY" and not any(w.startswith("--from") for w in words):
            sources += words[1:-1]
    return sources


def in_image(path: str) -> bool:
    return in_context(path) and any(path == s or path.startswith(s.rstrip("/") + "/") for s in copied_sources())


def test_the_dockerfile_copies_named_paths_that_exist_never_the_whole_checkout():
    sources = copied_sources()
    assert sources and "." not in sources and "./" not in sources
    for source in sources:
        assert (ROOT / source).exists(), source


@pytest.mark.parametrize("planted", PLANTED)
def test_keys_passwords_and_databases_in_the_checkout_never_reach_the_builder(planted):
    assert not in_context(planted)
    assert not in_image(planted)


def test_what_the_assistant_needs_is_in_the_image_and_nothing_secret_is():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    image = [path for path in tracked if in_image(path)]
    for needed in ("domain.yml", "config.yml", "actions/server.py", "bot/rules/knowledge", "data/nlu", "widget/static"):
        assert any(path == needed or path.startswith(needed + "/") for path in image), needed
    assert not [p for p in image if re.search(r"(\.pem|\.key|\.env|\.db|\.p12)$|^var/|^tests/", p)]
