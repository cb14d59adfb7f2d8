"""Batch reports: the cross product of parameter lists, run in parallel or on a Dask cluster.

One failing run never stops the others; the summary lists each failure with its reason.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ._files import write_json
from .errors import IncidentstatsError, ParameterError
from .report import RunPlan, execute_run, make_run_id, prepare_run

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

    Examples
    --------
    A file holding ``regions: [CA, TX]`` and ``lang: [en, fr]`` gives four runs.
    """
    import yaml

    p = Path(path)
    try:
        spec = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError("--matrix", f"{p}: file not found") from None
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParameterError("--matrix", f"{p}: not a readable YAML file ({exc.__class__.__name__})") from None
    if not isinstance(spec, dict) or not spec:
        raise ParameterError("--matrix", f"{p}: expected a mapping of parameter name to a list of values")
    keys, lists = [], []
    for key, values in spec.items():
        if not isinstance(values, list) or not values:
            raise ParameterError("--matrix", f"{p}: {key!r} must be a non-empty list of values")
        keys.append(str(key))
        lists.append(values)
    combos = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*lists)]
    if len(combos) > MAX_RUNS:
        raise ParameterError("--matrix", f"{p}: {len(combos)} runs, more than the limit of {MAX_RUNS}")
    return combos


def _slug(combo: dict) -> str:
    parts = []
    for key, value in combo.items():
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}-{text}")
    return re.sub(r"[^A-Za-z0-9.,_-]+", "-", "_".join(parts))[:60].strip("-.")


def plan_matrix(combos, *, source, inputs, notebooks, params, lang, formats, outdir) -> list[RunPlan]:
    """Check every run of the matrix before any kernel starts."""
    stamp = make_run_id(source)
    plans = []
    for i, combo in enumerate(combos, start=1):
        run_params = {**params, **{k: v for k, v in combo.items() if k != "lang"}}
        run_lang = combo.get("lang", lang)
        run_id = f"{stamp}-{i:03d}-{_slug(combo)}"[:100].rstrip("-.")
        plans.append(
            prepare_run(
                source=source, inputs=inputs, notebooks=notebooks, params=run_params, lang=run_lang,
                formats=formats, outdir=outdir, run_id=run_id,
            )  # fmt: skip
        )
    return plans


def _run_one(plan: RunPlan) -> dict:
    t0 = time.perf_counter()
    try:
        result = execute_run(plan)
        errors = [f"{r.name}: {r.error}" for r in result.notebooks if r.status != "ok"]
        return {"run_id": plan.run_id, "status": result.status, "dir": str(result.run_dir),
                "reason": "; ".join(errors) or None, "seconds": round(time.perf_counter() - t0, 2)}  # fmt: skip
    except IncidentstatsError as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 — one run's bug must not stop the batch
        reason = f"{exc.__class__.__name__}: {' '.join(str(exc).split())}"[:500]
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
) -> BatchSummary:
    """Run one report per combination of the matrix file's parameter lists.

    Parameters
    ----------
    jobs : int
        Parallel processes on this machine.
    scheduler : str, optional
        Address of a dask.distributed scheduler (``tcp://host:8786``); each report is
        one task. Workers must see the same paths (inputs, output folder).

    Returns
    -------
    BatchSummary
        Also written to ``outdir/batch-<time>.json``.
    """
    if jobs < 1:
        raise ParameterError("--jobs", f"expected a positive integer, got {jobs}")
    combos = read_matrix(matrix_file)
    plans = plan_matrix(
        combos, source=source, inputs=inputs, notebooks=notebooks, params=dict(params or {}), lang=lang,
        formats=formats, outdir=outdir,
    )  # fmt: skip
    t0 = time.perf_counter()
    if scheduler:
        runs = _run_on_dask(plans, scheduler, progress=progress)
    else:
        runs = _run_local(plans, jobs, progress=progress)
    order = {p.run_id: i for i, p in enumerate(plans)}
    runs.sort(key=lambda r: order[r["run_id"]])
    summary = BatchSummary(runs=runs, seconds=round(time.perf_counter() - t0, 2))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    summary.path = write_json(
        Path(outdir) / f"batch-{stamp}.json",
        {"matrix": str(matrix_file), "runs": runs, "seconds": summary.seconds, "ok": summary.ok,
         "jobs": jobs, "scheduler": scheduler},  # fmt: skip
    )
    _print_summary(summary)
    return summary


def _progress(total, enabled):
    from tqdm import tqdm

    return tqdm(total=total, desc="reports", unit="run", disable=not enabled, file=sys.stderr)


def _run_local(plans, jobs, *, progress) -> list[dict]:
    runs = []
    with _progress(len(plans), progress) as bar:
        if jobs == 1:
            for plan in plans:
                runs.append(_run_one(plan))
                bar.update(1)
            return runs
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_run_one, plan): plan for plan in plans}
            for fut in as_completed(futures):
                try:
                    runs.append(fut.result())
                except Exception as exc:  # a worker died (e.g. killed): record, keep going
                    runs.append({"run_id": futures[fut].run_id, "status": "failed", "dir": None,
                                 "reason": f"worker failed: {exc.__class__.__name__}", "seconds": None})  # fmt: skip
                bar.update(1)
    return runs


def _run_on_dask(plans, address, *, progress) -> list[dict]:
    try:
        from dask.distributed import Client, as_completed as dask_completed
    except ImportError:
        raise ParameterError("--scheduler", "dask.distributed is not installed") from None
    try:
        client = Client(address, timeout="10s") if isinstance(address, str) else Client(address)
    except (OSError, TimeoutError) as exc:
        raise ParameterError("--scheduler", f"cannot reach scheduler {address}: {exc.__class__.__name__}") from None
    runs = []
    try:
        futures = client.map(_run_one, plans, pure=False, key=[f"report-{p.run_id}" for p in plans])
        with _progress(len(plans), progress) as bar:
            for fut in dask_completed(futures):
                try:
                    runs.append(fut.result())
                except Exception as exc:  # noqa: BLE001
                    runs.append({"run_id": fut.key.removeprefix("report-"), "status": "failed", "dir": None,
                                 "reason": f"task failed: {exc.__class__.__name__}", "seconds": None})  # fmt: skip
                bar.update(1)
    finally:
        if isinstance(address, str):
            client.close()
    return runs


def _print_summary(summary: BatchSummary) -> None:
    ok = len(summary.runs) - len(summary.failed)
    print(f"{ok} of {len(summary.runs)} reports written in {summary.seconds:.1f} s; summary: {summary.path}")
    for run in summary.failed:
        print(f"FAILED {run['run_id']}: {run['reason']}", file=sys.stderr)
