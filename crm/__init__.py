"""Tandem: the CRM where marketing and sales pull the same way."""

__version__ = "0.1.0"

# Load the Celery app with Django so that @shared_task binds to it.
from crm.celery import app as celery_app

__all__ = ("celery_app", "__version__")
