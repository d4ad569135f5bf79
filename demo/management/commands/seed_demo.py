"""``manage.py seed_demo``: the Cadence Demo product, its users and months of history."""

from __future__ import annotations

import os
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from backlog.models import Story
from core import events as event_log
from core.models import Event
from demo import seed as demo
from products.models import Product


class Command(BaseCommand):
    help = (
        "Create the 'Cadence Demo' product (slug 'demo'): two teams, demo users with the "
        f"password '{demo.PASSWORD}', a backlog, four closed sprints per team and an active "
        "one. Does nothing if it exists, unless --reset."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--size",
            choices=sorted(demo.SIZES),
            default="small",
            help="small: ~150 stories (default); large: 10,000 stories, to try the app at scale.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo product and the demo users first, then build them again.",
        )

    def handle(self, *args: Any, size: str, reset: bool, verbosity: int, **options: Any) -> None:
        def say(message: str) -> None:
            if verbosity >= 1:
                self.stdout.write(message)

        started, built = time.monotonic(), False
        # One transaction: a failed or interrupted run leaves no half-built demo behind,
        # so "the product exists" always means "the demo is complete".
        with transaction.atomic():
            if reset:
                say("Deleting the demo product and the demo users…")
                demo.delete_demo()
            product = Product.objects.filter(slug=demo.SLUG).first()
            if product is not None:
                say(
                    f"The demo product “{product.name}” already exists; nothing to do "
                    "(use --reset to build it again)."
                )
            else:
                say(f"Building the demo product ({size}: {demo.SIZES[size]:,} stories)…")
                # Nobody watches a seed live: record its events without publishing them.
                with event_log.quiet():
                    product = demo.DemoBuilder(size=demo.SIZES[size], say=say).build()
                built = True
        if verbosity >= 1:
            if built:
                stories = Story.objects.filter(product=product).count()
                events = Event.objects.filter(product_id=product.pk).count()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Built “{product.name}”: {stories:,} stories, {events:,} events "
                        f"in {time.monotonic() - started:.1f}s."
                    )
                )
            self.stdout.write(f"\nDemo logins, all with the password {demo.PASSWORD!r}:\n")
            self.stdout.write(demo.logins_table())
            # make run passes its PORT; log in at the address the server will answer on.
            port = os.environ.get("PORT", "8000")
            self.stdout.write(f"\nOpen http://127.0.0.1:{port}/ and log in as one of them.\n")
