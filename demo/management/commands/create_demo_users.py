from django.core.management.base import BaseCommand

from demo.users import DEMO_PASSWORD, ensure_demo_users


class Command(BaseCommand):
    help = "Create the three demo users (one per role) when they are missing."

    def handle(self, *args, **options):
        users = ensure_demo_users()
        for user, role in users:
            self.stdout.write(f"  {user.username:<10} {role:<10} password: {DEMO_PASSWORD}")
