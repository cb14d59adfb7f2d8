"""The HHS breach portal's export header, for the tests that write small HHS files."""

#: The nine columns of the portal's CSV export (the archive and the open list alike).
HEADER = [
    "Name of Covered Entity", "State", "Covered Entity Type", "Individuals Affected",
    "Breach Submission Date", "Type of Breach", "Location of Breached Information",
    "Business Associate Present", "Web Description",
]  # fmt: skip

#: The same header as the portal writes it: every name quoted, one line.
HEADER_LINE = '"' + '","'.join(HEADER) + '"\n'
