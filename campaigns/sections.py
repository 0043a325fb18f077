"""Contexts of the campaign page's editable sections (spend, variants).

The campaign detail page is rendered by crm (it shows lead figures, which campaigns may
not read) and includes these sections' templates; the spend and variant views here
re-render the same sections after an htmx change. Both build their context here, so
the two never drift apart.
"""

from django.core.paginator import Paginator

from campaigns.forms import SpendForm, VariantForm
from campaigns.selectors import campaign_spend, campaign_spend_total, campaign_variants

SPEND_PAGE_SIZE = 20
SPEND_PREFIX = "spend"
SPEND_EDIT_PREFIX = "edit"


def spend_section(*, campaign, page=1, add_form=None, editing=None, edit_form=None):
    """Return the context of the spend section: a page of entries, the total and the forms."""
    spend_page = Paginator(campaign_spend(campaign=campaign), SPEND_PAGE_SIZE).get_page(page)
    if editing is not None and edit_form is None:
        edit_form = SpendForm(instance=editing, prefix=SPEND_EDIT_PREFIX)
    return {
        "campaign": campaign,
        "spend_page": spend_page,
        "spend_total": campaign_spend_total(campaign=campaign),
        "spend_form": add_form or SpendForm(prefix=SPEND_PREFIX),
        "editing_id": editing.pk if editing is not None else None,
        "edit_form": edit_form,
    }


def variants_section(*, campaign, add_form=None):
    """Return the context of the variants section: the campaign's variants and the add form."""
    return {
        "campaign": campaign,
        "variants": list(campaign_variants(campaign=campaign)),
        "variant_form": add_form or VariantForm(campaign=campaign, prefix="variant"),
    }
