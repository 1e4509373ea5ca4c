"""Open an HTML report in real headless chromium and measure it: load time, page height, screenshots.

    python benchmarks/browser.py report.html                       # load time and height at 1400×900
    python benchmarks/browser.py report.html --size 1280x800 --screenshot top.png

Talks to chromium over the DevTools protocol on a pipe (``--remote-debugging-pipe``),
so nothing but the chromium binary is needed (Debian: ``apt-get install chromium``).
The load time is the page's own navigation timing (``loadEventEnd``: parse, style,
layout and scripts of the file): ``first_load_ms`` for the first load in a fresh
browser, ``load_ms`` for a second load of the same file.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """A headless chromium driven over a DevTools pipe; one page, fixed viewport."""

    def __init__(self, width: int = 1400, height: int = 900, *, timeout: float = 120.0) -> None:
        binary = chromium_binary()
        if binary is None:
            raise RuntimeError("chromium is not installed (apt-get install chromium)")
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="plancompare-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def child_fds() -> None:
            # chromium reads commands on fd 3 and writes replies on fd 4
            r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)  # so neither dup2 clobbers the other
            os.dup2(r, 3)
            os.dup2(w, 4)

        self._proc = subprocess.Popen(
            [binary, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile}", "about:blank"],
            pass_fds=(3, 4),  # kept open past close_fds (they are rebound in child_fds)
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=child_fds,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable", session=True)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: bool = False) -> dict:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str) -> dict[str, Any]:
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read()
            if e.get("method") == method:
                return e
            self.events.append(e)

    def open(self, url: str) -> float:
        """Navigate and wait for the load event; return the wall time in seconds."""
        self.events.clear()
        t = time.perf_counter()
        self.send("Page.navigate", {"url": url}, session=True)
        self.wait_event("Page.loadEventFired")
        return time.perf_counter() - t

    def eval(self, expression: str) -> Any:
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)
        if "exceptionDetails" in r:
            raise RuntimeError(
                f"{expression[:80]!r}: {r['exceptionDetails'].get('exception', r['exceptionDetails'])}"
            )
        return r.get("result", {}).get("value")

    def screenshot(self, path: str | os.PathLike[str], *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            h = self.eval("document.documentElement.scrollHeight")
            w = self.eval("document.documentElement.clientWidth")
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
        data = self.send("Page.captureScreenshot", params, session=True)["data"]
        out = Path(path)
        out.write_bytes(base64.b64decode(data))
        return out

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, TimeoutError):
            self.send("Browser.close")
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


LOAD_MS = "(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; })()"


def measure(
    html: str | os.PathLike[str], *, width: int = 1400, height: int = 900, screenshot: str = ""
) -> dict:
    """Load time (ms, second load), document height (px) and size (bytes) of a report."""
    url = Path(html).resolve().as_uri()
    with Browser(width, height) as b:
        first = b.open(url)  # also warms up: first start of the renderer, font loading
        first_ms = float(b.eval(LOAD_MS))
        wall = b.open(url)
        out = {
            "file": str(html),
            "bytes": Path(html).stat().st_size,
            "viewport": f"{width}x{height}",
            "first_load_ms": round(first_ms, 1),
            "first_wall_s": round(first, 3),
            "load_ms": round(float(b.eval(LOAD_MS)), 1),
            "wall_s": round(wall, 3),
            "height_px": int(b.eval("document.documentElement.scrollHeight")),
            "elements": int(b.eval("document.getElementsByTagName('*').length")),
        }
        if screenshot:
            b.screenshot(screenshot)
    out["screens"] = round(out["height_px"] / height, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", nargs="+")
    ap.add_argument("--size", default="1400x900", help="viewport WIDTHxHEIGHT")
    ap.add_argument("--screenshot", default="", help="save a viewport screenshot (first file only)")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.lower().split("x"))
    for i, f in enumerate(args.html):
        print(json.dumps(measure(f, width=w, height=h, screenshot=args.screenshot if i == 0 else "")))


if __name__ == "__main__":
    main()
