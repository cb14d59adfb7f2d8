"""The words of the France report: metric names, table headers and sentences, in each language.

Kept apart from the analyses in ``figures.py`` so the numbers and the words can be read separately.
"""

from __future__ import annotations

from ..i18n import typography

#: Reader-facing names of the metrics the report tables show.
METRIC_LABELS: dict[str, dict[str, str]] = {
    "incidents_reported": {"en": "incidents reported", "fr": "incidents signalés"},
    "share_malicious": {"en": "share of malicious origin", "fr": "part d'origine malveillante"},
    "share_potential_patient_endangerment": {
        "en": "share with a potential patient endangerment",
        "fr": "part avec mise en danger potentielle de patients",
    },
    "share_incidents_with_patient_endangerment": {
        "en": "share with a patient endangerment",
        "fr": "part avec mise en danger de patients",
    },
    "patient_endangerments": {
        "en": "patient endangerments recorded",
        "fr": "mises en danger de patients recensées",
    },
    "actual_patient_endangerments": {
        "en": "actual patient endangerments",
        "fr": "mises en danger avérées de patients",
    },
    "share_impact_patient_care": {
        "en": "share with an impact on patient care",
        "fr": "part avec impact sur la prise en charge",
    },
    "anssi_fssi_interventions": {
        "en": "organisations where ANSSI/FSSI intervened",
        "fr": "structures où l'ANSSI ou le FSSI est intervenu",
    },
    "cert_sante_alerts": {
        "en": "alerts sent by CERT Santé",
        "fr": "alertes envoyées par le CERT Santé",
    },
    "cert_sante_technical_support": {
        "en": "organisations given technical support by CERT Santé",
        "fr": "structures accompagnées techniquement par le CERT Santé",
    },
    "change_incidents_pct": {
        "en": "change in incidents reported, against the year before",
        "fr": "évolution des incidents signalés, par rapport à l'année précédente",
    },
    "change_structures_reporting_pct": {
        "en": "change in organisations reporting, against the year before",
        "fr": "évolution des structures signalantes, par rapport à l'année précédente",
    },
    "cyberattacks": {
        "en": "incidents that were cyberattacks",
        "fr": "incidents qui étaient des cyberattaques",
    },
    "data_disclosure_cases": {
        "en": "cases with data disclosure",
        "fr": "cas de divulgation de données",
    },
    "health_establishments_count": {
        "en": "health establishments in France",
        "fr": "établissements de santé en France",
    },
    "medico_social_structures_count": {
        "en": "social-care organisations in France",
        "fr": "établissements et services médico-sociaux en France",
    },
    "ose_reporting": {
        "en": "operators of essential services reporting",
        "fr": "opérateurs de services essentiels signalants",
    },
    "public_establishments_major_attacks": {
        "en": "public health establishments hit by major attacks",
        "fr": "établissements publics de santé touchés par des attaques majeures",
    },
    "ransomware_incidents": {"en": "ransomware incidents", "fr": "incidents par rançongiciel"},
    "ransomware_major_compromises": {
        "en": "ransomware incidents that were major compromises",
        "fr": "rançongiciels ayant entraîné une compromission majeure",
    },
    "share_declarations_by_structure_type": {
        "en": "share of reports by type of organisation",
        "fr": "part des signalements par type de structure",
    },
    "share_degraded_mode": {"en": "share in degraded mode", "fr": "part en mode dégradé"},
    "share_impact_data": {
        "en": "share with an impact on data",
        "fr": "part avec impact sur les données",
    },
    "share_impact_patient_personal_data": {
        "en": "share affecting patients' personal data",
        "fr": "part touchant des données personnelles de patients",
    },
    "share_no_impact": {
        "en": "share reporting no impact on operations",
        "fr": "part sans impact sur le fonctionnement",
    },
    "share_ransomware": {"en": "share of ransomware", "fr": "part de rançongiciels"},
    "share_support_requested": {
        "en": "share with a request for support",
        "fr": "part avec demande d'accompagnement",
    },
    "share_victims_private_clinics": {
        "en": "share of victims that are private clinics",
        "fr": "part des victimes qui sont des cliniques privées",
    },
    "share_victims_public_hospitals": {
        "en": "share of victims that are public hospitals",
        "fr": "part des victimes qui sont des hôpitaux publics",
    },
    "structures_data_loss_or_no_access": {
        "en": "organisations that lost data or access to it",
        "fr": "structures ayant perdu des données ou leur accès",
    },
    "structures_disclosure": {
        "en": "organisations with data disclosure or unauthorised access",
        "fr": "structures avec divulgation de données ou accès non autorisé",
    },
    "structures_integrity_breach": {
        "en": "organisations with a data-integrity breach",
        "fr": "structures avec atteinte à l'intégrité des données",
    },
    "support_requests": {
        "en": "organisations that requested support",
        "fr": "structures ayant demandé un accompagnement",
    },
    "incidents_per_month": {"en": "incidents a month", "fr": "incidents par mois"},
    "structures_reporting": {
        "en": "organisations reporting at least one incident",
        "fr": "structures ayant signalé au moins un incident",
    },
    "share_incidents_from_provider_incidents": {
        "en": "share of incidents due to major incidents at service providers",
        "fr": "part des incidents due à des incidents majeurs chez des prestataires",
    },
    "incidents_reported_cumulative": {
        "en": "incidents reported since October 2017",
        "fr": "incidents signalés depuis octobre 2017",
    },
    "share_incidents_declared_estimate": {
        "en": "estimated share of incidents that get declared",
        "fr": "part estimée des incidents qui sont signalés",
    },
}
#: Metrics of the patient-endangerment table, in the order shown.
ENDANGERMENT_METRICS = (
    "share_potential_patient_endangerment",
    "share_incidents_with_patient_endangerment",
    "patient_endangerments",
    "actual_patient_endangerments",
    "share_impact_patient_care",
)
#: Column headers of the report tables (``Report.table(..., labels=table_labels(lang))``).
TABLE_LABELS = {
    "en": {"period": "period", "measure": "figure", "number": "number", "x": "incidents",
           "n": "of n", "source_publisher": "published by", "source_date": "publication date",
           "published": "published", "count_a": "first year", "count_b": "incidents",
           "period_b": "year", "period_label": "period", "source": "source", "rate_a": "a month, first year", "rate_b": "a month",
           "rate_ratio": "rate ratio", "p_value": "p-value", "title": "title", "url": "address",
           "facts": "figures", "status": "status", "note": "note"},
    "fr": {"period": "période", "measure": "chiffre", "number": "nombre", "x": "incidents",
           "n": "sur n", "source_publisher": "publié par", "source_date": "date de publication",
           "published": "publié", "count_a": "première année", "count_b": "incidents",
           "period_b": "année", "period_label": "période", "source": "source", "rate_a": "par mois, première année", "rate_b": "par mois",
           "rate_ratio": "rapport de taux", "p_value": "p", "title": "titre", "url": "adresse",
           "facts": "chiffres", "status": "statut", "note": "remarque"},
}  # fmt: skip
TEXT = {
    "en": {
        "no_count": "{years}: no incident count published in the sources.",
        "first_year": "The first reporting year, Oct 2017–Sep 2018 ({n} incidents), "
        "overlaps 2018 and is not shown as a year.",
        "inferred": "inferred",
        "published_as": ": published figures as reported by the cited pages",
        "note": "Data: {dataset} — {rows} published figures from {sources} sources; periods "
        "{start} to {end}; as of {as_of} (the latest publication date among the sources). "
        "Each figure is a number as published, not a count of incident records.",
        "source": "Source: {source} · figures published up to {as_of}",
    },
    "fr": {
        "no_count": "{years} : aucun nombre d'incidents publié dans les sources.",
        "first_year": "La première année de signalement, d'oct. 2017 à sept. 2018 ({n} "
        "incidents), chevauche 2018 et n'est pas montrée comme une année.",
        "inferred": "déduite",
        "published_as": " : chiffres publiés, tels que repris par les pages citées",
        "note": "Données : {dataset} — {rows} chiffres publiés, tirés de {sources} sources ; "
        "périodes {start} – {end} ; à jour en {as_of} (date de publication la plus récente "
        "parmi les sources). Chaque chiffre est un nombre tel que publié, pas un décompte de "
        "fiches d'incident.",
        "source": "Source : {source} · chiffres publiés jusqu'en {as_of}",
    },
}
# One typographic rule set for every sentence shown (no-break spaces, apostrophes).
TEXT = {lang: {k: typography(v, lang) for k, v in texts.items()} for lang, texts in TEXT.items()}
DATASET_NAME = {
    "en": "French health-sector incident observatory (ASIP Santé / ANS, CERT Santé)",
    "fr": "Observatoire des incidents de sécurité des systèmes d'information en santé "
    "(ASIP Santé / ANS, CERT Santé)",
}
