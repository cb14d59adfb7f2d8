"""The teaching kit: three files per language, and no answer in the student's material."""

from __future__ import annotations

import re

import nbformat
import pytest

from incidentstats import kit
from incidentstats.cli import main

NUMBER = re.compile(r"(?<![\w,.])\d+(?:[ \u202f\u00a0]\d{3})*(?:[,.]\d+)?(?![\w])")


def normal(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return normal(" ".join(page.extract_text() for page in PdfReader(str(path)).pages))


def statement_text(key: str, lang: str) -> str:
    """Everything a student is given for one exercise: context, questions, paper path, data."""
    ex = kit.exercise(key, lang=lang)
    table = kit.data_frame(key, lang=lang)
    parts = [ex["context"], *ex["questions"], ex["paper"], ex["title"]]
    if table is not None:
        parts.append(" | ".join(map(str, table.to_numpy().ravel())))
    return normal(" | ".join(parts))


def answer_numbers(key: str, lang: str) -> set[str]:
    """Numbers in the answer that the exercise's statement does not already give."""
    given = set(NUMBER.findall(statement_text(key, lang)))
    found = set()
    for value in kit.answer_values(key, lang=lang).values():
        found |= set(NUMBER.findall(normal(value)))
    return {n for n in found - given if len(n.replace(" ", "")) >= 3}


@pytest.fixture(scope="module", params=["fr", "en"])
def written(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"kit-{request.param}")
    assert main(["teaching", "--lang", request.param, "-o", str(out)]) == 0
    return request.param, out


@pytest.mark.slow
def test_kit_writes_handout_guide_and_notebook(written):
    lang, out = written
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"student-handout-{lang}.pdf", f"student-notebook-{lang}.ipynb",
                     f"teacher-guide-{lang}.pdf"]  # fmt: skip
    handout = pdf_text(out / f"student-handout-{lang}.pdf")
    for word in {"fr": ("Glossaire", "Sur papier", "Questions pour la discussion", "dénominateur"),
                 "en": ("Glossary", "On paper", "Questions for discussion", "denominator")}[lang]:  # fmt: skip
        assert word.lower() in handout.lower(), word
    guide = pdf_text(out / f"teacher-guide-{lang}.pdf")
    assert ("Déroulé de la séance" if lang == "fr" else "Session plan") in guide
    assert "2 h 40" in guide  # the timed plan adds up to a 2-3 hour session


@pytest.mark.slow
def test_neither_handout_nor_notebook_source_holds_an_answer(written):
    lang, out = written
    handout = pdf_text(out / f"student-handout-{lang}.pdf")
    guide = pdf_text(out / f"teacher-guide-{lang}.pdf")
    nb = nbformat.read(str(out / f"student-notebook-{lang}.ipynb"), as_version=4)
    source = normal("\n".join(cell.source for cell in nb.cells))
    checked = 0
    for key in kit.EXERCISES:
        for number in answer_numbers(key, lang):
            pattern = rf"(?<![\d,.]){re.escape(number)}(?![\d])"
            assert re.search(pattern, guide), (key, number)  # the guide does give it
            assert not re.search(pattern, handout), (key, number)
            assert not re.search(pattern, source), (key, number)
            checked += 1
        opening = normal(kit.answer(key, lang=lang)["text"])[:60]
        assert opening not in handout and opening not in source
    assert checked >= 15
    # The notebook reveals answers only through the package, never with a solving call.
    assert (
        "show_answer(" in source and "rate_table" not in source and "proportion_table" not in source
    )
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


def test_show_answer_hides_then_reveals():
    hidden = kit.show_answer("rate", lang="fr", show=False).markup
    shown = kit.show_answer("rate", lang="fr", show=True).markup
    assert "26,6" not in hidden and "show_answers = True" in hidden
    assert "26,6 par mois" in shown and "Idées fausses fréquentes" in shown
    with pytest.raises(Exception, match="show_answers"):
        kit.show_answer("rate", lang="fr", show="yes")


def test_answers_are_computed_from_the_data():
    fr = kit.answer_values("france", lang="fr")
    assert fr["ratio"].startswith("×2,35")  # 749 / 319
    assert fr["per_structure_2018"] == "1,32" and fr["per_structure_2024"] == "1,34"
    assert fr["without_cascade"] == "440"  # 733 x (1 - 40%)
    shift = kit.answer_values("shift", lang="en")
    assert shift["theft_2010"].startswith("67.8%") and "135 of 199" in shift["theft_2010"]
    assert "596 of 741" in shift["hacking_2023"]


@pytest.mark.slow
def test_student_notebook_runs_and_reveals_answers_for_the_teacher(written, tmp_path):
    import papermill as pm

    lang, out = written
    done = tmp_path / "done.ipynb"
    pm.execute_notebook(str(out / f"student-notebook-{lang}.ipynb"), str(done),
                        parameters={"show_answers": True}, progress_bar=False)  # fmt: skip
    shown = [o.get("data", {}).get("text/html", "")
             for c in nbformat.read(str(done), 4).cells for o in c.get("outputs", [])]  # fmt: skip
    assert sum('class="answer"' in h for h in shown) == len(kit.EXERCISES)
