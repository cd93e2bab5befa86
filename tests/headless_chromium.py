"""Headless Chromium for the tests: open a page and say what it drew, what it fetched, what it logged.

The standard library only: Chromium is driven through the DevTools protocol over
``--remote-debugging-pipe`` (the browser reads commands on its fd 3 and writes replies and events on
its fd 4, each message JSON ended by a NUL byte). Each page is opened as it is, unmodified, in a
tab of its own:

* ``Network.requestWillBeSent`` records every URL the page asks for (the page itself, its ``data:``
  images, and anything it would fetch from elsewhere: without a network the fetch fails, but the
  attempt is recorded);
* ``Runtime.exceptionThrown``, ``Runtime.consoleAPICalled`` (``console.error``, a failed
  ``console.assert``) and ``Log.entryAdded`` at level ``error`` (a resource that failed to load, a
  Content-Security-Policy violation) are the console's errors;
* once the page's ``load`` event has fired, a script measures every ``<img>``, after awaiting its
  ``decode()`` (which rejects for an image the browser cannot draw), and counts the ``<figure>``\\ s.

Examples
--------
>>> executable = find_browser()                                  # doctest: +SKIP
>>> with Chromium(executable) as browser:                        # doctest: +SKIP
...     seen = browser.visit("run/report.html", screenshot=True)
>>> [img["naturalWidth"] for img in seen.images], seen.requests, seen.errors   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BROWSERS", "Chromium", "PageVisit", "find_browser"]

#: the executables tried, in order
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1280, 1000)

# Run in the page once it has loaded: every image's intrinsic and laid-out size, and whether it decodes.
_MEASURE = """
(async () => {
  const images = [];
  for (const img of document.images) {
    let decoded = true, reason = "";
    try { await img.decode(); } catch (e) { decoded = false; reason = String(e); }
    const box = img.getBoundingClientRect();
    const figure = img.closest("figure");
    const caption = figure && figure.querySelector("figcaption");
    images.push({alt: img.alt, src: img.currentSrc, decoded, reason,
                 naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
                 width: box.width, height: box.height, inFigure: figure !== null,
                 caption: caption ? caption.textContent : ""});
  }
  return {images, figures: document.querySelectorAll("figure").length,
          pageWidth: document.documentElement.clientWidth};
})()
"""


@dataclass
class PageVisit:
    """What one page did in the browser.

    Attributes
    ----------
    url : str
        The ``file:`` URL the page was opened at.
    images : list of dict
        Per ``<img>``, in document order: ``alt``, ``src``, ``naturalWidth``/``naturalHeight`` (the
        decoded image's pixels), ``width``/``height`` (its laid-out box in CSS pixels), ``decoded``
        (its ``decode()`` resolved) and ``reason`` if not, ``inFigure`` and the figure's ``caption``.
    figures : int
        How many ``<figure>`` elements the page holds.
    page_width : float
        The layout viewport's width in CSS pixels.
    requests : list of str
        Every URL the page asked for, the page itself first.
    errors : list of str
        The console's errors: uncaught exceptions, ``console.error``, error log entries.
    screenshot : bytes or None
        A PNG of the whole page, when asked for.
    """

    url: str
    images: list
    figures: int
    page_width: float
    requests: list
    errors: list
    screenshot: bytes | None = None


def find_browser() -> str | None:
    """The first of :data:`BROWSERS` on ``PATH`` that answers ``--version``, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path is None:
            continue
        try:  # Ubuntu's chromium-browser can be a stub asking for a snap: on PATH, yet no browser
            probe = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0 and "chrom" in probe.stdout.lower():
            return path
    return None


class _Pipe:
    """The DevTools protocol over a pair of pipes: commands out; replies, and events kept, in."""

    def __init__(self, to_browser: int, from_browser: int):
        self._out, self._in = to_browser, from_browser
        self._buffer, self._next_id = b"", 0
        self.deadline = time.monotonic()
        self.events = []  # (method, params, sessionId), in arrival order

    def _message(self) -> dict:
        while b"\0" not in self._buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("headless Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise ConnectionError("headless Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self.events.append((message["method"], message.get("params", {}), message.get("sessionId")))
        return message

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})

    def wait_for(self, method: str, session: str) -> None:
        while not any(m == method and s == session for m, _, s in self.events):
            self._message()


def _launch(executable: str, profile: str) -> tuple[int, int, int]:
    """Chromium headless with its DevTools pipe on fds 3 (commands in) and 4 (replies out).

    Returns the browser's pid (the leader of a process group of its own) and our ends of the pipes.
    """
    argv = [executable, "--headless", "--disable-gpu", "--remote-debugging-pipe",
            f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}", "--hide-scrollbars",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-extensions", "--disable-dev-shm-usage", "about:blank"]
    if os.geteuid() == 0:  # Chromium's sandbox refuses to start as root; as a user it stays on
        argv.insert(1, "--no-sandbox")
    commands_r, commands_w = os.pipe()
    replies_r, replies_w = os.pipe()
    # The child's ends are first moved above fd 9 (close-on-exec), so that placing them on 3 and 4
    # overwrites neither. subprocess cannot place them: it closes 3 and 4 again after a preexec_fn.
    child = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (commands_r, replies_w)]
    for fd in (commands_r, replies_w):
        os.close(fd)
    try:
        pid = os.posix_spawn(executable, argv, os.environ, setsid=True, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, child[0], 3), (os.POSIX_SPAWN_DUP2, child[1], 4)])
    except BaseException:
        for fd in (commands_w, replies_r):
            os.close(fd)
        raise
    finally:
        for fd in child:
            os.close(fd)
    return pid, commands_w, replies_r


def _errors(events: list, session: str) -> list:
    """The console's errors among a tab's events, as text."""
    out = []
    for method, params, sid in events:
        if sid != session:
            continue
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            out.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            out.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            out.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}".strip())
    return out


class Chromium:
    """One headless Chromium, started on entering the ``with`` block and closed on leaving it.

    Parameters
    ----------
    executable : str
        The browser, as :func:`find_browser` returns it.
    timeout : float
        Seconds for the start, and again for each :meth:`visit`; past them, TimeoutError (and on
        leaving the block the browser's whole process group is killed if it does not exit).
    """

    def __init__(self, executable: str, *, timeout: float = 60.0):
        self.executable, self.timeout = executable, timeout
        self._pid = self._pipe = self._profile = None

    def __enter__(self) -> Chromium:
        self._profile = tempfile.TemporaryDirectory(prefix="ridgeback-chromium-")
        self._pid, to_browser, from_browser = _launch(self.executable, self._profile.name)
        self._pipe = _Pipe(to_browser, from_browser)
        self._pipe.deadline = time.monotonic() + self.timeout
        try:
            self._pipe.call("Browser.getVersion")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        pipe, self._pipe = self._pipe, None
        try:
            pipe.deadline = time.monotonic() + 10
            pipe.call("Browser.close")
        except (ConnectionError, TimeoutError, RuntimeError, OSError):
            pass  # it exited already, or will be killed below
        finally:
            os.close(pipe._out)
            os.close(pipe._in)
            self._reap(timeout=10)
            self._profile.cleanup()

    def _reap(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.waitpid(self._pid, os.WNOHANG)[0] == self._pid:
                return
            time.sleep(0.05)
        os.killpg(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)

    def visit(self, page: str | Path, *, screenshot: bool = False) -> PageVisit:
        """Open ``page`` (an HTML file) in a new tab and report what it drew, fetched and logged.

        Parameters
        ----------
        page : str or Path
            The file to open.
        screenshot : bool
            Also capture a PNG of the whole page (``PageVisit.screenshot``).
        """
        if self._pipe is None:
            raise RuntimeError("Chromium.visit must be called inside `with Chromium(...)`")
        cdp, url = self._pipe, Path(page).resolve().as_uri()
        cdp.deadline = time.monotonic() + self.timeout
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            cdp.call(f"{domain}.enable", session=session)
        cdp.call("Page.navigate", {"url": url}, session=session)
        cdp.wait_for("Page.loadEventFired", session)
        measured = cdp.call("Runtime.evaluate", {"expression": _MEASURE, "awaitPromise": True,
                                                 "returnByValue": True}, session=session)
        if "exceptionDetails" in measured:
            raise RuntimeError(f"measuring {url} failed: {measured['exceptionDetails']}")
        value = measured["result"]["value"]
        png = None
        if screenshot:
            shot = cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                            session=session)
            png = base64.b64decode(shot["data"])
        cdp.call("Target.closeTarget", {"targetId": target})
        mine = [(m, p) for m, p, s in cdp.events if s == session]
        requests = [p["request"]["url"] for m, p in mine if m == "Network.requestWillBeSent"]
        requests += [p["url"] for m, p in mine if m == "Network.webSocketCreated"]
        errors = _errors(cdp.events, session)
        cdp.events = [e for e in cdp.events if e[2] != session]
        return PageVisit(url=url, images=value["images"], figures=value["figures"],
                         page_width=value["pageWidth"], requests=requests, errors=errors, screenshot=png)
