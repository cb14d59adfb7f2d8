"""The teaching kit: a student handout and a teacher's guide (PDF), and a student notebook.

Texts live in ``locale/kit.<lang>.yaml``; every result is computed here from the bundled data,
and answers reach the notebook only through :func:`show_answer`.
"""

from __future__ import annotations

import functools
import html
import importlib.resources
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import i18n
from .errors import ParameterError

__all__ = [
    "EXERCISES",
    "answer_values",
    "build_notebook",
    "data_table",
    "guide_html",
    "handout_html",
    "show_answer",
    "write_kit",
]

#: The exercises, in session order.
EXERCISES = ("rate", "share", "france", "shift", "scope")
#: The figures of the French observatory each exercise shows (``fact_id``).
_FRANCE_FACTS = {
    "rate": ["FR001", "FR002"],
    "share": ["FR001", "FR003", "FR030", "FR031"],
    "france": ["FR001", "FR020", "FR021", "FR024", "FR025", "FR030", "FR040", "FR041", "FR042",
               "FR063", "FR072", "FR073"],
}  # fmt: skip
#: Years of the HHS aggregate shown in the "from theft to hacking" exercise.
_SHIFT_YEARS = (2010, 2012, 2014, 2016, 2018, 2020, 2022, 2023, 2024, 2025)


@functools.cache
def texts(lang: str) -> dict:
    """The kit's texts in ``lang``, French typography applied to every string.

    Examples
    --------
    >>> texts("fr")["exercises"]["rate"]["title"]
    '27 par mois, est-ce cohérent avec 319 en un an\\u202f?'
    """
    import yaml

    i18n.check_lang(lang)
    path = importlib.resources.files("incidentstats").joinpath("locale", f"kit.{lang}.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))

    def typeset(node):
        if isinstance(node, str):
            return i18n.typography(node, lang)
        if isinstance(node, list):
            return [typeset(x) for x in node]
        if isinstance(node, dict):
            return {k: typeset(v) for k, v in node.items()}
        return node

    return typeset(raw)


@dataclass(frozen=True)
class _Data:
    figures: pd.DataFrame
    by_type: pd.DataFrame
    hhs: pd.DataFrame


@functools.lru_cache(maxsize=1)
def _data() -> _Data:
    import incidentstats as ist

    from .teaching import hhs_yearly_by_type

    return _Data(figures=ist.load("france"), by_type=hhs_yearly_by_type(), hhs=ist.load("hhs"))


def _fact(figures: pd.DataFrame, fact_id: str) -> float:
    value = figures.loc[figures["fact_id"].eq(fact_id), "value_num"]
    if len(value) != 1 or pd.isna(value.iloc[0]):
        raise ParameterError("fact_id", f"no single number for {fact_id}")
    return float(value.iloc[0])


# --- the data each exercise shows -------------------------------------------------------------


def _shift_table(by_type: pd.DataFrame, lang: str) -> pd.DataFrame:
    words = texts(lang)["tables"]
    rows = []
    for year in _SHIFT_YEARS:
        part = by_type[by_type["year"].eq(year)]
        if part.empty:
            continue
        get = part.set_index("category")["breaches_with_category"]
        rows.append(
            {
                words["year"]: str(year),
                words["total"]: i18n.fmt_number(int(part["breaches_in_year"].iloc[0]), lang),
                words["theft"]: i18n.fmt_number(int(get["theft"]), lang),
                words["hacking"]: i18n.fmt_number(int(get["hacking"]), lang),
                words["coverage"]: words["coverage_" + str(part["coverage"].iloc[0])],
            }
        )
    return pd.DataFrame(rows)


def data_frame(key: str, *, lang: str = "en") -> pd.DataFrame | None:
    """The data an exercise gives the students, as a display table (``None`` when none)."""
    from . import france

    data = _data()
    if key in _FRANCE_FACTS:
        shown = france.published_figures(data.figures, fact_ids=_FRANCE_FACTS[key], lang=lang)
        labels = france.table_labels(lang)
        cols = ["period_label", "measure", "published", "source"]
        return shown[cols].rename(columns={c: labels.get(c, c) for c in cols})
    if key == "shift":
        return _shift_table(data.by_type, lang)
    return None


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def data_table(key: str, *, lang: str = "en"):
    """The data of exercise ``key`` as HTML (shown in the notebook and the handout)."""
    from .notebook import HTMLBlock

    frame = data_frame(key, lang=lang)
    if frame is None:
        return HTMLBlock("")
    source = texts(lang)["sources"]["hhs_by_type" if key == "shift" else "france"]
    caption = f'<p class="caption">{html.escape(texts(lang)["source"].format(source=source))}</p>'
    return HTMLBlock(_html_table(frame) + caption)


# --- answers ----------------------------------------------------------------------------------


def _num(x, lang, d=1):
    return i18n.fmt_number(x, lang, decimals=d)


def answer_values(key: str, *, lang: str = "en") -> dict[str, str]:
    """The figures of the answer to exercise ``key``, computed and formatted in ``lang``.

    Examples
    --------
    >>> answer_values("rate", lang="en")["rate"]
    '26.6 a month (95% CI 23.7 to 29.7; 319 in 12 months)'
    """
    import incidentstats as ist

    from . import france

    if key not in EXERCISES:
        raise ParameterError("exercise", f"expected one of {', '.join(EXERCISES)}, got {key!r}")
    data = _data()
    fig = data.figures
    if key == "rate":
        n, months = _fact(fig, "FR001"), 12
        half = 2 * math.sqrt(n)
        return {
            "rate_plain": _num(n / months, lang, 2),
            "paper_lo": _num(n - half, lang, 0),
            "paper_hi": _num(n + half, lang, 0),
            "paper_lo_m": _num((n - half) / months, lang, 1),
            "paper_hi_m": _num((n + half) / months, lang, 1),
            "rate": ist.describe_rate(ist.rate_table(int(n), months, unit="month"), lang=lang),
        }
    if key == "share":
        n, p = _fact(fig, "FR001"), _fact(fig, "FR003") / 100
        half = 2 * math.sqrt(p * (1 - p) / n)
        n20, p20 = _fact(fig, "FR030"), _fact(fig, "FR031") / 100
        return {
            "paper_half": _num(100 * half, lang, 1),
            "paper_lo": i18n.fmt_percent(p - half, lang, 1),
            "paper_hi": i18n.fmt_percent(p + half, lang, 1),
            "share_first": ist.describe_share(ist.proportion_table(round(p * n), int(n)), lang=lang),
            "share_2020": ist.describe_share(ist.proportion_table(round(p20 * n20), int(n20)), lang=lang),
        }  # fmt: skip
    if key == "france":
        row = france.compare_with_first_year(fig, 2024).iloc[0]
        n1, n2 = float(row["count_a"]), float(row["count_b"])
        f = math.exp(2 * math.sqrt(1 / n1 + 1 / n2))
        ci = i18n.t("ci_label", lang, level=i18n.fmt_percent(0.95, lang))
        ratio = f"×{_num(row['rate_ratio'], lang, 2)} ({ci} {_num(row['lower'], lang, 2)}–{_num(row['upper'], lang, 2)})"
        i18, s18 = _fact(fig, "FR020"), _fact(fig, "FR021")
        i24, s24 = _fact(fig, "FR072"), _fact(fig, "FR073")
        return {
            "ratio_plain": _num(n2 / n1, lang, 2),
            "paper_f": _num(f, lang, 3),
            "paper_lo": _num(n2 / n1 / f, lang, 2),
            "paper_hi": _num(n2 / n1 * f, lang, 2),
            "ratio": ratio,
            "incidents_2018": _num(i18, lang, 0),
            "structures_2018": _num(s18, lang, 0),
            "per_structure_2018": _num(i18 / s18, lang, 2),
            "incidents_2024": _num(i24, lang, 0),
            "structures_2024": _num(s24, lang, 0),
            "per_structure_2024": _num(i24 / s24, lang, 2),
            "without_cascade": _num(_fact(fig, "FR040") * (1 - _fact(fig, "FR042") / 100), lang, 0),
            "incidents_2020": _num(_fact(fig, "FR030"), lang, 0),
        }  # fmt: skip
    if key == "shift":
        bt = data.by_type

        def share(year, cat):
            from .teaching import breaches

            n = int(bt.loc[bt["year"].eq(year), "breaches_in_year"].iloc[0])
            return ist.describe_share(ist.proportion_table(breaches(bt, year, cat), n), lang=lang)

        n10 = int(bt.loc[bt["year"].eq(2010), "breaches_in_year"].iloc[0])
        p10 = (
            int(
                bt[(bt["year"] == 2010) & (bt["category"] == "theft")][
                    "breaches_with_category"
                ].iloc[0]
            )
            / n10
        )
        n25 = int(bt.loc[bt["year"].eq(2025), "breaches_in_year"].iloc[0])
        return {
            "theft_2010": share(2010, "theft"),
            "hacking_2010": share(2010, "hacking"),
            "theft_2023": share(2023, "theft"),
            "hacking_2023": share(2023, "hacking"),
            "paper_half": _num(200 * math.sqrt(p10 * (1 - p10) / n10), lang, 1),
            "hacking_2025": share(2025, "hacking"),
            "n_2025": _num(n25, lang, 0),
        }  # fmt: skip
    # scope
    known = ist.ratio(data.hhs, {"origin": "malicious"})
    every = ist.ratio(data.hhs, {"origin": "malicious"}, unknown="include")
    return {
        "us_known": ist.describe_share(known, lang=lang),
        "us_all": ist.describe_share(every, lang=lang),
    }


def context_values(key: str, *, lang: str = "en") -> dict[str, str]:
    """Data figures quoted in an exercise's statement (not answers)."""
    if key != "scope":
        return {}
    import incidentstats as ist

    hhs = _data().hhs
    known = ist.ratio(hhs, {"origin": "malicious"})
    return {
        "us_known_x": _num(int(known["x"].iloc[0]), lang, 0),
        "us_known_n": _num(int(known["n"].iloc[0]), lang, 0),
        "us_all_n": _num(len(hhs), lang, 0),
    }


def exercise(key: str, *, lang: str = "en") -> dict:
    """One exercise's texts for students (no answer): title, context, questions, paper path."""
    ex = dict(texts(lang)["exercises"][key])
    ex["context"] = ex["context"].format(**context_values(key, lang=lang))
    ex["number"] = EXERCISES.index(key) + 1
    ex["key"] = key
    for private in ("answer", "draw_out", "misconceptions"):
        ex.pop(private, None)
    return ex


def answer(key: str, *, lang: str = "en") -> dict:
    """The teacher's side of exercise ``key``: answer with working, points, misconceptions."""
    ex = texts(lang)["exercises"][key]
    return {
        "text": ex["answer"].format(**answer_values(key, lang=lang)),
        "draw_out": ex["draw_out"],
        "misconceptions": ex["misconceptions"],
    }


def show_answer(key: str, *, lang: str = "en", show: bool = False):
    """The answer to exercise ``key`` for the notebook, or a short note when ``show`` is False.

    Answers live in the package, never in the notebook's source: the teacher runs the
    notebook with ``show_answers = True`` to reveal them.
    """
    from .notebook import HTMLBlock

    i18n.check_lang(lang)
    if not isinstance(show, bool):
        raise ParameterError("show_answers", f"expected True or False, got {show!r}")
    words = texts(lang)
    if not show:
        note = html.escape(words["answer_hidden"]).replace(
            "show_answers = True", "<code>show_answers = True</code>"
        )
        return HTMLBlock(f'<p class="caption">{note}</p>')
    a = answer(key, lang=lang)
    points = "".join(f"<li>{html.escape(p)}</li>" for p in a["draw_out"])
    wrong = "".join(f"<li>{html.escape(p)}</li>" for p in a["misconceptions"])
    return HTMLBlock(
        f'<div class="answer"><p><strong>{html.escape(words["answer"])}.</strong> '
        f"{html.escape(a['text'])}</p>"
        f"<p><strong>{html.escape(words['draw_out'])}</strong></p><ul>{points}</ul>"
        f"<p><strong>{html.escape(words['misconceptions'])}</strong></p><ul>{wrong}</ul></div>"
    )


# --- documents --------------------------------------------------------------------------------


def _timing(lang: str) -> tuple[list[dict], str]:
    rows, start = [], 0
    for step, minutes in texts(lang)["timing"]:
        rows.append({"step": step, "minutes": texts(lang)["minutes"].format(m=minutes),
                     "start": f"{start // 60} h {start % 60:02d}"})  # fmt: skip
        start += minutes
    total = f"{start // 60} h {start % 60:02d}"
    return rows, total


def _render(template: str, lang: str, **context) -> str:
    from .report import CSS_PATH, jinja_env

    css = CSS_PATH.read_text(encoding="utf-8") + (CSS_PATH.parent / "kit.css").read_text(
        encoding="utf-8"
    )
    words = texts(lang)
    exercises = []
    for key in EXERCISES:
        ex = exercise(key, lang=lang)
        frame = data_frame(key, lang=lang)
        ex["table"] = None if frame is None else {
            "columns": list(frame.columns),
            "rows": [list(map(str, r)) for r in frame.itertuples(index=False)],
            "source": words["source"].format(
                source=words["sources"]["hhs_by_type" if key == "shift" else "france"]
            ),
        }  # fmt: skip
        exercises.append(ex)
    timing, total = _timing(lang)
    return jinja_env().get_template(template).render(
        lang=lang, w=words, css=css, exercises=exercises, timing=timing,
        total=words["timing_total"].format(total=total), **context,
    )  # fmt: skip


def handout_html(lang: str = "en") -> str:
    """The student handout as an HTML document: no code and no answers."""
    return _render("kit_handout.html.j2", lang)


def guide_html(lang: str = "en") -> str:
    """The teacher's guide as an HTML document: plan, answers with working, pitfalls."""
    answers = {key: answer(key, lang=lang) for key in EXERCISES}
    return _render("kit_guide.html.j2", lang, answers=answers)


def exercise_markdown(key: str, lang: str) -> str:
    """An exercise as a notebook markdown cell: title, context, questions, paper path."""
    words = texts(lang)
    ex = exercise(key, lang=lang)
    questions = "\n".join(f"{i}. {q}" for i, q in enumerate(ex["questions"], 1))
    return (f"## {ex['number']}. {ex['title']}\n\n{ex['context']}\n\n{questions}\n\n"
            f"**{words['paper']}.** {ex['paper']}")  # fmt: skip


def exercise_code(key: str, lang: str) -> list[str]:
    """The code cells of an exercise: its data, an empty cell to fill in, the hidden answer."""
    number = EXERCISES.index(key) + 1
    return [
        f'kit.data_table("{key}", lang=lang)',
        f"# {texts(lang)['todo']}\nanswer_{number} = None",
        f'kit.show_answer("{key}", lang=lang, show=show_answers)',
    ]


def notebook_cells(lang: str) -> list[tuple[str, str, list[str]]]:
    """The student notebook's cells in ``lang`` as ``(kind, source, tags)``; no answer in them."""
    words = texts(lang)
    tag = [f"lang-{lang}"]
    cells = [
        ("md", f"# {words['title']}\n\n{words['notebook_intro']}", tag),
        ("md", f"## {words['how_heading']}\n\n{words['how']}", tag),
    ]
    for key in EXERCISES:
        cells.append(("md", exercise_markdown(key, lang), tag))
        cells += [("code", source, []) for source in exercise_code(key, lang)]
    return cells


def build_notebook(lang: str = "en"):
    """The student notebook for ``lang`` (an ``nbformat`` notebook, without outputs)."""
    import nbformat

    i18n.check_lang(lang)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    params = (f'lang = "{lang}"  # en or fr\n'
              "show_answers = False  # True shows the answers (teacher's copy)")  # fmt: skip
    sources = [("code", "%matplotlib inline\nfrom incidentstats import kit", ["remove"]),
               ("code", params, ["parameters"])]  # fmt: skip
    for kind, source, tags in (
        sources[:1] + notebook_cells(lang)[:2] + sources[1:] + notebook_cells(lang)[2:]
    ):
        cell = (
            nbformat.v4.new_markdown_cell(source)
            if kind == "md"
            else nbformat.v4.new_code_cell(source)
        )
        cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    return nb


def write_kit(outdir, *, lang: str = "en") -> dict[str, Path]:
    """Write the handout and guide (PDF) and the student notebook into ``outdir``.

    Returns
    -------
    dict
        ``handout``, ``guide``, ``notebook``: the paths written.
    """
    import nbformat

    from ._files import write_text
    from .report import html_to_pdf

    i18n.check_lang(lang)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "handout": out / f"student-handout-{lang}.pdf",
        "guide": out / f"teacher-guide-{lang}.pdf",
        "notebook": out / f"student-notebook-{lang}.ipynb",
    }
    html_to_pdf(handout_html(lang), paths["handout"])
    html_to_pdf(guide_html(lang), paths["guide"])
    write_text(paths["notebook"], nbformat.writes(build_notebook(lang)) + "\n")
    return paths
