"""Money as people read it: the team's one currency (CURRENCY), formatted for the active language.

Amounts are stored and exchanged (API, CSV) as plain decimals; pages, e-mails and digests show
them with the currency through ``format_money`` (the ``money`` template filter), and a CSV names
the currency in its header (``money_header``). Digits, grouping and the decimal mark come from
Django's formats for the active language (en: 1,234.50; de: 1.234,50); the symbol goes before
the number in English, Japanese and Chinese and after it (with a no-break space) elsewhere.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, translation

DASH = "—"
NBSP = "\u00a0"
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩", "BRL": "R$"}
# ISO 4217 minor units where they are not two.
DECIMALS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}
SYMBOL_FIRST_LANGUAGES = ("en", "ja", "zh", "ko", "he")
_CODE = re.compile(r"^[A-Z]{3}$")


def currency_code(value):
    """Return an ISO 4217 code, upper-cased, or raise ImproperlyConfigured naming CURRENCY."""
    code = (value or "").strip().upper()
    if not _CODE.match(code):
        raise ImproperlyConfigured(f"CURRENCY must be a three-letter ISO 4217 code such as EUR or USD, not {value!r}.")
    return code


def format_money(amount, currency=None, *, language=None):
    """Return the amount with the currency for the active (or given) language; a dash for none."""
    if amount is None or amount == "":
        return DASH
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return DASH
    code = currency or settings.CURRENCY
    places = DECIMALS.get(code, 2)
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        digits = formats.number_format(abs(value), places, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(code)
    sign = "-" if value < 0 else ""
    if symbol and language.split("-")[0].lower() in SYMBOL_FIRST_LANGUAGES:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits}{NBSP}{symbol or code}"


def money_header(column):
    """Return a CSV column name for money, naming the currency: ``budget (EUR)``."""
    return f"{column} ({settings.CURRENCY})"


def with_currency(header, money_columns):
    """Return a CSV header with each money column named with the currency (values stay plain decimals)."""
    return [money_header(column) if column in money_columns else column for column in header]
