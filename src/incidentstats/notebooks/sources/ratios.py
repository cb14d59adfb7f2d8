# ---
# jupyter:
#   incidentstats:
#     default: true
#     order: 4
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
# # Ratios
#
# Malicious against accidental incidents, the share of hacking that is ransomware, the part
# played by business associates, and the size of incidents — each ratio with its numerator,
# denominator and 95% interval.

# %% [markdown] tags=["lang-fr"]
# # Ratios
#
# Incidents malveillants contre accidentels, part du rançongiciel dans le piratage, rôle des
# sous-traitants, et taille des incidents — chaque ratio avec son numérateur, son
# dénominateur et son intervalle à 95 %.

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
freq = "Y"  # Y (year) or Q (quarter) for the ratios over time
organisation_types = []  # e.g. provider, health_plan; empty: all
regions = []  # e.g. CA, TX; empty: all
categories = []  # keep incidents with one of these categories; empty: all
lang = "en"  # en or fr
suppression = ""  # empty, fr (mask counts under 11) or us-cms (mask 1 to 10)
output_dir = ""  # where tables and figures are saved; empty: not saved

# %%
rep = nb.start(output_dir=output_dir, lang=lang, name="ratios", suppression=suppression)
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
# ## Malicious share over time

# %% [markdown] tags=["lang-fr"]
# ## Part malveillante au fil du temps

# %% [markdown] tags=["lang-en"]
# Denominator: incidents whose origin is known (malicious or accidental); incidents of unknown
# origin, such as unauthorized access or disclosure alone, are left out.

# %% [markdown] tags=["lang-fr"]
# Dénominateur : les incidents d'origine connue (malveillante ou accidentelle) ; ceux
# d'origine inconnue, comme un accès ou une divulgation non autorisés seuls, sont exclus.

# %%
malicious = ist.ratio_over_time(
    df, {"origin": "malicious"}, {"origin": ["malicious", "accidental"]}, freq=freq
)
rep.figure(
    plots.plot_ratio(malicious, lang=lang, title=rep.t("malicious_share")), "malicious-share"
)

# %%
rep.table(malicious, "malicious-share", columns=["period", "x", "n", "share", "lower", "upper"])

# %% [markdown] tags=["lang-en"]
# ## Ransomware among hacking incidents

# %% [markdown] tags=["lang-fr"]
# ## Le rançongiciel parmi les piratages

# %%
ransom = ist.ratio_over_time(df, {"categories": "ransomware"}, {"categories": "hacking"}, freq=freq)
rep.figure(plots.plot_ratio(ransom, lang=lang, title=rep.t("ransomware_share")), "ransomware-share")

# %%
rep.table(ransom, "ransomware-share", columns=["period", "x", "n", "share", "lower", "upper"])

# %% [markdown] tags=["lang-en"]
# ## Business associates

# %% [markdown] tags=["lang-fr"]
# ## Sous-traitants

# %%
ba = ist.ratio(df, {"business_associate": True}, {"business_associate": [True, False]})
rep.table(ba, "business-associate-share", columns=["x", "n", "share", "lower", "upper"])

# %% [markdown] tags=["lang-en"]
# ## Size of incidents

# %% [markdown] tags=["lang-fr"]
# ## Taille des incidents

# %% [markdown] tags=["lang-en"]
# Sizes are very skewed: a few incidents hold most of the records, so the median and the
# quantiles describe a typical incident, not the mean.

# %% [markdown] tags=["lang-fr"]
# Les tailles sont très asymétriques : quelques incidents concentrent la plupart des
# enregistrements ; la médiane et les quantiles décrivent un incident typique, pas la moyenne.

# %%
rep.figure(plots.plot_records(df, lang=lang), "records-distribution")

# %%
rep.table(ist.records_summary(df), "records-summary")

# %% [markdown] tags=["lang-en"]
# ## Incidents by state and year

# %% [markdown] tags=["lang-fr"]
# ## Incidents par État et par année

# %%
by_region = ist.counts_by(df, rows="region", freq="Y")
rep.figure(plots.plot_heatmap(by_region, lang=lang), "region-year")
