"""The exchange format of a mängdförteckning, declared once for export and import.

One list of columns serves both ways: the eight a reader sees (Kod · Benämning · Enhet ·
Mängd · À-pris · Belopp · Kostnadsbärare · Anm), then CASAI's own (hidden in xlsx),
which carry what a returned file needs to be matched row by row (stable key, row id)
and to come back whole (kind, entry rule, level, description, regulation). Each column
has a type, and the type alone decides how a cell is written and read: text is escaped
against formula injection, numbers stay numbers, so no cell is judged by its content.

MER writes entry rules as dashes in the value columns (Enhet, Mängd, À-pris, Belopp):
a fyrstreckad row (included elsewhere) has dashes in all four, a lump sum in the first
three (its amount in Belopp), a rate-only row `0` as quantity and a dash as amount.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from quantities.file_types import POLICY, FileType


class ExchangeFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


MEDIA_TYPES = {
    ExchangeFormat.XLSX: POLICY[FileType.XLSX].content_type,
    ExchangeFormat.CSV: POLICY[FileType.CSV].content_type,
}


class CellType(StrEnum):
    TEXT = "text"  # escaped against formula injection
    QUANTITY = "quantity"  # a number, 3 decimals, or a MER dash
    MONEY = "money"  # a number, 2 decimals, or a MER dash
    LEVEL = "level"  # a whole number: depth in the tree


@dataclass(frozen=True)
class Column:
    field: str  # what it holds, named as a row field (or `level`, `server_amount`)
    header: str  # as CASAI writes it
    type: CellType
    hidden: bool = False  # in xlsx: CASAI's, for a returned file
    width: float = 12
    # Header names other files use, compared after `header_key` (accents, case, spacing).
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "Kod",
        CellType.TEXT,
        width=14,
        aliases=("ama-kod", "amakod", "ama kod", "kodnr", "artikelnummer", "artikelnr", "code"),
    ),
    Column(
        "title",
        "Benämning",
        CellType.TEXT,
        width=60,
        # Benämning first: a file with both calls the longer text Beskrivning.
        aliases=("title", "beskrivning", "description", "text"),
    ),
    Column("unit", "Enhet", CellType.TEXT, width=8, aliases=("enh", "unit")),
    Column(
        "quantity",
        "Mängd",
        CellType.QUANTITY,
        aliases=("antal", "kvantitet", "quantity", "qty"),
    ),
    Column(
        "unit_price",
        "À-pris",
        CellType.MONEY,
        aliases=("a-pris", "a pris", "apris", "pris", "unit price", "rate", "price"),
    ),
    Column("amount", "Belopp", CellType.MONEY, width=14, aliases=("summa", "amount", "total")),
    Column("cost_bearer", "Kostnadsbärare", CellType.TEXT, width=14, aliases=("cost bearer",)),
    Column("note", "Anm", CellType.TEXT, width=24, aliases=("anm.", "anmarkning", "note")),
    Column("server_amount", "CASAI belopp", CellType.MONEY, hidden=True),
    Column("description", "CASAI beskrivning", CellType.TEXT, hidden=True),
    Column("regulation", "CASAI reglering", CellType.TEXT, hidden=True),
    Column("level", "Nivå", CellType.LEVEL, hidden=True, aliases=("niva", "level")),
    Column("kind", "CASAI typ", CellType.TEXT, hidden=True),
    Column("entry_rule", "CASAI regel", CellType.TEXT, hidden=True),
    Column("id", "CASAI rad-id", CellType.TEXT, hidden=True),
    Column("stable_key", "CASAI nyckel", CellType.TEXT, hidden=True),
)
# A file without CASAI's description column may still have one under its own name.
DESCRIPTION_ALIASES = ("beskrivning", "description")
# The MER value columns, whose dashes say the entry rule.
VALUE_COLUMNS = ("unit", "quantity", "unit_price", "amount")

MER_DASH = "-"
# What a file may write as a MER dash: hyphens, dashes and minus signs, alone or a few.
_DASHES = re.compile(r"^[-\u2010-\u2015\u2212]{1,4}$")

QUANTITY_FORMAT = "#,##0.000"  # US form: Excel shows each user's own separators
MONEY_FORMAT = "#,##0.00"

# A text cell starting with one of these is a formula, or becomes one in some
# spreadsheet (OWASP CSV injection); it is written with a leading apostrophe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
ESCAPE = "'"
# The apostrophes CASAI added: before a trigger, after any the text itself began with,
# so text that began with apostrophes comes back as it was.
_ESCAPED = re.compile(r"^'+[=+\-@\t\r\0]")


def escape_text(text: str) -> str:
    """The text as a cell holds it: inert in any spreadsheet."""
    return ESCAPE + text if _ESCAPED.match(text) or text.startswith(FORMULA_TRIGGERS) else text


def unescape_text(text: str) -> str:
    """The text as it was before `escape_text`: only the apostrophe it added is removed."""
    return text[1:] if _ESCAPED.match(text) else text


def is_dash(text: str) -> bool:
    return bool(_DASHES.match(text.strip()))


def header_key(text: str) -> str:
    """A header name compared without accents, case, spacing or a trailing colon."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.lower().replace("\u00a0", " ").split()).rstrip(":")


def header_names(column: Column) -> tuple[str, ...]:
    """The names a column is recognised by, most specific first."""
    return (header_key(column.header), *(header_key(alias) for alias in column.aliases))
