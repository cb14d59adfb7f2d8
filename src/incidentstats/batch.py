"""Batch reports: the cross product of parameter lists, run in parallel or on a Dask cluster.

One failing run never stops the others; the summary lists each failure with its reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ._files import write_json
from .errors import IncidentstatsError, ParameterError
from .report import (
    RunPlan,
    WorkerDied,
    clean_stale_parts,
    execute_run,
    make_run_id,
    one_line_error,
    preload,
    prepare_run,
    run_in_processes,
)

MAX_RUNS = 1000


@dataclass
class BatchSummary:
    """What a batch did: one entry per run, with status, folder and failure reason."""

    runs: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    path: Path | None = None

    @property
    def ok(self) -> bool:
        return all(r["status"] == "ok" for r in self.runs)

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.runs if r["status"] != "ok"]


def read_matrix(path) -> list[dict]:
    """Read a matrix file (YAML mapping of parameter -> list of values); return combinations.

    A single value counts as a one-value list.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "matrix.yaml"
    >>> _ = f.write_text("regions: [CA, TX]\\nstart: [2012, 2013]\\nlang: fr\\n")
    >>> read_matrix(f)  # doctest: +NORMALIZE_WHITESPACE
    [{'regions': 'CA', 'start': 2012, 'lang': 'fr'}, {'regions': 'CA', 'start': 2013, 'lang': 'fr'},
     {'regions': 'TX', 'start': 2012, 'lang': 'fr'}, {'regions': 'TX', 'start': 2013, 'lang': 'fr'}]
    """
    import yaml

    from .errors import InputError
    from .limits import read_config_text, shown_path, yaml_load

    p = Path(path)
    try:
        spec = yaml_load(read_config_text(p, what="matrix file"), label=shown_path(p))
    except InputError as exc:
        raise ParameterError("--matrix", str(exc)) from None
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParameterError(
            "--matrix", f"{p}: not a readable YAML file ({exc.__class__.__name__})"
        ) from None
    if not isinstance(spec, dict) or not spec:
        raise ParameterError(
            "--matrix", f"{p}: expected a mapping of parameter name to a list of values"
        )
    keys, lists = [], []
    for key, values in spec.items():
        if not isinstance(values, list):
            values = [values]
        if not values:
            raise ParameterError("--matrix", f"{p}: {key!r} must be a non-empty list of values")
        keys.append(str(key))
        lists.append(values)
    total = 1
    for values in lists:
        total *= len(values)
    if total > MAX_RUNS:
        raise ParameterError("--matrix", f"{p}: {total} runs, more than the limit of {MAX_RUNS}")
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*lists)]


def _slug(combo: dict) -> str:
    parts = []
    for key, value in combo.items():
        text = ".".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}-{text}")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(parts))[:60].strip("-.")


def plan_matrix(
    combos, *, source, inputs, notebooks, params, lang, formats, outdir, timeout=900
) -> list[RunPlan]:
    """Check every run of the matrix before any kernel starts (nothing is written)."""
    stamp = make_run_id(source)
    plans = []
    for i, combo in enumerate(combos, start=1):
        run_params = {**params, **{k: v for k, v in combo.items() if k != "lang"}}
        run_lang = combo.get("lang", lang)
        run_id = f"{stamp}-{i:03d}-{_slug(combo)}"[:100].rstrip("-.")
        try:
            plan = prepare_run(
                source=source, inputs=inputs, notebooks=notebooks, params=run_params, lang=run_lang,
                formats=formats, outdir=outdir, run_id=run_id, timeout=timeout,
            )  # fmt: skip
        except IncidentstatsError as exc:
            shown = ", ".join(f"{k}={v}" for k, v in combo.items())
            raise ParameterError("--matrix", f"run {i} ({shown}): {exc}") from None
        plan.auto_id = True  # a batch started in the same second may already hold the id
        plans.append(plan)
    return plans


def _run_one(plan: RunPlan) -> dict:
    t0 = time.perf_counter()
    try:
        result = execute_run(plan, jobs=1)
        errors = [f"{r.name}: {r.error}" for r in result.notebooks if r.status != "ok"]
        return {"run_id": result.run_id, "status": result.status, "dir": str(result.run_dir),
                "reason": "; ".join(errors) or None, "seconds": round(time.perf_counter() - t0, 2)}  # fmt: skip
    except IncidentstatsError as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 — one run's bug must not stop the batch
        reason = one_line_error(exc)
    return {"run_id": plan.run_id, "status": "failed", "dir": None, "reason": reason,
            "seconds": round(time.perf_counter() - t0, 2)}  # fmt: skip


def run_matrix(
    matrix_file,
    *,
    source="hhs",
    inputs=(),
    notebooks=None,
    params=None,
    lang="en",
    formats=("pdf", "html"),
    outdir="reports",
    jobs: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
    timeout: int = 900,
) -> BatchSummary:
    """Run one report per combination of the matrix file's parameter lists.

    Every combination is checked before the first report starts. Each report is
    written like ``incidentstats report`` writes one (``<run-id>`` or ``<run-id>-failed``).

    Parameters
    ----------
    jobs : int
        Reports run at a time on this machine, each in its own process (its notebooks
        one after the other).
    scheduler : str, optional
        Address of a dask.distributed scheduler (``tcp://host:8786``); each report is one
        task. Workers need incidentstats installed and must see the same paths (inputs,
        notebooks, output folder), which are made absolute here.

    Returns
    -------
    BatchSummary
        Also written to ``outdir/batch-<time>.json``.
    """
    if jobs < 1:
        raise ParameterError("--jobs", f"expected a positive integer, got {jobs}")
    combos = read_matrix(matrix_file)
    if scheduler:
        outdir = Path(outdir).resolve()
        inputs = [str(Path(p).resolve()) for p in inputs]
    plans = plan_matrix(
        combos, source=source, inputs=inputs, notebooks=notebooks, params=dict(params or {}), lang=lang,
        formats=formats, outdir=outdir, timeout=timeout,
    )  # fmt: skip
    t0 = time.perf_counter()
    if scheduler:
        runs = _run_on_dask(plans, scheduler, progress=progress)
    else:
        runs = _run_local(plans, jobs, progress=progress)
    for run, combo in zip(runs, combos, strict=True):
        run["parameters"] = combo
    summary = BatchSummary(runs=runs, seconds=round(time.perf_counter() - t0, 2))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(outdir) / f"batch-{stamp}.json"
    n = 1
    while path.exists():
        n += 1
        path = Path(outdir) / f"batch-{stamp}-{n}.json"
    summary.path = write_json(
        path,
        {
            "matrix": str(matrix_file),
            "runs": runs,
            "seconds": summary.seconds,
            "ok": summary.ok,
            "failed": len(summary.failed),
            "jobs": None if scheduler else jobs,
            "scheduler": scheduler,
        },  # fmt: skip
    )
    _print_summary(summary)
    return summary


def _progress(total, enabled):
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0  # no monitor thread: children are forked from this process

    # disable=None: shown on a terminal, silent under cron (no carriage returns in mail)
    return Bar(
        total=total, desc="reports", unit="run", disable=None if enabled else True, file=sys.stderr
    )


def _failed(run_id, reason) -> dict:
    return {"run_id": run_id, "status": "failed", "dir": None, "reason": reason, "seconds": None}


def _run_local(plans, jobs, *, progress) -> list[dict]:
    outdir = Path(plans[0].outdir) if plans else None
    with _progress(len(plans), progress) as bar:

        def done(i, result):
            bar.update(1)
            if result["status"] != "ok" and not bar.disable:  # as it happens, on a terminal
                bar.write(f"FAILED {result['run_id']}: {result['reason']}", file=sys.stderr)

        if jobs > 1 and len(plans) > 1:
            preload()  # imported once here, shared by the forked children
        try:
            results = run_in_processes(
                _run_one, plans, jobs=min(jobs, len(plans)), on_result=_guard(done, plans)
            )
        finally:
            if outdir is not None and jobs > 1:
                # A child killed outright (kill -9, out of memory) leaves its .part folder.
                clean_stale_parts(outdir)
    runs = []
    for plan, result in zip(plans, results, strict=True):
        if isinstance(result, dict):
            runs.append(result)
        else:  # WorkerDied, or a one-line exception text
            runs.append(_failed(plan.run_id, str(result)))
    return runs


def _guard(done, plans):
    def wrapped(i, result):
        if not isinstance(result, dict):
            result = _failed(plans[i].run_id, str(result))
        done(i, result)

    return wrapped


def _run_on_dask(plans, address, *, progress) -> list[dict]:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise ParameterError("--scheduler", "dask.distributed is not installed") from None
    if isinstance(address, str):
        _check_reachable(address)
    try:
        client = Client(address, timeout="10s") if isinstance(address, str) else Client(address)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParameterError(
            "--scheduler", f"cannot reach scheduler {address}: {exc.__class__.__name__}"
        ) from None
    runs: list = [None] * len(plans)
    futures = []
    try:
        keys = [f"incidentstats-report-{p.run_id}" for p in plans]
        futures = client.map(_run_one, plans, pure=False, key=keys)
        index = {f.key: i for i, f in enumerate(futures)}
        with _progress(len(plans), progress) as bar:
            for fut in dask_completed(futures):
                i = index[fut.key]
                try:
                    runs[i] = fut.result()
                except Exception as exc:  # noqa: BLE001 — e.g. KilledWorker: record, keep going
                    runs[i] = _failed(
                        plans[i].run_id, f"task failed on the cluster: {one_line_error(exc)}"
                    )
                if runs[i]["status"] != "ok" and not bar.disable:
                    bar.write(f"FAILED {runs[i]['run_id']}: {runs[i]['reason']}", file=sys.stderr)
                bar.update(1)
    except BaseException:
        # Interrupted: reports not started yet are cancelled; running ones finish on their worker.
        with contextlib.suppress(Exception):
            client.cancel(futures)
        raise
    finally:
        if isinstance(address, str):
            with contextlib.suppress(Exception):
                client.close(timeout=10)
    return runs


#: Protocols dask.distributed can connect with.
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx")


def check_scheduler_address(address: str):
    """Split a scheduler address into ``(protocol, host, port)``; one-line error if malformed.

    Examples
    --------
    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    ('tcp', '10.0.0.5', 8786)
    >>> check_scheduler_address("tcp://host:99999")
    Traceback (most recent call last):
    ...
    incidentstats.errors.ParameterError: parameter '--scheduler': port 99999 out of range 1-65535 in 'tcp://host:99999'
    """
    from urllib.parse import urlsplit

    text = str(address).strip()
    if not text or any(c.isspace() or not c.isprintable() for c in text) or len(text) > 1000:
        raise ParameterError("--scheduler", f"expected tcp://host:port, got {address!r}")
    try:
        parts = urlsplit(text if "://" in text else f"tcp://{text}")
        host = parts.hostname
    except ValueError as exc:  # "Invalid IPv6 URL": tcp://[::1
        raise ParameterError(
            "--scheduler", f"expected tcp://host:port, got {address!r} ({exc})"
        ) from None
    if parts.scheme not in SCHEDULER_PROTOCOLS:
        raise ParameterError(
            "--scheduler",
            f"unsupported protocol {parts.scheme!r} in {address!r}; expected one of "
            f"{', '.join(SCHEDULER_PROTOCOLS)}",
        )
    match = re.search(r":(\d+)$", parts.netloc)
    port = int(match.group(1)) if match else None
    if port is not None and not 1 <= port <= 65535:
        raise ParameterError("--scheduler", f"port {port} out of range 1-65535 in {address!r}")
    if not host or port is None or parts.path not in ("", "/") or parts.query:
        raise ParameterError("--scheduler", f"expected {parts.scheme}://host:port, got {address!r}")
    return parts.scheme, host, port


def _check_reachable(address: str) -> None:
    """Fail fast, in one line, when nothing listens at a tcp:// scheduler address."""
    import socket

    scheme, host, port = check_scheduler_address(address)
    if scheme not in ("tcp", "tls"):
        return  # other comms: let dask connect
    try:
        with socket.create_connection((host, port), timeout=10):
            pass
    except OSError as exc:
        raise ParameterError(
            "--scheduler",
            f"cannot reach scheduler {address}: {exc.strerror or exc.__class__.__name__}",
        ) from None


def _print_summary(summary: BatchSummary) -> None:
    ok = len(summary.runs) - len(summary.failed)
    print(
        f"{ok} of {len(summary.runs)} reports written in {summary.seconds:.1f} s; summary: {summary.path}"
    )
    for run in summary.failed:
        print(f"FAILED {run['run_id']}: {run['reason']}", file=sys.stderr)


__all__ = ["BatchSummary", "WorkerDied", "plan_matrix", "read_matrix", "run_matrix"]
