"""Start xxb-mock, a test double of the XXB (喧喧) server's integration API, from Python tests.

``XxbMock.start()`` runs the ``xxb-mock`` binary on a free port with its own in-memory state; the pytest
plugin of this package (``xxb_mock.pytest_plugin``) gives each test one as the ``xxb_mock`` fixture.
"""

import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

__all__ = ["XxbMock", "find_binary", "APP_CODE", "APP_KEY"]
__version__ = "0.1.0"

#: The application of the default fixtures, as in the XXB docs.
APP_CODE = "myAppCode"
APP_KEY = "3cd0914d656e90ab181f1d52ff352cfe"

_EXE = "xxb-mock.exe" if os.name == "nt" else "xxb-mock"
_LISTENING = "xxb-mock listening on "


def find_binary():
    """The xxb-mock binary: ``$XXB_MOCK_BIN``, else ``target/release/xxb-mock`` in the current
    directory or one above it, else ``xxb-mock`` on ``PATH``."""
    given = os.environ.get("XXB_MOCK_BIN")
    if given:
        return given
    here = Path.cwd()
    for directory in (here, *here.parents):
        candidate = directory / "target" / "release" / _EXE
        if candidate.is_file():
            return str(candidate)
    on_path = shutil.which("xxb-mock")
    if on_path:
        return on_path
    raise FileNotFoundError(
        "xxb-mock binary not found: set XXB_MOCK_BIN, build it in a clone of the repository with "
        "`cargo build --release` (target/release/xxb-mock), or install it with `cargo install --locked --path .`"
    )


class XxbMock:
    """A running xxb-mock server. Use ``XxbMock.start()``, as a context manager or with ``stop()``."""

    code = APP_CODE
    key = APP_KEY

    def __init__(self, process, url, binary, log):
        self._process = process
        self._log = log
        self.binary = binary
        #: ``http://127.0.0.1:PORT``
        self.url = url

    @classmethod
    def start(cls, *args, binary=None):
        """Runs ``xxb-mock serve --port 0 ARGS...`` and waits until it listens."""
        binary = binary or find_binary()
        log = tempfile.TemporaryFile()
        process = subprocess.Popen(
            [binary, "serve", "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        line = process.stdout.readline()
        if not line.startswith(_LISTENING):
            process.kill()
            process.wait()
            log.seek(0)
            said = log.read().decode(errors="replace").strip()
            log.close()
            raise RuntimeError(f"xxb-mock did not start (exit status {process.returncode}): {said or line!r}")
        return cls(process, line[len(_LISTENING):].strip(), binary, log)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        """Stops the server (SIGTERM, then a kill after 10 s). Stopping twice is harmless."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process.stdout.close()
        self._log.close()

    def sign(self, query, key=APP_KEY):
        """The URL of ``/x.php?QUERY`` with its token, as the server computes it (``xxb-mock sign``)."""
        return subprocess.run(
            [self.binary, "sign", "--key", key, f"{self.url}/x.php?{query}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def notifications(self, **filters):
        """The stored notifications (``/__inspect/notifications``), oldest first."""
        return self._get("notifications", filters)["items"]

    def requests(self, **filters):
        """The journal (``/__inspect/requests``): every request to the emulated API, with findings."""
        return self._get("requests", filters)["items"]

    def reset(self):
        """Back to the fixtures: notifications and journal emptied."""
        request = urllib.request.Request(
            f"{self.url}/__inspect/reset", data=b"{}", method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as response:
            response.read()

    def wait_for(self, count=1, timeout=5.0, **filters):
        """Waits until ``count`` notifications match ``filters`` and returns them; on time-out, fails
        with what did arrive and the rejected requests with their findings."""
        query = dict(filters, count=count, timeout_ms=int(timeout * 1000))
        try:
            with urllib.request.urlopen(f"{self.url}/__inspect/wait?{urllib.parse.urlencode(query)}") as response:
                return json.load(response)["items"]
        except urllib.error.HTTPError as error:
            if error.code != 408:
                raise
            matched = json.load(error)["items"]
        raise AssertionError(self._explain(count, timeout, filters, matched))

    def _explain(self, count, timeout, filters, matched):
        lines = [f"waited {timeout} s for {count} notification(s) matching {filters}: {len(matched)} of {count} arrived."]
        stored = self.notifications(order="desc", limit=10)
        lines.append(f"latest stored notifications ({len(stored)}):")
        for n in stored:
            to = [r["account"] for r in n["recipients"]]
            lines.append(f"  #{n['seq']} {n['title']} to {to} in {n['cgid']}")
        rejected = self.requests(outcome="rejected", order="desc", limit=10)
        lines.append(f"latest rejected requests ({len(rejected)}):")
        for entry in rejected:
            lines.append(f"  #{entry['seq']} {entry['http_method']} {entry['query']} -> {entry['response']}")
            for finding in entry["findings"]:
                lines.append(f"      [{finding['severity']}] {finding['code']}: {finding['message']}")
        return "\n".join(lines)

    def _get(self, path, filters):
        query = urllib.parse.urlencode(filters)
        with urllib.request.urlopen(f"{self.url}/__inspect/{path}?{query}") as response:
            return json.load(response)
