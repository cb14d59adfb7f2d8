"""The web app in a real browser: `incidentstats explore` driven by headless Chromium.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package; without
them these tests skip with the reason (and fail under ``CI=true``). Every wait is bounded
and the server is always stopped, as Ctrl-C would.
``UPDATE_SCREENSHOT=1`` also writes the README's screenshot, docs/img/explore.png.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import process_alive

import incidentstats as ist
from incidentstats.explorer_app import free_port
from incidentstats.filters import filter_incidents

REPO = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO / "docs" / "img" / "explore.png"
START = 120  # seconds for the server to print its URL, and for the page's first render
STEP = 60  # seconds for the page to follow a filter change
ARCHIVE = ("hhs_ocr", "hhs_ocr_archive_2024-07_soudunno.csv")
UNDER_INVESTIGATION = ("hhs_ocr", "hhs_ocr_under_investigation_2024-07_soudunno.csv")


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for exe in ("chromium", "chromedriver"):
        if not shutil.which(exe):
            return f"{exe} not found: apt-get install chromium chromium-driver (see README)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run under CI=true: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1500", "--force-device-scale-factor=1", "--lang=en-GB"):  # fmt: skip
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    driver.set_page_load_timeout(START)
    driver.set_script_timeout(STEP)
    try:
        yield driver
    finally:
        driver.quit()


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def _ctrl_c_as_in_a_terminal() -> None:
    """preexec_fn: SIGINT acts as Ctrl-C, even when the tests run as a background job (which
    starts with SIGINT ignored, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Server:
    """``incidentstats explore`` on a free loopback port, stopped with SIGINT (Ctrl-C)."""

    def __init__(self, tmp_path: Path, *args: str):
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()
        self.port = free_port()
        env = {**os.environ, "TMPDIR": str(self.tmp)}
        cmd = [
            sys.executable,
            "-m",
            "incidentstats.cli",
            "explore",
            "--port",
            str(self.port),
            *args,
        ]
        self.proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     preexec_fn=_ctrl_c_as_in_a_terminal)  # fmt: skip
        self.lines: list[str] = []
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        deadline = time.monotonic() + START
        while not self.lines and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.1)
        self.kids: set[int] = set()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    @property
    def url(self) -> str:
        assert self.lines, f"no URL printed; stderr: {self.stderr()}"
        return self.lines[0].split()[1]

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read()

    def stop(self) -> int | None:
        self.kids |= _descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                for pid in self.kids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                return None
        return self.proc.returncode


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(*args):
        server = Server(tmp_path, *args)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _page(driver):
    from selenium.webdriver.common.by import By

    return lambda css: driver.find_elements(By.CSS_SELECTOR, css)


def _wait(driver, predicate, timeout=STEP, what="the page"):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: predicate())
    except TimeoutException:
        pytest.fail(f"timed out after {timeout} s waiting for {what}")


def _fresh(read):
    """``read()``, again if the widget re-rendered the element meanwhile (bounded)."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _ in range(50):
        try:
            return read()
        except (StaleElementReferenceException, IndexError):
            time.sleep(0.1)
    return read()


def _n_shown(find):
    def read():
        found = find(".ist-sentence")
        return int(found[0].get_attribute("data-n")) if found else None

    return _fresh(read)


def _sentence(find) -> str:
    return _fresh(lambda: find(".ist-sentence")[0].text)


def _type(find, css, text):
    from selenium.webdriver.common.keys import Keys

    box = find(f"{css} input")[0]
    box.clear()
    box.send_keys(text + Keys.ENTER)


def _requests(driver) -> set[str]:
    urls = set()
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.add(msg["params"]["request"]["url"])
        elif msg["method"] == "Network.webSocketCreated":
            urls.add(msg["params"]["url"])
    return urls


def _expected(df, **filters):
    sub = filter_incidents(df, **filters)
    sh = ist.shares(sub, by="categories")
    top = sh[sh["value"] != "unknown"].iloc[[0]]
    return len(sub), ist.describe_share(top), ist.describe_share(top, lang="fr")


def _drive(driver, server, df, *, start, region):
    """Open the page, check the numbers, change filters and the language; return the page."""
    from selenium.webdriver.support.ui import Select

    find = _page(driver)
    _requests(driver)  # drain the browser's log: an earlier test's requests are not this page's
    driver.get(server.url)
    _wait(driver, lambda: _n_shown(find) is not None, START, "the explorer's first render")
    n, share, _ = _expected(df)
    assert _n_shown(find) == n
    assert f"{n:,} incidents reported" in _sentence(find)
    assert share in _sentence(find)

    _type(find, ".ist-start", start)
    n, share, _ = _expected(df, start=start)
    _wait(driver, lambda: _n_shown(find) == n, what=f"{n} incidents from {start}")
    assert share in _sentence(find)
    # the command follows the counts: wait for it as for the French command below
    _wait(driver, lambda: f"-p start={start}" in _fresh(lambda: find(".ist-command")[0].text),
          what=f"the report command from {start}")  # fmt: skip
    command = _fresh(lambda: find(".ist-command")[0].text)
    assert f"-p start={start}" in command and "-o reports" in command

    Select(find(".ist-regions select")[0]).select_by_value(
        str(find(".ist-regions option")[[o.text for o in find(".ist-regions option")].index(region)]
            .get_attribute("value"))
    )  # fmt: skip
    n, share, share_fr = _expected(df, start=start, regions=[region])
    _wait(driver, lambda: _n_shown(find) == n, what=f"{n} incidents in {region}")
    assert share in _sentence(find)
    assert f"{n:,} incidents reported" in _sentence(find)
    # the shares tab shows the same counts as the API
    tabs = [t for t in find(".ist-tabs .lm-TabBar-tab") if "Category shares" in t.text]
    tabs[0].click()
    sub = filter_incidents(df, start=start, regions=[region])
    x = int(ist.shares(sub, by="categories")["x"].iloc[0])
    _wait(driver, lambda: _fresh(lambda: any(f">{x}<" in t.get_attribute("innerHTML")
                                             for t in find(".ist-table"))),
          what="the category shares table")  # fmt: skip

    french = [b for b in find(".ist-lang button") if b.text == "Français"]
    french[0].click()
    _wait(driver, lambda: "correspondent aux filtres" in _sentence(find), what="the French page")
    assert share_fr.replace("\u202f", " ").replace("\xa0", " ") in _sentence(find).replace(
        "\u202f", " "
    ).replace("\xa0", " ")
    _wait(driver, lambda: "--lang fr" in _fresh(lambda: find(".ist-command")[0].text),
          what="the French report command")  # fmt: skip
    english = [b for b in find(".ist-lang button") if b.text == "English"]
    english[0].click()
    _wait(driver, lambda: "match the filters" in _sentence(find), what="the English page")
    tabs = [t for t in find(".ist-tabs .lm-TabBar-tab") if "Incidents over time" in t.text]
    tabs[0].click()
    # exports arrive as download links
    for button, name in ((".ist-table_csv", "incidents.csv"), (".ist-chart_png", "counts.png")):
        find(button)[0].click()
        _wait(driver, lambda name=name: _fresh(lambda: [a.get_attribute("download")
                                                        for a in find(".ist-download")]) == [name],
              what=f"the link to {name}")  # fmt: skip
    return find


def _check_offline_and_stop(driver, server, tmp_path):
    host = server.url.rstrip("/")
    outside = [
        u for u in _requests(driver) if not u.startswith((host, "ws" + host[4:], "data:", "blob:"))
    ]
    assert outside == [], f"the page loaded from elsewhere: {outside}"
    assert server.url.startswith("http://127.0.0.1:")
    driver.get("about:blank")
    assert server.stop() == 130
    left = [pid for pid in server.kids if process_alive(pid)]
    assert left == [], f"processes left after Ctrl-C: {left}"
    assert list(server.tmp.iterdir()) == [], "temporary files left after Ctrl-C"
    written = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("tmp", "data"))
    assert written == [], "the app wrote into its folder"


@pytest.mark.slow
def test_web_app_on_the_embedded_data(browser, serve, tmp_path):
    server = serve()
    df = ist.load("hhs")
    _drive(browser, server, df, start="2012", region="CA")
    _check_offline_and_stop(browser, server, tmp_path)


@pytest.mark.slow
def test_web_app_on_a_shared_export(browser, serve, tmp_path):
    from conftest import shared_path

    paths = [shared_path(*ARCHIVE), shared_path(*UNDER_INVESTIGATION)]
    # linked beside the app, as a user's own download folder would be
    (tmp_path / "data").mkdir()
    for path in paths:
        (tmp_path / "data" / path.name).symlink_to(path)
    server = serve(*[a for p in paths for a in ("--input", f"data/{p.name}")])
    df = ist.load("hhs", paths)
    find = _drive(browser, server, df, start="2016", region="NY")
    # the README's screenshot: the whole explorer, on a US-wide view
    from selenium.webdriver.support.ui import Select

    Select(find(".ist-regions select")[0]).deselect_all()
    n = len(filter_incidents(df, start="2016"))
    _wait(browser, lambda: _n_shown(find) == n, what="all regions again")
    time.sleep(1)  # let the chart image paint
    bottom = browser.execute_script(
        "const r = document.querySelector('.ist-explorer').getBoundingClientRect();"
        "window.scrollTo(0, 0); return r.bottom + window.scrollY;"
    )
    metrics = {"width": 1400, "height": min(int(bottom) + 30, 3000), "deviceScaleFactor": 1,
               "mobile": False}  # fmt: skip
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    time.sleep(0.5)
    shot = tmp_path / "explore.png"
    browser.save_screenshot(str(shot))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    shot.unlink()
    _check_offline_and_stop(browser, server, tmp_path)


def test_explore_refuses_a_missing_input(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "incidentstats.cli", "explore", "--input", "nope.csv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["incidentstats: error: nope.csv: file not found"]
