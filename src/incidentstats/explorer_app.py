"""The explorer as a local web app: ``incidentstats explore`` serves notebooks/explore.ipynb with Voilà.

The inputs are fixed at launch and handed to the notebook through one environment variable;
the server listens on loopback, loads nothing from the network, and leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .errors import InputError, ParameterError
from .paths import package_path

#: Environment variable holding the launch settings (JSON) for the explorer notebook.
ENV = "INCIDENTSTATS_EXPLORE"
NOTEBOOK = "explore.ipynb"
#: Seconds to wait for the server to listen, and for it to stop when asked.
START_TIMEOUT, STOP_TIMEOUT = 60.0, 10.0
#: Holds voila/templates/incidentstats, the page template (a Jupyter data folder).
TEMPLATES = package_path("templates")


def launch_settings(*, source="hhs", input_paths=(), mapping="", lang="en") -> dict:
    """The explorer's inputs: those fixed by ``incidentstats explore``, else the notebook's.

    Examples
    --------
    >>> launch_settings(source="veris", input_paths=["a.json"])["inputs"]
    ['a.json']
    """
    fixed = os.environ.get(ENV)
    if fixed:
        return json.loads(fixed)
    return {
        "source": source,
        "inputs": [str(p) for p in input_paths],
        "mapping": mapping or "",
        "lang": lang,
        "report_dir": None,
        "cwd": None,
    }


def open_explorer(*, source="hhs", input_paths=(), mapping="", lang="en"):
    """Load the launch inputs and return the explorer (what notebooks/explore.ipynb shows)."""
    from .explorer_ui import Explorer
    from .ingest import load

    s = launch_settings(source=source, input_paths=input_paths, mapping=mapping, lang=lang)
    options = {"mapping": s["mapping"]} if s.get("mapping") else {}
    df = load(s["source"], s["inputs"] or None, **options)
    return Explorer(
        df, lang=s["lang"], source=s["source"], inputs=s.get("command_inputs", s["inputs"]),
        report_dir=s.get("report_dir"), report_cwd=s.get("cwd"),
    )  # fmt: skip


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def voila_command(notebook: Path, *, host: str, port: int) -> list[str]:
    """The Voilà command line: one notebook, no browser, no other file served, no CDN."""
    return [
        sys.executable, "-m", "voila", str(notebook),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--theme=light",
        # Voilà's lab page without its CDN links (templates/voila/templates/incidentstats)
        "--template=incidentstats",
        "--VoilaConfiguration.show_tracebacks=False",
        # serve the notebook's page and Voilà's own assets only, never a file beside it
        "--VoilaConfiguration.file_allowlist=^$",
        # widgets Voilà does not bundle would otherwise be fetched from unpkg.com
        "--VoilaExporter.jupyter_widgets_base_url=/voila/static/",
        "--Voila.log_level=ERROR",
    ]  # fmt: skip


def _wait_listening(host: str, port: int, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def serve(
    *,
    source: str = "hhs",
    inputs=(),
    mapping: str = "",
    lang: str = "en",
    host: str = "127.0.0.1",
    port: int | None = None,
    report_dir: str | None = None,
    echo=print,
) -> int:
    """Serve the explorer until interrupted; return Voilà's exit status.

    Checks the inputs first (a missing file is an ``InputError``, nothing started). The
    notebook's kernel runs with a private runtime and IPython folder in a temporary
    directory, removed on exit with the server and its kernels (one process group).
    """
    from .i18n import check_lang
    from .readers import SOURCE_NAMES
    from .report import notebook_dir

    check_lang(lang)
    if source not in SOURCE_NAMES or source == "france":
        raise ParameterError("source", f"expected an incident source, got {source!r}")
    paths = []
    for item in inputs:
        path = Path(item)
        if not path.exists():  # a file, or a folder of files (VERIS)
            raise InputError(str(item), "file not found")
        paths.append(str(path.resolve()))
    if mapping and not Path(mapping).is_file():
        raise InputError(str(mapping), "mapping file not found")
    notebook = notebook_dir() / NOTEBOOK
    port = port or free_port(host)
    cwd = os.getcwd()

    def typed(path) -> str:
        # the report command runs here: paths below this folder are shown relative to it
        full = os.path.abspath(path)
        rel = os.path.relpath(full, cwd)
        return full if rel.startswith(os.pardir) else rel

    settings = {
        "source": source,
        "inputs": paths,
        "command_inputs": [typed(p) for p in inputs],
        "mapping": str(Path(mapping).resolve()) if mapping else "",
        "lang": lang,
        "report_dir": typed(report_dir or "reports"),
        "cwd": cwd,
    }
    with tempfile.TemporaryDirectory(prefix="incidentstats-explore-") as tmp:
        env = {
            **os.environ,
            ENV: json.dumps(settings),
            "JUPYTER_RUNTIME_DIR": os.path.join(tmp, "runtime"),
            "IPYTHONDIR": os.path.join(tmp, "ipython"),
            "MPLBACKEND": "Agg",
            # where Voilà finds the incidentstats page template
            "JUPYTER_PATH": os.pathsep.join(
                p for p in (str(TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p
            ),
        }
        proc = subprocess.Popen(
            voila_command(notebook, host=host, port=port),
            env=env,
            cwd=str(notebook.parent),
            start_new_session=True,  # its own group: stopped together with its kernels
        )
        try:
            if not _wait_listening(host, port, proc, START_TIMEOUT):
                code = proc.poll()
                raise ParameterError(
                    "--port",
                    f"the explorer did not start on {host}:{port}"
                    + (f" (Voilà exited with status {code})" if code is not None else ""),
                )
            shown = f"[{host}]" if ":" in host else host
            echo(f"explorer: http://{shown}:{port}/  (Ctrl-C to stop)")
            return proc.wait()
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, then SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # the server is gone; its kernels may still be closing
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
