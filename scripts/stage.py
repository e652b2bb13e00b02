"""One stage of `make run` (installing, training) with its progress: a line when it starts,
the time so far and roughly how long is left every 20 seconds, and the time it took.

    python3 scripts/stage.py "Installing dependencies" 180 -- pip install ...

Standard library only: it runs before the virtualenv exists.
"""

import subprocess
import sys
import time

EVERY_SECONDS = 20


def duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def left(elapsed: float, usual: float) -> str:
    if elapsed < usual:
        return f"about {duration(usual - elapsed)} left"
    return "longer than usual (a busy machine or a cold package cache), still working"


def run(name: str, usual: float, command: list[str]) -> int:
    print(f"==> {name} (usually about {duration(usual)})", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(command)
    try:
        while True:
            try:
                code = process.wait(timeout=EVERY_SECONDS)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - started
                print(f"    {name}: {duration(elapsed)} so far, {left(elapsed, usual)}", flush=True)
    except KeyboardInterrupt:  # Ctrl-C reached the command too: let it finish stopping
        return process.wait()
    outcome = "done" if code == 0 else f"failed (exit code {code})"
    print(f"    {name}: {outcome} in {duration(time.monotonic() - started)}", flush=True)
    return code


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    return run(argv[0], float(argv[1]), argv[3:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
