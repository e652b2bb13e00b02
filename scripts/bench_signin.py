"""The staff dashboard's memory under sign-ins sent at once (part of `make bench`).

Each argon2 password check takes 64 MiB; the dashboard runs at most a few at once
(bot/backoffice/accounts.py). For 12 and 100 simultaneous sign-ins (each a fresh browser
from its own address: the login page for its CSRF token, then the form, for an account
that does not exist, which costs a password check all the same), a fresh dashboard on a throwaway database reports its resident memory before and
its peak (VmHWM), and how the sign-ins were answered.

    python -m scripts.bench_signin [--counts 12 100]
"""

import argparse
import http.cookiejar
import re
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from scripts.serve import running_dashboard
from tests.common import add_staff_account, unused_port


def memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def sign_in(base: str, barrier: threading.Barrier, number: int) -> int:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(base + "/login", timeout=120) as page:
        token = re.search(r'name="csrf" value="([^"]+)"', page.read().decode()).group(1)
    # Each from its own address (X-Real-IP, believed from this machine's proxy) and for an
    # account that does not exist: no limit stops them before their password is checked.
    form = urllib.parse.urlencode({"csrf": token, "email": f"nobody{number}@firm.example", "password": "guess"})
    request = urllib.request.Request(
        base + "/login", form.encode(), {"X-Real-IP": f"10.9.{number // 250}.{number % 250}"}
    )
    barrier.wait()  # all at once
    try:
        with opener.open(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def measure(count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-signin-") as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/intake.db", "TRACKER_DATABASE_URL": f"sqlite:///{tmp}/t.db"}
        add_staff_account(env, "owner@firm.example", "attorney", "correct horse battery staple")
        port = unused_port()
        with open(Path(tmp) / "dashboard.log", "w") as log, running_dashboard(port, env=env, log=log) as process:
            base = f"http://127.0.0.1:{port}"
            before = memory_mb(process.pid, "VmRSS")
            barrier = threading.Barrier(count)
            answers: Counter[int] = Counter()
            lock = threading.Lock()

            def one(number: int) -> None:
                status = sign_in(base, barrier, number)
                with lock:
                    answers[status] += 1

            threads = [threading.Thread(target=one, args=(number,)) for number in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            peak = memory_mb(process.pid, "VmHWM")
    return {"count": count, "before_mb": before, "peak_mb": peak, "answers": dict(sorted(answers.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", nargs="+", type=int, default=[12, 100])
    args = parser.parse_args()
    print("Staff dashboard, simultaneous sign-ins (wrong password, fresh browsers):", flush=True)
    for count in args.counts:
        row = measure(count)
        answers = ", ".join(f"{n} x {status}" for status, n in row["answers"].items())
        print(
            f"  {count:>4} at once: resident {row['before_mb']:.0f} MB before, peak {row['peak_mb']:.0f} MB; {answers}"
        )


if __name__ == "__main__":
    main()
