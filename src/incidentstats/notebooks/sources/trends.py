# ---
# jupyter:
#   incidentstats:
#     default: true
#     order: 3
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
# # Trends
#
# How the number of incidents changes over time, the trend stated in words with its interval,
# and how the mix of categories shifts. Periods only partly covered by the data (the first
# and last) are shown but left out of the trend fits.

# %% [markdown] tags=["lang-fr"]
# # Tendances
#
# L'évolution du nombre d'incidents dans le temps, la tendance énoncée avec son intervalle,
# et l'évolution de la répartition par catégorie. Les périodes partiellement couvertes par
# les données (la première et la dernière) sont montrées mais exclues des ajustements.

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
freq = "Y"  # Y (year), Q (quarter) or M (month) for the trend model
organisation_types = []  # e.g. provider, health_plan; empty: all
regions = []  # e.g. CA, TX; empty: all
categories = []  # keep incidents with one of these categories; empty: all
lang = "en"  # en or fr
suppression = ""  # empty, fr (mask counts under 11) or us-cms (mask 1 to 10)
output_dir = ""  # where tables and figures are saved; empty: not saved

# %%
rep = nb.start(output_dir=output_dir, lang=lang, name="trends", suppression=suppression)
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
# ## Incidents per month

# %% [markdown] tags=["lang-fr"]
# ## Incidents par mois

# %%
monthly = rep.counts(df, freq="M")
rep.figure(plots.plot_counts(monthly, lang=lang), "per-month")

# %% [markdown] tags=["lang-en"]
# ## Incidents per year and the fitted trend

# %% [markdown] tags=["lang-fr"]
# ## Incidents par année et tendance ajustée

# %%
yearly = rep.counts(df, freq="Y")
rep.figure(plots.plot_counts(yearly, lang=lang), "per-year")

# %%
trend = rep.trend(df, freq=freq)
rep.trend_sentence(trend)

# %%
rep.table(
    trend,
    "trend-models",
    columns=[
        "model",
        "rate_ratio",
        "lower",
        "upper",
        "p_value",
        "dispersion",
        "sen_slope",
        "periods_used",
        "selected",
    ],
)

# %% [markdown] tags=["lang-en"]
# The Poisson model assumes the yearly counts vary no more than chance would; when they vary
# more (overdispersion) the negative binomial model is used instead, or, when it cannot be
# fitted, the Poisson estimate with an interval widened for the extra variation
# (quasi-Poisson). The sentence above names the model used. The Mann–Kendall test and Sen's
# slope make no assumption about the distribution and serve as a check.

# %% [markdown] tags=["lang-fr"]
# Le modèle de Poisson suppose que les effectifs annuels ne varient pas plus que le hasard ne
# le voudrait ; s'ils varient davantage (surdispersion), on utilise un modèle binomial
# négatif ou, s'il ne peut être ajusté, l'estimation de Poisson avec un intervalle élargi à
# la mesure de cette variation (quasi-Poisson). La phrase ci-dessus nomme le modèle utilisé.
# Le test de Mann–Kendall et la pente de Sen ne font aucune hypothèse de loi et servent de
# contrôle.

# %% [markdown] tags=["lang-en"]
# ## Category mix over time

# %% [markdown] tags=["lang-fr"]
# ## Répartition par catégorie au fil du temps

# %%
mix = ist.shares_over_time(df, by="category", freq="Y")
rep.figure(plots.plot_mix(mix, lang=lang), "category-mix")

# %%
rep.table(mix, "category-mix", columns=["period", "value", "x", "n", "share", "lower", "upper"])
