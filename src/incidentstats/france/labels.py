"""The words of the France report: metric names, table headers and sentences, in each language.

The texts live in the catalogues (``locale/<lang>.yaml``, keys ``france.*``); this module names them.
"""

from __future__ import annotations

from .. import i18n

#: Reader-facing names of the metrics the report tables show: ``METRIC_LABELS[metric][lang]``.
METRIC_LABELS: dict[str, dict[str, str]] = i18n.named("france.metric.")
#: Metrics of the patient-endangerment table, in the order shown.
ENDANGERMENT_METRICS = (
    "share_potential_patient_endangerment",
    "share_incidents_with_patient_endangerment",
    "patient_endangerments",
    "actual_patient_endangerments",
    "share_impact_patient_care",
)
#: Column headers of the report tables (``Report.table(..., labels=table_labels(lang))``).
TABLE_LABELS: dict[str, dict[str, str]] = i18n.section("france.table.")
#: The report's sentences, ``TEXT[lang][key]``, typography applied by the catalogue.
TEXT: dict[str, dict[str, str]] = i18n.section("france.text.")
#: The data set's name, ``DATASET_NAME[lang]``.
DATASET_NAME: dict[str, str] = i18n.by_lang("france.text.dataset_name")
