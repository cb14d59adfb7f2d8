# ---
# jupyter:
#   incidentstats:
#     default: false
#     order: 9
#     sources:
#     - hhs
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
# # Health cyber-risk in numbers
#
# A guided session of two and a half hours, on paper with a calculator.
#
# This notebook holds the exercises of the student handout. Fill in the cells marked "To do"; they run as they are. The answers are not in this notebook: the teacher shows them by running the notebook with `show_answers = True`.

# %% [markdown] tags=["lang-fr"]
# # Le cyber-risque en santé en chiffres
#
# Séance guidée de deux heures et demie, sur papier et à la calculatrice.
#
# Ce notebook reprend les exercices de la fiche étudiant. Complétez les cellules marquées « À compléter » ; elles s’exécutent telles quelles. Les corrigés ne sont pas dans ce notebook : l’animateur les affiche en exécutant le notebook avec `show_answers = True`.

# %% tags=["remove"]
# %matplotlib inline
import incidentstats as ist
from incidentstats import kit, plots, teaching
from incidentstats import notebook as nb

# %% tags=["parameters"]
lang = "en"  # en or fr
show_answers = False  # True shows the worked answer after each exercise (teacher's copy)
suppression = ""  # empty, fr (mask counts under 11) or us-cms (mask 1 to 10)
output_dir = ""  # where tables and figures are saved; empty: not saved

# %% [markdown] tags=["lang-en"]
# ## The data
#
# All data are published figures or aggregates shipped with the incidentstats package; no individual incident record is used. Sources are given under each table.

# %% [markdown] tags=["lang-fr"]
# ## Les données
#
# Toutes les données sont des chiffres publiés ou des agrégats fournis avec le paquet incidentstats ; aucune fiche d’incident individuelle n’est utilisée. Les sources sont citées sous chaque tableau.

# %%
rep = nb.start(output_dir=output_dir, lang=lang, name="teaching", suppression=suppression)
df = rep.load("hhs")
figures = ist.load("france")
by_type = teaching.hhs_yearly_by_type()
teaching.record_provenance(rep, df, figures, by_type)
rep.table(
    teaching.data_sources(df, figures, by_type, lang=lang),
    "data",
    labels=teaching.table_labels(lang),
)

# %% [markdown] tags=["lang-en"]
# ## 1. Is 27 a month consistent with 319 in a year?
#
# In its first year (October 2017 to September 2018) the French reporting portal received 319 incidents. The press also wrote "27 incidents a month".
#
# 1. Are the two published figures the same figure?
# 2. If incidents arrive at random, how much could a year’s total move? Give a 95% interval for the number of incidents a month.
# 3. Would a later year at 28 incidents a month show a rise?
#
# **On paper.** Rate = number of incidents ÷ number of months. For a count N, the 95% interval is about N − 2 × √N to N + 2 × √N; then divide both bounds by the number of months.

# %% [markdown] tags=["lang-fr"]
# ## 1. 27 par mois, est-ce cohérent avec 319 en un an ?
#
# Pendant sa première année (octobre 2017 à septembre 2018), le portail de signalement français a reçu 319 incidents. La presse a aussi écrit « 27 incidents par mois ».
#
# 1. Les deux chiffres publiés sont-ils le même chiffre ?
# 2. Si les incidents arrivent au hasard, de combien le total d’une année peut-il varier ? Donnez un intervalle à 95 % du nombre d’incidents par mois.
# 3. Une année suivante à 28 incidents par mois montrerait-elle une hausse ?
#
# **Sur papier.** Taux = nombre d’incidents ÷ nombre de mois. Pour un comptage N, l’intervalle à 95 % vaut à peu près N − 2 × √N à N + 2 × √N ; divisez ensuite les deux bornes par le nombre de mois.

# %%
kit.data_table("rate", lang=lang)

# %%
answer_1 = None  # your calculation / votre calcul

# %%
kit.show_answer("rate", lang=lang, show=show_answers)

# %% [markdown] tags=["lang-en"]
# ## 2. Are about half of the incidents malicious?
#
# The first-year report said that 47% of the 319 incidents reported were of malicious origin. In 2020, 60% of the 369 incidents reported were.
#
# 1. How many incidents are 47% of 319?
# 2. Give a 95% interval for this share. Is 50% inside it?
# 3. Do the same for 2020. Do the two intervals overlap? What can you conclude, and what can you not?
#
# **On paper.** Number = share × total, rounded to a whole number. For a share p of n incidents, the 95% interval is about p ± 2 × √(p × (1 − p) ÷ n).

# %% [markdown] tags=["lang-fr"]
# ## 2. Environ la moitié des incidents sont-ils malveillants ?
#
# Le rapport de la première année indiquait que 47 % des 319 incidents signalés étaient d’origine malveillante. En 2020, 60 % des 369 incidents signalés l’étaient.
#
# 1. À combien d’incidents correspondent 47 % de 319 ?
# 2. Donnez un intervalle à 95 % de cette part. 50 % y est-il ?
# 3. Faites de même pour 2020. Les deux intervalles se recouvrent-ils ? Que peut-on en conclure, et que ne peut-on pas en conclure ?
#
# **Sur papier.** Nombre = part × total, arrondi à l’unité. Pour une part p sur n incidents, l’intervalle à 95 % vaut à peu près p ± 2 × √(p × (1 − p) ÷ n).

# %%
kit.data_table("share", lang=lang)

# %%
answer_2 = None  # your calculation / votre calcul

# %%
kit.show_answer("share", lang=lang, show=show_answers)

# %% [markdown] tags=["lang-en"]
# ## 3. Case study: reports more than doubled; did attacks?
#
# Figures published by the French observatory (table below). Between the first year and 2024, reports went from 319 to 749 a year.
#
# 1. Compute the ratio 749 ÷ 319 and its 95% interval.
# 2. Compute the number of incidents per reporting organisation in 2018 and in 2024. What do you conclude?
# 3. In 2021, 40% of incidents came from major incidents at service providers. How many incidents are left outside these cascades? Compare with 2020.
# 4. Write two sentences a press release could honestly say about the change.
#
# **On paper.** Ratio R = N₂ ÷ N₁ (same lengths of time). 95% interval: R ÷ F to R × F, with F = e^(2 × √(1 ÷ N₁ + 1 ÷ N₂)) (the eˣ key). Incidents per organisation = incidents ÷ reporting organisations.

# %% [markdown] tags=["lang-fr"]
# ## 3. Étude de cas : les signalements ont plus que doublé, les attaques aussi ?
#
# Chiffres publiés par l’observatoire (tableau ci-dessous). Entre la première année et 2024, les signalements passent de 319 à 749 par an.
#
# 1. Calculez le rapport 749 ÷ 319 et son intervalle à 95 %.
# 2. Calculez le nombre d’incidents par structure signalante en 2018 et en 2024. Qu’en concluez-vous ?
# 3. En 2021, 40 % des incidents venaient d’incidents majeurs chez des prestataires. Combien d’incidents reste-t-il hors de ces cascades ? Comparez à 2020.
# 4. Rédigez en deux phrases ce qu’un communiqué pourrait honnêtement dire de l’évolution.
#
# **Sur papier.** Rapport R = N₂ ÷ N₁ (mêmes durées). Intervalle à 95 % : R ÷ F à R × F, avec F = e^(2 × √(1 ÷ N₁ + 1 ÷ N₂)) (touche eˣ de la calculatrice). Incidents par structure = incidents ÷ structures signalantes.

# %%
kit.data_table("france", lang=lang)

# %%
answer_3 = None  # your calculation / votre calcul

# %%
kit.show_answer("france", lang=lang, show=show_answers)

# %% [markdown] tags=["lang-en"]
# ## 4. From theft to hacking, in the US
#
# Health-data breaches reported to HHS (500 people or more), by year of submission: the total, and the number involving a theft or a hacking incident (a breach may have several types). 2024 stops on 28 June; for 2025, only the cases still under investigation on 1 July 2026 are known.
#
# 1. Compute, for 2010 and for 2023, the share of breaches involving a theft and the share involving hacking.
# 2. Give a 95% interval for the share of thefts in 2010.
# 3. Give two explanations of the change: one about the threat, one about what has to be reported.
# 4. Why be careful with the 2025 row?
#
# **On paper.** Share = breaches of the type ÷ breaches of the year. Interval: p ± 2 × √(p × (1 − p) ÷ n).

# %% [markdown] tags=["lang-fr"]
# ## 4. Du vol au piratage, aux États-Unis
#
# Violations de données de santé déclarées au HHS (500 personnes ou plus), par année de déclaration : nombre total, et nombre impliquant un vol ou un piratage (une violation peut avoir plusieurs types). 2024 s’arrête au 28 juin ; pour 2025, seuls les dossiers encore en cours d’instruction le 1er juillet 2026 sont connus.
#
# 1. Calculez, pour 2010 et pour 2023, la part des violations impliquant un vol et la part impliquant un piratage.
# 2. Donnez un intervalle à 95 % de la part de vols en 2010.
# 3. Proposez deux explications du changement : l’une tenant à la menace, l’autre à ce qui doit être déclaré.
# 4. Pourquoi faut-il être prudent avec la ligne 2025 ?
#
# **Sur papier.** Part = violations du type ÷ violations de l’année. Intervalle : p ± 2 × √(p × (1 − p) ÷ n).

# %%
kit.data_table("shift", lang=lang)

# %%
mix = teaching.type_shares_by_year(by_type, values=["theft", "hacking", "unauthorized_access"])
rep.figure(plots.plot_mix(mix, lang=lang), "types-by-year")

# %%
answer_4 = None  # your calculation / votre calcul

# %%
kit.show_answer("shift", lang=lang, show=show_answers)

# %% [markdown] tags=["lang-en"]
# ## 5. Comparing France and the US?
#
# In France, 47% of the incidents reported in the first year were malicious. In the US list as of 26 February 2015, 723 breaches out of 859 of known origin were malicious, out of 1,151 breaches in all.
#
# 1. Compute the US malicious share among breaches of known origin, then among all breaches.
# 2. Can you say that US hospitals suffer more attacks than French ones? Give two differences of scope.
#
# **On paper.** Share = malicious ÷ denominator; do it with both denominators.

# %% [markdown] tags=["lang-fr"]
# ## 5. Comparer la France et les États-Unis ?
#
# En France, 47 % des incidents signalés la première année étaient malveillants. Dans la liste américaine au 26 février 2015, 723 violations sur 859 d’origine connue étaient malveillantes, sur 1 151 violations en tout.
#
# 1. Calculez la part malveillante américaine parmi les violations d’origine connue, puis parmi toutes les violations.
# 2. Peut-on dire que les hôpitaux américains subissent plus d’attaques que les français ? Citez deux différences de périmètre.
#
# **Sur papier.** Part = malveillantes ÷ dénominateur ; faites le calcul avec les deux dénominateurs.

# %%
kit.data_table("scope", lang=lang)

# %%
answer_5 = None  # your calculation / votre calcul

# %%
kit.show_answer("scope", lang=lang, show=show_answers)

# %% [markdown] tags=["lang-en"]
# ## Questions for discussion
#
# 1. Reports more than doubled between the first year and 2024. What would you need to know to say whether attacks increased?
# 2. A press release says '50% of incidents are malicious'. What would you ask before quoting it?
# 3. In the US, laptop thefts have almost vanished from the breach list. Is that good news for data security?
# 4. Why can an incident at a single provider make a year’s figures jump? How would you spot it in the publications?

# %% [markdown] tags=["lang-fr"]
# ## Questions pour la discussion
#
# 1. Le nombre de signalements a plus que doublé entre la première année et 2024. Quelles informations vous faudrait-il pour dire si les attaques ont augmenté ?
# 2. Un communiqué annonce « 50 % des incidents sont malveillants ». Quelles questions poseriez-vous avant de le reprendre ?
# 3. Aux États-Unis, les vols d’ordinateurs ont presque disparu des déclarations. Est-ce une bonne nouvelle pour la sécurité des données ?
# 4. Pourquoi un incident chez un seul prestataire peut-il faire bondir les chiffres d’une année ? Comment le repérer dans les publications ?
