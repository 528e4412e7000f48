"""Invite an administrator (the first one, typically): prints the invitation link."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from continuite.accounts.models import User
from continuite.accounts.services import invitation_send


class Command(BaseCommand):
    help = "Create (or re-invite) an administrator by email and print the single-use link."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, email, first_name, last_name, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not an email address: {email!r}") from exc
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                username=email,
                defaults={"email": email, "first_name": first_name, "last_name": last_name},
            )
            if created:
                user.set_unusable_password()
            user.is_staff = user.is_superuser = user.is_active = True
            user.save()
            link = invitation_send(user=user, invited_by=None)
        self.stdout.write(link)
