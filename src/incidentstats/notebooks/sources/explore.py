# ---
# jupyter:
#   incidentstats:
#     default: false
#     explorer: true
#     order: 90
#     sources: []
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: incidentstats,kernelspec,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore incidents
#
# Filter the incidents and read the counts, trend, category shares and sizes that match, each
# with its interval, its denominator and the data's as-of date. Export the selection or the
# chart, or turn the filters into a report.

# %% tags=["remove"]
# %matplotlib inline
from incidentstats import explorer_app

# %% tags=["parameters"]
source = "hhs"  # hhs, veris, prc or csv
input_paths = []  # files to read; none: the embedded HHS list as of 2015-02-26
mapping = ""  # mapping file (YAML or TOML) for source csv; empty: none
lang = "en"  # en or fr (the explorer has a switch too)

# %%
# `incidentstats explore` serves this notebook with Voilà; its inputs then replace these
explorer_app.open_explorer(source=source, input_paths=input_paths, mapping=mapping, lang=lang)
