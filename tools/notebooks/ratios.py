META = {"sources": ["hhs", "veris", "prc", "csv"], "order": 4, "default": True}
EN, FR = ["lang-en"], ["lang-fr"]
PARAMS = """
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
"""
CELLS = [
    ("md", """
# Ratios

Malicious against accidental incidents, the share of hacking that is ransomware, the part
played by business associates, and the size of incidents — each ratio with its numerator,
denominator and 95% interval.
""", EN),
    ("md", """
# Ratios

Incidents malveillants contre accidentels, part du rançongiciel dans le piratage, rôle des
sous-traitants, et taille des incidents — chaque ratio avec son numérateur, son
dénominateur et son intervalle à 95 %.
""", FR),
    ("code", """
%matplotlib inline
import incidentstats as ist
from incidentstats import notebook as nb, plots
""", ["remove"]),
    ("code", PARAMS, ["parameters"]),
    ("code", """
rep = nb.start(output_dir=output_dir, lang=lang, name="ratios", suppression=suppression)
df = rep.load(source, input_paths, start=start, end=end, organisation_types=organisation_types,
              regions=regions, categories=categories, mapping=mapping)
rep.data_note(df)
""", []),
    ("code", "rep.data_warnings(df)", []),
    ("md", "## Malicious share over time", EN),
    ("md", "## Part malveillante au fil du temps", FR),
    ("md", """
Denominator: incidents whose origin is known (malicious or accidental); incidents of unknown
origin, such as unauthorized access or disclosure alone, are left out.
""", EN),
    ("md", """
Dénominateur : les incidents d'origine connue (malveillante ou accidentelle) ; ceux
d'origine inconnue, comme un accès ou une divulgation non autorisés seuls, sont exclus.
""", FR),
    ("code", """
malicious = ist.ratio_over_time(df, {"origin": "malicious"}, {"origin": ["malicious", "accidental"]}, freq=freq)
rep.figure(plots.plot_ratio(malicious, lang=lang, title=rep.t("malicious_share")), "malicious-share")
""", []),
    ("code", 'rep.table(malicious, "malicious-share", columns=["period", "x", "n", "share", "lower", "upper"])', []),
    ("md", "## Ransomware among hacking incidents", EN),
    ("md", "## Le rançongiciel parmi les piratages", FR),
    ("code", """
ransom = ist.ratio_over_time(df, {"categories": "ransomware"}, {"categories": "hacking"}, freq=freq)
rep.figure(plots.plot_ratio(ransom, lang=lang, title=rep.t("ransomware_share")), "ransomware-share")
""", []),
    ("code", 'rep.table(ransom, "ransomware-share", columns=["period", "x", "n", "share", "lower", "upper"])', []),
    ("md", "## Business associates", EN),
    ("md", "## Sous-traitants", FR),
    ("code", """
ba = ist.ratio(df, {"business_associate": True}, {"business_associate": [True, False]})
rep.table(ba, "business-associate-share", columns=["x", "n", "share", "lower", "upper"])
""", []),
    ("md", "## Size of incidents", EN),
    ("md", "## Taille des incidents", FR),
    ("md", """
Sizes are very skewed: a few incidents hold most of the records, so the median and the
quantiles describe a typical incident, not the mean.
""", EN),
    ("md", """
Les tailles sont très asymétriques : quelques incidents concentrent la plupart des
enregistrements ; la médiane et les quantiles décrivent un incident typique, pas la moyenne.
""", FR),
    ("code", """
rep.figure(plots.plot_records(df, lang=lang), "records-distribution")
""", []),
    ("code", 'rep.table(ist.records_summary(df), "records-summary")', []),
    ("md", "## Incidents by state and year", EN),
    ("md", "## Incidents par État et par année", FR),
    ("code", """
by_region = ist.counts_by(df, rows="region", freq="Y")
rep.figure(plots.plot_heatmap(by_region, lang=lang), "region-year")
""", []),
]
