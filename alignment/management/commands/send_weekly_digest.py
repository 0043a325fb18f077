from django.core.management.base import BaseCommand, CommandError

from alignment import digests
from alignment.metrics import weekly_metrics
from alignment.models import Audience, DigestDelivery
from crm.weeks import InvalidWeek, Week


class Command(BaseCommand):
    help = (
        "Send the weekly digests of a week (default: the week just ended) to marketing, sales and managers, "
        "by e-mail and configured webhooks. Deliveries already sent are skipped unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week as YYYY-Www (default: the last complete week).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Rebuild the digests and send them again, even to recipients who have them.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and save nothing.")

    def handle(self, *args, week=None, force=False, dry_run=False, **options):
        try:
            week = Week.parse(week) if week else Week.last_complete()
        except InvalidWeek as exc:
            raise CommandError(str(exc)) from None
        if dry_run:
            self._dry_run(week, force)
            return
        ids = digests.weekly_digests_prepare(week=week, force=force)
        sent = failed = unknown = 0
        for delivery_id in ids:
            delivery = DigestDelivery.objects.select_related("digest").get(pk=delivery_id)
            label = f"{delivery.digest.audience:<9} {delivery.channel:<7} {delivery.recipient}"
            try:
                outcome = digests.delivery_send(delivery_id=delivery_id)
            except digests.DeliveryFailed as exc:
                failed += 1
                self.stderr.write(f"  failed   {label}: {exc}")
                continue
            if outcome == "unknown":
                unknown += 1
                self.stderr.write(f"  unknown  {label}: {DigestDelivery.objects.get(pk=delivery_id).last_error}")
                continue
            sent += outcome == "sent"
            self.stdout.write(f"  {outcome:<8} {label}")
        skipped = len(ids) - sent - failed - unknown
        self.stdout.write(
            f"Week {week.label}: {sent} sent, {failed} failed, {unknown} of unknown outcome, {skipped} skipped."
        )
        problems = []
        if failed:
            problems.append(f"{failed} deliver{'y' if failed == 1 else 'ies'} failed; run the command again to retry")
        if unknown:
            problems.append(
                f"{unknown} may have arrived although the send broke; resend from the digest's page those that did not"
            )
        if problems:
            raise CommandError("; ".join(problems) + ".")

    def _dry_run(self, week, force):
        """Print each audience's digest and its recipients, marking what a real run would skip."""
        metrics = weekly_metrics(week)
        state = DigestDelivery.State
        # Sent, in flight or of unknown outcome: a run without --force leaves them (a manager resends unknown ones).
        skipped = {state.SENT: "already sent", state.SENDING: "being sent", state.UNKNOWN: "outcome unknown"}
        done = {
            (audience, channel, recipient): skipped[current]
            for audience, channel, recipient, current in DigestDelivery.objects.filter(
                digest__week=week.label, state__in=list(skipped)
            ).values_list("digest__audience", "channel", "recipient", "state")
        }
        self.stdout.write(f"Week {week.label} — dry run: nothing is sent or saved.")
        for audience in Audience.values:
            rendered = digests.digest_render(metrics=metrics, audience=audience)
            self.stdout.write(f"\n== {audience}: {rendered.subject}")
            planned = digests.planned_deliveries(audience)
            if not planned:
                self.stdout.write("   no recipients")
            for item in planned:
                why = done.get((audience, item.channel, item.recipient))
                skip = why and (not force or why == "being sent")
                target = (
                    digests.webhook_url(audience) if item.channel == DigestDelivery.Channel.WEBHOOK else item.recipient
                )
                self.stdout.write(f"   {item.channel:<7} {target}: {f'{why}, skipped' if skip else 'would send'}")
            self.stdout.write("   --- plain text ---")
            for line in rendered.text.strip().splitlines():
                self.stdout.write(f"   {line}")
