"""Money as people read it: the team's one currency (CURRENCY), formatted for the active language.

Amounts are stored and exchanged (API, CSV) as plain decimals; pages, e-mails and digests show
them with the currency through ``format_money`` (the ``money`` template filter), charts through the
browser's Intl.NumberFormat (``browser_money_format``), and a CSV names the currency in its header
(``money_header``); the report API names it beside its amounts. The symbol, its place, the digits, grouping and
decimal mark are the Unicode CLDR's for the active language, through Babel (en: €1,234.50;
de: 1.234,50 €; en with CHF: CHF10.00).
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, is_currency
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

DASH = "—"
_CODE = re.compile(r"^[A-Z]{3}$")


def currency_code(value):
    """Return an ISO 4217 code, upper-cased, or raise ImproperlyConfigured naming CURRENCY."""
    code = (value or "").strip().upper()
    if not _CODE.match(code) or not is_currency(code):
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
    # Half up, as people round money (Babel's own default is half even).
    value = value.quantize(Decimal(1).scaleb(-get_currency_precision(code)), rounding=ROUND_HALF_UP)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return format_currency(value, code, locale=translation.to_locale(language))


def browser_money_format(*, language=None):
    """Return what the browser's ``Intl.NumberFormat`` needs to show money as the pages do.

    The currency and the active (or given) language as a BCP 47 locale (``en-US``, ``de``): charts
    format their tooltips and axes with it, so they read like the tables beside them.
    """
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return {"currency": settings.CURRENCY, "locale": translation.to_locale(language).replace("_", "-")}


def money_header(column):
    """Return a CSV column name for money, naming the currency: ``budget (EUR)``."""
    return f"{column} ({settings.CURRENCY})"


def with_currency(header, money_columns):
    """Return a CSV header with each money column named with the currency (values stay plain decimals)."""
    return [money_header(column) if column in money_columns else column for column in header]
