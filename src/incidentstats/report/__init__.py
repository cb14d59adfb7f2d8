"""Report runner: papermill executes the notebooks, nbconvert and WeasyPrint make HTML/PDF.

It knows notebooks, parameters, processes and files — nothing about statistics.
``params`` checks a run, ``runs`` owns its folder, ``execute`` runs the notebooks in the
worker pool of ``pool``, and ``render`` writes HTML and PDF.
"""

from .._files import sha256_file
from .execute import (
    _KERNEL_ARGS,
    _RESET_CODE,
    REUSE_KERNELS,
    NotebookResult,
    RunResult,
    execute_run,
    preload,
    run_report,
)
from .notebooks import (
    available_notebooks,
    declared_parameters,
    default_notebooks,
    language_notebook,
    language_notebook_text,
    notebook_dir,
    notebook_meta,
    write_language_notebooks,
)
from .params import (
    CHOICES,
    FORMATS,
    MAX_LIST_ITEMS,
    MAX_TIMEOUT,
    RANGES,
    ROUTED,
    RunPlan,
    check_parameters,
    check_range,
    coerce_value,
    parse_bound,
    prepare_run,
)
from .pool import WorkerDied, die_with_parent, one_line_error, run_in_processes
from .render import (
    CSS_PATH,
    choose_chart_format,
    document_html,
    html_to_pdf,
    jinja_env,
    notebook_body_html,
    templates_dir,
    title_page_html,
)
from .runs import (
    RESERVED_RUN_IDS,
    STALE_PART_HOURS,
    check_output_dir,
    clean_stale_parts,
    data_meta,
    make_run_id,
    reserve,
)

__all__ = [
    "CHOICES", "CSS_PATH", "FORMATS", "MAX_LIST_ITEMS", "MAX_TIMEOUT", "RANGES", "RESERVED_RUN_IDS",
    "REUSE_KERNELS", "ROUTED", "STALE_PART_HOURS",
    "_KERNEL_ARGS", "_RESET_CODE", "NotebookResult", "RunPlan", "RunResult", "WorkerDied",
    "available_notebooks", "check_output_dir", "check_parameters", "check_range",
    "choose_chart_format", "clean_stale_parts", "coerce_value", "data_meta", "declared_parameters",
    "default_notebooks", "die_with_parent", "document_html", "execute_run", "html_to_pdf",
    "jinja_env", "language_notebook", "language_notebook_text", "make_run_id", "notebook_body_html", "notebook_dir", "notebook_meta",
    "one_line_error", "parse_bound", "preload", "prepare_run", "reserve",
    "run_in_processes", "run_report", "sha256_file", "templates_dir", "title_page_html",
    "write_language_notebooks",
]  # fmt: skip
