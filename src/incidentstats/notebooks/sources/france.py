# ---
# jupyter:
#   incidentstats:
#     default: true
#     order: 5
#     sources:
#     - france
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
# # France: the health-sector incident observatory
#
# Since October 2017 French health and social-care organisations must report serious information-system
# incidents; the national observatory (ASIP Santé, then ANS and its CERT Santé) publishes
# yearly figures. This report gathers the figures as published — incidents per year, the
# share of malicious origin, patients put in danger — adds the intervals the publications
# leave out, and compares recent years with the first one. Every figure comes with its source
# (publisher and date). The data are **published aggregates**, not incident records.

# %% [markdown] tags=["lang-fr"]
# # France : l'observatoire des incidents dans la santé
#
# Depuis octobre 2017, les structures de santé et médico-sociales françaises doivent signaler
# les incidents graves de sécurité de leurs systèmes d'information ; l'observatoire national (ASIP Santé,
# puis l'ANS et son CERT Santé) en publie chaque année les chiffres. Ce rapport rassemble les
# chiffres tels que publiés — incidents par an, part d'origine malveillante, patients mis en
# danger —, y ajoute les intervalles que les publications omettent et compare les années
# récentes à la première. Chaque chiffre est donné avec sa source (éditeur et date). Les
# données sont des **agrégats publiés**, pas des fiches d'incident.

# %% tags=["remove"]
# %matplotlib inline
import incidentstats as ist
from incidentstats import france, plots
from incidentstats import notebook as nb

# %% tags=["parameters"]
input_paths = []  # a figures CSV laid out like data/raw/fr_observatoire.csv; none: the committed file
compare_year = 2024  # calendar year compared with the first reporting year (2019 or later)
lang = "en"  # en or fr
suppression = ""  # empty, fr (mask counts under 11) or us-cms (mask 1 to 10)
output_dir = ""  # where tables and figures are saved; empty: not saved

# %%
rep = nb.start(output_dir=output_dir, lang=lang, name="france", suppression=suppression)
figures = ist.load("france", input_paths)
france.record_provenance(rep, figures)
france.data_note(figures, lang=lang)

# %% [markdown] tags=["lang-en"]
# ## Headline figures

# %% [markdown] tags=["lang-fr"]
# ## Chiffres clés

# %%
rep.headline(france.headline_figures(figures, year=compare_year, lang=lang))

# %%
nb.context_boxes(figures, lang=lang, styled=rep.interactive)

# %% [markdown] tags=["lang-en"]
# ## Incidents reported per year
#
# The first reporting year ran from October 2017 to September 2018. It overlaps calendar 2018
# by nine months, so its 319 incidents are kept apart from the 327 of calendar 2018 rather
# than added to or mixed with them. A year for which no source gives a count is left empty,
# not drawn as zero.

# %% [markdown] tags=["lang-fr"]
# ## Incidents signalés par an
#
# La première année de signalement va d'octobre 2017 à septembre 2018. Elle chevauche
# l'année civile 2018 sur neuf mois : ses 319 incidents restent donc distincts des 327 de
# l'année 2018, sans être ajoutés ni confondus. Une année pour laquelle aucune source ne
# donne de total reste vide, elle n'est pas dessinée comme un zéro.

# %%
yearly = france.yearly_counts(figures, lang=lang)
rep.figure(
    plots.plot_counts(
        yearly, lang=lang, rolling=None, caption=france.chart_caption(yearly, lang=lang)
    ),
    "per-year",
)

# %%
rep.table(
    yearly, "per-year", columns=["period", "count", "source"], labels=france.table_labels(lang)
)

# %% [markdown] tags=["lang-en"]
# ## Share of incidents of malicious origin
#
# The publications give rounded percentages. The number of incidents behind each one is
# rebuilt as *x* = share × *n*, where *n* is the incident count the sources give for the same
# period; the 95% interval (Wilson) then says how precisely a share is known from that many
# incidents. Where no incident count is published for the period (2022), no interval can be
# given. The first year, the two years to 2019 (which include the first year) and the calendar
# years are different periods: compare them with care.

# %% [markdown] tags=["lang-fr"]
# ## Part des incidents d'origine malveillante
#
# Les publications donnent des pourcentages arrondis. Le nombre d'incidents correspondant
# est reconstitué par *x* = part × *n*, où *n* est le nombre d'incidents que les sources
# donnent pour la même période ; l'intervalle à 95 % (Wilson) indique alors avec quelle
# précision une part est connue à partir de ce nombre d'incidents. Faute de total publié pour
# la période (2022), aucun intervalle ne peut être donné. La première année, les deux années
# jusqu'en 2019 (qui incluent la première) et les années civiles sont des périodes
# différentes : à comparer avec prudence.

# %%
malicious = france.malicious_shares(figures, lang=lang)
rep.table(
    malicious,
    "malicious-share",
    columns=["period_label", "x", "n", "share", "lower", "upper", "source"],
    labels=france.table_labels(lang),
)

# %% [markdown] tags=["lang-en"]
# ## Patients put in danger
#
# The reports distinguish incidents that *could* have put patients in danger from the
# endangerments the report confirmed as *actual*, and later an impact on patient care. These
# are different measures and should not be lined up as one series. They are national totals
# already published, so the small-count suppression rule (parameter `suppression`), meant for
# counts of incident records, is not applied to them.

# %% [markdown] tags=["lang-fr"]
# ## Patients mis en danger
#
# Les rapports distinguent les incidents qui *auraient pu* mettre des patients en danger des
# mises en danger *avérées* qu'ils confirment, puis, plus tard, un impact sur la prise en
# charge. Ce sont des mesures différentes, à ne pas aligner en une seule série. Ce sont des
# totaux nationaux déjà publiés : la règle de masquage des petits effectifs (paramètre
# `suppression`), prévue pour des décomptes de fiches d'incident, ne leur est pas appliquée.

# %%
endangerment = france.patient_endangerment(figures, lang=lang)
rep.table(
    endangerment,
    "patient-endangerment",
    columns=["period_label", "measure", "number", "share", "lower", "upper", "n", "source"],
    labels=france.table_labels(lang),
    suppress=False,
)

# %% [markdown] tags=["lang-en"]
# ## Compared with the first year
#
# Each year's incidents a month against the first reporting year's 319 in twelve months. The
# rate ratio's 95% interval and the p-value are exact (conditional on the two years' total).
# Calendar 2018 shares nine months with the first year and is not compared.

# %% [markdown] tags=["lang-fr"]
# ## Comparaison avec la première année
#
# Les incidents par mois de chaque année, rapportés aux 319 incidents en douze mois de la
# première année de signalement. L'intervalle à 95 % du rapport de taux et la p-valeur sont
# exacts (conditionnellement au total des deux années). L'année 2018, qui partage neuf mois
# avec la première année, n'est pas comparée.

# %%
compared = france.compare_with_first_year(figures)
rep.table(
    compared,
    "compared-with-first-year",
    columns=["period_b", "count_b", "rate_b", "rate_ratio", "lower", "upper"],
    labels=france.table_labels(lang),
)

# %%
rep.text(
    "<strong>{sentence}</strong>",
    sentence=france.describe_comparison(
        france.compare_with_first_year(figures, compare_year), lang=lang
    ),
)

# %% [markdown] tags=["lang-en"]
# More reports do not necessarily mean more incidents. The first annual report itself
# estimated that only a minority of incidents were declared; reporting became better known
# over the years; and one attack on a service provider can produce many reports at once. The
# intervals measure the chance variation of counting, not these changes in reporting.

# %% [markdown] tags=["lang-fr"]
# Plus de signalements ne veut pas forcément dire plus d'incidents. Le premier rapport annuel
# estimait lui-même que seule une minorité des incidents était signalée ; l'obligation de
# signaler s'est fait connaître au fil des ans ; et une seule attaque contre un prestataire
# peut produire d'un coup de nombreux signalements. Les intervalles mesurent l'aléa du
# comptage, pas ces changements dans le signalement.

# %%
context = france.published_figures(figures, fact_ids=["FR007", "FR042"], lang=lang)
rep.table(
    context,
    "reporting-context",
    columns=["period_label", "measure", "published", "source"],
    labels=france.table_labels(lang),
    suppress=False,
)

# %% [markdown] tags=["lang-en"]
# ## Notes on the figures
#
# Each figure is published, derived from published figures (the calculation is given) or
# estimated. The figures below need a note: a figure quoted twice, a period whose end the
# source does not state, sources that disagree, a count derived from a published change.

# %% [markdown] tags=["lang-fr"]
# ## Remarques sur les chiffres
#
# Chaque chiffre est publié, dérivé de chiffres publiés (le calcul est donné) ou estimé. Les
# chiffres ci-dessous appellent une remarque : un chiffre cité deux fois, une période dont la
# source ne précise pas la fin, des sources qui se contredisent, un total dérivé d'une
# évolution publiée.

# %%
notes = france.annotated_figures(figures, lang=lang)
rep.table(
    notes,
    "figure-notes",
    columns=["period_label", "measure", "published", "status", "note"],
    labels=france.table_labels(lang),
    suppress=False,
)

# %% [markdown] tags=["lang-en"]
# ## Sources

# %% [markdown] tags=["lang-fr"]
# ## Sources

# %%
sources = france.cited_sources(
    figures, yearly, malicious, endangerment, compared, context, notes, lang=lang
)
rep.table(
    sources,
    "sources",
    columns=["source_publisher", "source_date", "title", "url"],
    labels=france.table_labels(lang),
    suppress=False,
)
