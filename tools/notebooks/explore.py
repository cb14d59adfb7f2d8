META = {"sources": [], "order": 90, "default": False, "explorer": True}
PARAMS = """
source = "hhs"  # hhs, veris, prc or csv
input_paths = []  # files to read; none: the embedded HHS list as of 2015-02-26
mapping = ""  # mapping file (YAML or TOML) for source csv; empty: none
lang = "en"  # en or fr (the explorer has a switch too)
"""
CELLS = [
    (
        "md",
        """
# Explore incidents

Filter the incidents and read the counts, trend, category shares and sizes that match, each
with its interval, its denominator and the data's as-of date. Export the selection or the
chart, or turn the filters into a report.
""",
        [],
    ),
    (
        "code",
        """
%matplotlib inline
from incidentstats import explorer_app
""",
        ["remove"],
    ),
    ("code", PARAMS, ["parameters"]),
    (
        "code",
        """
# `incidentstats explore` serves this notebook with Voilà; its inputs then replace these
explorer_app.open_explorer(source=source, input_paths=input_paths, mapping=mapping, lang=lang)
""",
        [],
    ),
]
