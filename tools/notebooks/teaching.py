"""The teaching session as a report notebook: the kit's exercises, in English and French.

Exercise texts come from the kit (incidentstats/locale/kit.<lang>.yaml), so the report, the
handout and the student notebook say the same thing; answers appear only with show_answers.
"""

from incidentstats import kit

META = {"sources": ["hhs", "france"], "order": 9, "default": False}
EN, FR = ["lang-en"], ["lang-fr"]
PARAMS = """
lang = "en"  # en or fr
show_answers = False  # True shows the worked answer after each exercise (teacher's copy)
suppression = ""  # empty, fr (mask counts under 11) or us-cms (mask 1 to 10)
output_dir = ""  # where tables and figures are saved; empty: not saved
"""
SETUP = """
rep = nb.start(output_dir=output_dir, lang=lang, name="teaching", suppression=suppression)
df = rep.load("hhs")
figures = ist.load("france")
by_type = teaching.hhs_yearly_by_type()
teaching.record_provenance(rep, df, figures, by_type)
rep.table(teaching.data_sources(df, figures, by_type, lang=lang), "data", labels=teaching.table_labels(lang))
"""


def _text(lang):
    words = kit.texts(lang)
    return f"# {words['title']}\n\n{words['subtitle']}.\n\n{words['notebook_intro']}"


CELLS = [
    ("md", _text("en"), EN),
    ("md", _text("fr"), FR),
    ("code", """
%matplotlib inline
import incidentstats as ist
from incidentstats import kit, plots, teaching
from incidentstats import notebook as nb
""", ["remove"]),
    ("code", PARAMS, ["parameters"]),
    ("md", f"## {kit.texts('en')['data_heading']}\n\n{kit.texts('en')['data_intro']}", EN),
    ("md", f"## {kit.texts('fr')['data_heading']}\n\n{kit.texts('fr')['data_intro']}", FR),
    ("code", SETUP, []),
]
for _key in kit.EXERCISES:
    CELLS.append(("md", kit.exercise_markdown(_key, "en"), EN))
    CELLS.append(("md", kit.exercise_markdown(_key, "fr"), FR))
    _code = kit.exercise_code(_key, "en")
    CELLS.append(("code", _code[0], []))
    if _key == "shift":
        CELLS.append(("code", """
mix = teaching.type_shares_by_year(by_type, values=["theft", "hacking", "unauthorized_access"])
rep.figure(plots.plot_mix(mix, lang=lang), "types-by-year")
""", []))
    _number = kit.EXERCISES.index(_key) + 1
    CELLS.append(("code", f"answer_{_number} = None  # your calculation / votre calcul", []))
    CELLS.append(("code", _code[2], []))
for _lang, _tag in (("en", EN), ("fr", FR)):
    _words = kit.texts(_lang)
    CELLS.append(("md", f"## {_words['discussion_heading']}\n\n"
                  + "\n".join(f"{i}. {q}" for i, q in enumerate(_words["discussion"], 1)), _tag))
