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
CELLS = [
    ("md", """
# Health cyber-risk in numbers: a guided session

Three questions that press releases about hospital cyber incidents raise, worked through
with real data that come with the package and need no network: the US HHS breach list
(embedded, October 2009 to February 2015), the figures published by the French incident
observatory, and the number of HHS breaches per year and type of breach from 2010 to 2023.

Each question has an exercise. In JupyterLab, fill in the cells marked `# TODO` (they run as
they are, and print a hint until you do). The worked answers, computed by the package with
their intervals, appear when the notebook runs with `show_answers = True`.
""", EN),
    ("md", """
# Le cyber-risque en santé en chiffres : séance guidée

Trois questions que soulèvent les communiqués sur les incidents de cybersécurité à
l'hôpital, traitées avec des données réelles fournies avec le paquet, sans accès au réseau :
la liste américaine des violations HHS (intégrée, d'octobre 2009 à février 2015), les
chiffres publiés par l'observatoire français des incidents, et le nombre de violations HHS
par année et par type de 2010 à 2023.

Chaque question s'accompagne d'un exercice. Dans JupyterLab, complétez les cellules marquées
`# TODO` (elles s'exécutent telles quelles et affichent un indice tant qu'elles ne sont pas
complétées). Les corrigés, calculés par le paquet avec leurs intervalles, s'affichent quand
le notebook est exécuté avec `show_answers = True`.
""", FR),
    ("code", """
%matplotlib inline
import incidentstats as ist
from incidentstats import notebook as nb, plots, teaching
from incidentstats.readers import france
""", ["remove"]),
    ("code", PARAMS, ["parameters"]),
    ("md", "## The data", EN),
    ("md", "## Les données", FR),
    ("code", SETUP, []),
    # --- question 1 -----------------------------------------------------------------------
    ("md", """
## 1. Is 27 a month consistent with 319 in a year?

In its first year, October 2017 to September 2018, the French reporting portal received 319
incidents. Press articles also wrote "27 incidents a month". Are these the same figure? And
if incidents arrive at random, how far could a year's monthly average move by chance alone?
""", EN),
    ("md", """
## 1. 27 par mois, est-ce cohérent avec 319 en un an ?

Lors de sa première année, d'octobre 2017 à septembre 2018, le portail de déclaration
français a reçu 319 incidents. La presse a aussi écrit « 27 incidents par mois ». Est-ce le
même chiffre ? Et si les incidents surviennent au hasard, de combien la moyenne mensuelle
d'une année peut-elle varier par le seul effet du hasard ?
""", FR),
    ("code", """
rep.table(france.published_figures(figures, fact_ids=["FR001", "FR002"], lang=lang), "first-year",
          columns=["period_label", "measure", "published", "source"], labels=france.table_labels(lang))
""", []),
    ("code", """
teaching.exercise(
    "Compute the number of incidents a month in the first year with its 95% interval. "
    "Is 27 inside the interval? Would 28 a month in a later year show a rise?",
    "Calculez le nombre d'incidents par mois la première année, avec son intervalle à 95 %. "
    "27 est-il dans l'intervalle ? 28 par mois une année suivante montrerait-il une hausse ?",
    lang=lang,
)
""", []),
    ("code", """
# TODO: replace None by the rate of 319 incidents in 12 months, with its interval.
# Hint: ist.rate_table(count, exposure, unit="month")
first_year_rate = None
teaching.your_result(first_year_rate, lang=lang)
""", []),
    ("code", """
teaching.answer(
    \"\"\"**{rate}.** 319 / 12 = 26.6, which rounds to 27: the two published figures are the same
    figure. The interval is the range of underlying rates compatible with 319 incidents in a
    year if incidents arrive independently of each other: a later year at 28 a month is
    well inside it, so it would not show a rise by itself.

    Much larger changes are another matter. {later}

    The interval only covers the chance variation of counting. A wave of attacks hitting many
    hospitals at once, or a change in what gets reported, makes the real uncertainty larger.\"\"\",
    \"\"\"**{rate}.** 319 / 12 = 26,6, arrondi à 27 : les deux chiffres publiés n'en font qu'un.
    L'intervalle est l'ensemble des taux sous-jacents compatibles avec 319 incidents en un an si
    les incidents surviennent indépendamment les uns des autres : une année suivante à 28 par
    mois y est largement comprise et ne montrerait donc pas, à elle seule, une hausse.

    Des écarts bien plus grands sont une autre affaire. {later}

    L'intervalle ne couvre que l'aléa du comptage. Une vague d'attaques touchant d'un coup de
    nombreux hôpitaux, ou un changement dans ce qui est déclaré, rend l'incertitude réelle plus
    grande.\"\"\",
    lang=lang, show=show_answers,
    rate=ist.describe_rate(ist.rate_table(319, 12, unit="month"), lang=lang),
    later=france.describe_comparison(france.compare_with_first_year(figures, 2024), lang=lang),
)
""", []),
    # --- question 2 -----------------------------------------------------------------------
    ("md", """
## 2. How sure can we be that about half are malicious?

The first-year report said that 47% of the incidents were of malicious origin; later
publications gave 43%, then 60%, then 50%. With a few hundred incidents a year, how
precisely is such a share known? Does "about half" hold?
""", EN),
    ("md", """
## 2. Peut-on être sûr qu'environ la moitié sont malveillants ?

Le rapport de la première année indiquait que 47 % des incidents étaient d'origine
malveillante ; des publications ultérieures ont donné 43 %, puis 60 %, puis 50 %. Avec
quelques centaines d'incidents par an, avec quelle précision une telle part est-elle
connue ? « Environ la moitié » tient-il ?
""", FR),
    ("code", """
rep.table(france.published_figures(figures, metrics="share_malicious", lang=lang), "malicious-published",
          columns=["period_label", "measure", "published", "source"], labels=france.table_labels(lang))
""", []),
    ("code", """
teaching.exercise(
    "47% of 319 incidents: how many incidents is that? Give the share with its 95% interval. "
    "Is 50% inside it? Is 43% for October 2017 to 2019 evidence of a fall?",
    "47 % de 319 incidents : combien d'incidents cela fait-il ? Donnez la part avec son "
    "intervalle à 95 %. 50 % y est-il ? Les 43 % d'octobre 2017 à 2019 montrent-ils une baisse ?",
    lang=lang,
)
""", []),
    ("code", """
# TODO: replace None by the share of malicious incidents in the first year, with its interval.
# Hint: x = round(0.47 * 319), then ist.proportion_table(x, n)
malicious_first_year = None
teaching.your_result(malicious_first_year, lang=lang)
""", []),
    ("code", """
teaching.answer(
    \"\"\"47% of 319 is 149.9, so the published figure stands for **150 incidents**: {share}.
    With only 319 incidents the share is known to within about five points either way. 50% is
    inside the interval, so "about half" is fair — but so is 42%.

    The 43% for October 2017 to 2019 covers 693 incidents *including* the first year's 319, so
    it cannot be set against 47% as if the two were independent; its interval overlaps the
    first year's anyway. The jump to 60% in 2020 is another matter: the 2019 and 2020 intervals
    do not overlap. Where a year's incident count was not published (2022), no interval can be
    given. Every share counts all reported incidents in its denominator.

    The denominator matters as much as the interval. In the US list, {hhs_known} of breaches
    whose origin is known are malicious, but {hhs_all} of all breaches: breaches of unknown
    origin (unauthorised access or disclosure alone) leave the first denominator. And no
    interval corrects for incidents that are never reported: the first French report itself
    estimated that only about one in five was.\"\"\",
    \"\"\"47 % de 319 font 149,9 : le chiffre publié correspond donc à **150 incidents** : {share}.
    Avec seulement 319 incidents, la part est connue à environ cinq points près. 50 % est dans
    l'intervalle, « environ la moitié » est donc défendable — mais 42 % aussi.

    Les 43 % d'octobre 2017 à 2019 portent sur 693 incidents, *dont* les 319 de la première
    année : on ne peut pas les opposer aux 47 % comme s'ils étaient indépendants ; leurs
    intervalles se recouvrent d'ailleurs. Le saut à 60 % en 2020 est une autre affaire : les
    intervalles de 2019 et de 2020 ne se recouvrent pas. Faute de total publié pour une année
    (2022), aucun intervalle ne peut être donné. Chaque part compte au dénominateur tous les
    incidents déclarés.

    Le dénominateur compte autant que l'intervalle. Dans la liste américaine, {hhs_known} des
    violations d'origine connue sont malveillantes, mais {hhs_all} de l'ensemble des
    violations : celles d'origine inconnue (accès ou divulgation non autorisés seuls) sortent
    du premier dénominateur. Et aucun intervalle ne corrige les incidents jamais déclarés : le
    premier rapport français estimait lui-même qu'un sur cinq seulement l'était.\"\"\",
    lang=lang, show=show_answers,
    share=ist.describe_share(ist.proportion_table(150, 319), lang=lang),
    hhs_known=ist.describe_share(ist.ratio(df, {"origin": "malicious"}), lang=lang),
    hhs_all=ist.describe_share(ist.ratio(df, {"origin": "malicious"}, unknown="include"), lang=lang),
    table=france.malicious_shares(figures, lang=lang),
    columns=["period_label", "x", "n", "share", "lower", "upper", "source"],
    labels=france.table_labels(lang),
)
""", []),
    # --- question 3 -----------------------------------------------------------------------
    ("md", """
## 3. Why did theft dominate 2010–2014 and hacking later?

In the US list, most breaches submitted in the early 2010s were thefts, mostly of laptops and
other portable devices; ten years later most are hacking or IT incidents. The chart shows
the mix of types of breach per year, 2010–2023, from the full HHS register as of 2024-06-28.
""", EN),
    ("md", """
## 3. Pourquoi le vol dominait-il en 2010–2014, et le piratage ensuite ?

Dans la liste américaine, la plupart des violations déclarées au début des années 2010
étaient des vols, surtout d'ordinateurs portables et d'appareils mobiles ; dix ans plus
tard, ce sont surtout des piratages ou incidents informatiques. Le graphique montre la
répartition des types de violation par année, de 2010 à 2023, d'après le registre HHS
complet au 28 juin 2024.
""", FR),
    ("code", """
mix = teaching.type_shares_by_year(by_type)
rep.figure(plots.plot_mix(mix, lang=lang), "types-by-year")
""", []),
    ("code", """
teaching.exercise(
    "With the embedded list (`df`), compute the share of breaches involving theft and "
    "involving hacking in each year, with intervals. Then give two reasons that could explain "
    "the change: one about the threat, one about what has to be reported.",
    "Avec la liste intégrée (`df`), calculez pour chaque année la part des violations "
    "impliquant un vol et un piratage, avec leurs intervalles. Donnez ensuite deux raisons "
    "qui pourraient expliquer le changement : l'une tenant à la menace, l'autre à ce qui doit "
    "être déclaré.",
    lang=lang,
)
""", []),
    ("code", """
# TODO: replace None by the yearly shares of theft and hacking in df, with their intervals.
# Hint: ist.shares_over_time(df, by=..., freq="Y", values=[...])
theft_and_hacking = None
teaching.your_result(theft_and_hacking, lang=lang)
""", []),
    ("code", """
teaching.answer(
    \"\"\"Pooled over 2010–2014, {theft_early} of breaches involved a theft and {hacking_early} a
    hacking incident; over 2019–2023, {theft_late} and {hacking_late}. Thefts fell in number,
    not only in share: {theft_2010} in 2010, {theft_2023} in 2023.

    **What has to be reported changed.** Under the HIPAA breach notification rule (2009), a
    lost or stolen device whose data are encrypted as HHS guidance describes does not hold
    "unsecured" health information, and its loss need not be reported. As encryption of
    laptops and portable devices spread, thefts dropped out of the list.

    **The threat changed.** Records moved to networked electronic systems and e-mail, and
    attackers followed: phishing, intrusions into servers, ransomware. Since 2016 HHS guidance
    presumes that a ransomware attack on health data is a reportable breach.

    The counts show *when* and *how much* the mix changed, not *why*: both explanations fit
    them, and these data cannot separate a change in the threat from a change in reporting.

    The exercise, done on the embedded list (2009 and 2015 are only partly covered):\"\"\",
    \"\"\"Sur 2010–2014 cumulés, {theft_early} des violations impliquaient un vol et
    {hacking_early} un piratage ; sur 2019–2023, {theft_late} et {hacking_late}. Les vols ont
    baissé en nombre, pas seulement en part : {theft_2010} en 2010, {theft_2023} en 2023.

    **Ce qui doit être déclaré a changé.** Selon la règle HIPAA de notification des violations
    (2009), un appareil perdu ou volé dont les données sont chiffrées selon les
    recommandations du HHS ne contient pas d'informations de santé « non sécurisées », et sa
    perte n'a pas à être déclarée. À mesure que le chiffrement des portables et des appareils
    mobiles s'est répandu, les vols sont sortis de la liste.

    **La menace a changé.** Les dossiers sont passés dans des systèmes informatiques en
    réseau et la messagerie, et les attaquants ont suivi : hameçonnage, intrusions dans les
    serveurs, rançongiciels. Depuis 2016, les recommandations du HHS présument qu'une attaque
    par rançongiciel sur des données de santé est une violation à déclarer.

    Les effectifs montrent *quand* et *de combien* la répartition a changé, pas *pourquoi* :
    les deux explications leur correspondent, et ces données ne permettent pas de distinguer
    un changement de la menace d'un changement de la déclaration.

    L'exercice, fait sur la liste intégrée (2009 et 2015 ne sont que partiellement couvertes) :\"\"\",
    lang=lang, show=show_answers,
    theft_early=ist.describe_share(teaching.pooled_shares(by_type, [(2010, 2014)]), "theft", lang=lang),
    hacking_early=ist.describe_share(teaching.pooled_shares(by_type, [(2010, 2014)]), "hacking", lang=lang),
    theft_late=ist.describe_share(teaching.pooled_shares(by_type, [(2019, 2023)]), "theft", lang=lang),
    hacking_late=ist.describe_share(teaching.pooled_shares(by_type, [(2019, 2023)]), "hacking", lang=lang),
    theft_2010=teaching.breaches(by_type, 2010, "theft"),
    theft_2023=teaching.breaches(by_type, 2023, "theft"),
    table=ist.shares_over_time(df, by="categories", freq="Y", values=["theft", "hacking"]),
    columns=["period", "value", "x", "n", "share", "lower", "upper", "complete"],
)
""", []),
    ("md", """
## What to remember

- A published figure has a denominator and a period: 319 incidents in twelve months, 47% of
  319. Recover them before comparing.
- A count or a share from a few hundred incidents is known only within an interval; a
  difference smaller than the intervals is not evidence of a change.
- Reported incidents are not all incidents: changes in what must be reported, and in who
  reports, move the numbers as much as changes in the threat.
""", EN),
    ("md", """
## À retenir

- Un chiffre publié a un dénominateur et une période : 319 incidents en douze mois, 47 % de
  319. Retrouvez-les avant de comparer.
- Un effectif ou une part tirés de quelques centaines d'incidents ne sont connus qu'à un
  intervalle près ; un écart plus petit que les intervalles ne prouve pas un changement.
- Les incidents déclarés ne sont pas tous les incidents : ce qui doit être déclaré, et qui
  déclare, font bouger les chiffres autant que la menace.
""", FR),
]
