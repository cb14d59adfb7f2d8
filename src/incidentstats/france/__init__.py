"""The French observatory's published figures, analysed: the tables, cards and notes of its report.

``figures`` computes, ``labels`` holds the words; ``readers/france.py`` only parses the file.
"""

from ..readers.france import DATASET, read_figures
from .figures import (
    FIRST_YEAR,
    annotated_figures,
    chart_caption,
    cited_sources,
    compare_with_first_year,
    data_note,
    describe_comparison,
    figure_note,
    figure_status,
    figures_with_ci,
    headline_figures,
    malicious_shares,
    patient_endangerment,
    period_label,
    published_figures,
    record_provenance,
    report_provenance,
    source_date_text,
    table_labels,
    yearly_counts,
)
from .labels import DATASET_NAME, ENDANGERMENT_METRICS, METRIC_LABELS, TABLE_LABELS

__all__ = [
    "DATASET",
    "DATASET_NAME",
    "ENDANGERMENT_METRICS",
    "FIRST_YEAR",
    "METRIC_LABELS",
    "TABLE_LABELS",
    "annotated_figures",
    "chart_caption",
    "cited_sources",
    "compare_with_first_year",
    "data_note",
    "describe_comparison",
    "figure_note",
    "figure_status",
    "figures_with_ci",
    "headline_figures",
    "malicious_shares",
    "patient_endangerment",
    "period_label",
    "published_figures",
    "read_figures",
    "record_provenance",
    "report_provenance",
    "source_date_text",
    "table_labels",
    "yearly_counts",
]
