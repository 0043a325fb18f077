"""The demo accounts `make run` prints: one per role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from crm.roles import MANAGERS, MARKETING, SALES

# A public, documented password for local demo data only; never used by production settings.
DEMO_PASSWORD = "tandem-demo"

DEMO_USERS = [
    ("maria", "Maria", "Marketer", MARKETING),
    ("sam", "Sam", "Seller", SALES),
    ("morgan", "Morgan", "Manager", MANAGERS),
]


def ensure_demo_user(username, first_name, last_name, role, *, password=DEMO_PASSWORD):
    """Return the demo user, creating it in its role group when missing."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@example.com"},
    )
    if created:
        user.set_password(password)
        if role == MANAGERS:
            user.is_staff = True
        user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def ensure_demo_users():
    """Create the demo marketer, seller and manager when missing; return (user, role) pairs."""
    return [(ensure_demo_user(u, f, last, role), role) for u, f, last, role in DEMO_USERS]
