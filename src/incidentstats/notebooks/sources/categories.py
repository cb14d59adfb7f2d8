# ---
# jupyter:
#   incidentstats:
#     default: true
#     order: 2
#     sources:
#     - hhs
#     - veris
#     - prc
#     - csv
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

# %% [markdown] tags=["lang-en"]
# # Incident categories
#
# What kinds of incidents are reported, with 95% intervals, overall and by type of
# organisation — and how an incident that falls in several categories is counted.

# %% [markdown] tags=["lang-fr"]
# # Catégories d'incidents
#
# Quels types d'incidents sont signalés, avec des intervalles à 95 %, au total et par type
# de structure — et comment on compte un incident qui relève de plusieurs catégories.

# %% tags=["remove"]
# %matplotlib inline
import incidentstats as ist
from incidentstats import notebook as nb
from incidentstats import plots

# %% tags=["parameters"]
source = "hhs"  # hhs, veris, prc or csv
input_paths = []  # files to read; none: the embedded HHS list as of 2015-02-26
mapping = ""  # mapping file (YAML or TOML) for source csv; empty: none
start = ""  # first date or year included (e.g. 2010); empty: from the beginning
end = ""  # last date or year included; empty: to the end
organisation_types = []  # e.g. provider, health_plan; empty: all
regions = []  # e.g. CA, TX; empty: all
categories = []  # keep incidents with one of these categories; empty: all
lang = "en"  # en or fr
suppression = ""  # empty, fr (mask counts under 11) or us-cms (mask 1 to 10)
output_dir = ""  # where tables and figures are saved; empty: not saved

# %%
rep = nb.start(output_dir=output_dir, lang=lang, name="categories", suppression=suppression)
df = rep.load(
    source,
    input_paths,
    start=start,
    end=end,
    organisation_types=organisation_types,
    regions=regions,
    categories=categories,
    mapping=mapping,
)
rep.data_note(df)

# %%
rep.data_warnings(df)

# %% [markdown] tags=["lang-en"]
# ## How multi-category incidents are counted
#
# An incident reported as *Theft, Loss* is **one** incident in **two** categories. Each
# category's share is the number of incidents in it divided by the number of incidents with a
# known category, so an incident is never counted twice in a denominator and the shares may
# add up to more than 100%. The table below shows how many incidents carry one, two or more
# categories.

# %% [markdown] tags=["lang-fr"]
# ## Comment on compte les incidents à plusieurs catégories
#
# Un incident signalé *Vol, Perte* est **un** incident dans **deux** catégories. La part de
# chaque catégorie est le nombre d'incidents qui en relèvent divisé par le nombre d'incidents
# de catégorie connue : un incident n'est jamais compté deux fois dans un dénominateur, et la
# somme des parts peut dépasser 100 %. Le tableau ci-dessous donne le nombre d'incidents à
# une, deux catégories ou plus.

# %%
rep.table(nb.categories_per_incident(df), "categories-per-incident")

# %% [markdown] tags=["lang-en"]
# ## Share of incidents by category

# %% [markdown] tags=["lang-fr"]
# ## Part des incidents par catégorie

# %%
shares = ist.shares(df, by="categories")
rep.figure(plots.plot_shares(shares, lang=lang), "shares")

# %%
rep.table(shares, "shares", columns=["value", "x", "n", "share", "lower", "upper"])

# %% [markdown] tags=["lang-en"]
# ## Primary category and origin

# %% [markdown] tags=["lang-fr"]
# ## Catégorie principale et origine

# %%
origin = ist.shares(df, by="origin")
rep.table(origin, "origin", columns=["value", "x", "n", "n_unknown", "share", "lower", "upper"])

# %%
primary = ist.shares(df, by="category")
rep.table(primary, "primary-category", columns=["value", "x", "n", "share", "lower", "upper"])

# %% [markdown] tags=["lang-en"]
# ## By type of organisation

# %% [markdown] tags=["lang-fr"]
# ## Par type de structure

# %%
cross = ist.crosstab(df, rows="organisation_type", cols="categories")
rep.figure(plots.plot_crosstab(cross, lang=lang), "by-organisation-type")

# %%
by_type = ist.shares(df, by="categories", within="organisation_type")
rep.table(
    by_type,
    "shares-by-organisation-type",
    columns=["group", "value", "x", "n", "share", "lower", "upper"],
)
