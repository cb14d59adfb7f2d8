# ---
# jupyter:
#   incidentstats:
#     default: true
#     order: 1
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
# # Overview: health-sector cyber incidents
#
# The headline numbers a press summary would quote — how many incidents, how many a month,
# how many malicious, how large — each with its denominator, a 95% interval and the date
# the data were extracted. Counts are **incidents**, not rows or category mentions.

# %% [markdown] tags=["lang-fr"]
# # Vue d'ensemble : incidents de cybersécurité dans la santé
#
# Les chiffres clés qu'un communiqué citerait — combien d'incidents, combien par mois,
# quelle part malveillante, quelle taille — chacun avec son dénominateur, un intervalle à
# 95 % et la date d'extraction des données. On compte des **incidents**, pas des lignes.

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
top_n = 10  # how many of the largest incidents to list
list_incidents = False  # True shows organisation names in the largest-incidents table
output_dir = ""  # where tables and figures are saved; empty: not saved

# %%
rep = nb.start(output_dir=output_dir, lang=lang, name="overview", suppression=suppression)
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
# ## Headline figures

# %% [markdown] tags=["lang-fr"]
# ## Chiffres clés

# %%
rep.headline(nb.overview_figures(df, lang=lang))

# %% [markdown] tags=["lang-en"]
# ## Incidents by category
#
# One incident can fall in several categories (for example *Theft* and *Loss*): it then counts
# once in each, and the denominator stays the number of incidents, so the shares can add up to
# more than 100%. Incidents whose category is unknown are left out of the denominator and
# counted separately.

# %% [markdown] tags=["lang-fr"]
# ## Incidents par catégorie
#
# Un incident peut relever de plusieurs catégories (par exemple *Vol* et *Perte*) : il compte
# alors une fois dans chacune, et le dénominateur reste le nombre d'incidents ; la somme des
# parts peut donc dépasser 100 %. Les incidents de catégorie inconnue sont exclus du
# dénominateur et comptés à part.

# %%
shares = ist.shares(df, by="categories")
rep.figure(plots.plot_shares(shares, lang=lang), "categories")

# %%
rep.table(shares, "category-shares", columns=["value", "x", "n", "share", "lower", "upper"])

# %% [markdown] tags=["lang-en"]
# ## Incidents per year

# %% [markdown] tags=["lang-fr"]
# ## Incidents par année

# %%
counts = rep.counts(df, freq="Y")
rep.figure(plots.plot_counts(counts, lang=lang), "per-year")

# %%
rep.trend_sentence(rep.trend(df, freq="Y"))

# %% [markdown] tags=["lang-en"]
# ## Largest incidents

# %% [markdown] tags=["lang-fr"]
# ## Incidents les plus importants

# %%
rep.table(
    nb.largest_incidents(df, n=top_n, names=list_incidents), "largest", private=list_incidents
)
