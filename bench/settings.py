"""Settings of the benchmark: production settings (DEBUG off) plus the peers' URLs.

Everything else comes from crm.settings and the environment, exactly as in production;
bench/__main__.py sets the few variables a bench run needs before Django starts.
"""

from crm.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The pages render {% static %} without a collectstatic step; serving files is not measured.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
