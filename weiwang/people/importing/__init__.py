"""Importing a community's resident sheet (.xlsx, .xls, .csv in UTF-8 or GBK).

Reading finds the header row among the first rows (title rows and blank rows above it are
common), matches headers by their usual Chinese names, and normalises full-width characters.
Each row is checked and gets reasons a person understands; `write_sheet` then writes all rows
or only the valid ones in one transaction, so an interrupted import leaves nothing behind and
running it again finishes the job: a row already imported changes nothing, a changed row
updates the resident and records the change in their history.
"""

from __future__ import annotations

from weiwang.people.importing.addresses import Address, parse_address
from weiwang.people.importing.checking import ImportReport, Target
from weiwang.people.importing.sheets import (
    SYNONYMS,
    Sheet,
    SheetRow,
    UnreadableFile,
    match_columns,
    normalise,
    read_sheet,
)
from weiwang.people.importing.writing import (
    check_sheet,
    import_sheet,
    refused_lines,
    write_error_report,
    write_sheet,
)

__all__ = [
    "SYNONYMS",
    "Address",
    "ImportReport",
    "Sheet",
    "SheetRow",
    "Target",
    "UnreadableFile",
    "check_sheet",
    "import_sheet",
    "match_columns",
    "normalise",
    "parse_address",
    "read_sheet",
    "refused_lines",
    "write_error_report",
    "write_sheet",
]
