"""Background work: enqueued after commit, and run by the database worker (db_worker).

The other tests run every task at once (the ImmediateBackend, tests/conftest.py); these
use the database backend of production and run `manage.py db_worker` on its queue.
"""

from __future__ import annotations

import signal
import smtplib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from backlog import services as backlog_services
from backlog.models import RANK_REBALANCE_LENGTH, Story
from core.access import Role
from core.models import Event
from products import invitations
from products.models import Invitation, Product
from tests.products.factories import UserFactory

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings: Settings) -> None:
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def run_worker() -> Iterator[Callable[[], None]]:
    """Run `manage.py db_worker` until the queue is empty, as in production."""
    # The worker installs its own handlers for Ctrl-C and SIGTERM; give pytest its own back.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}

    def run() -> None:
        call_command(
            "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval=0", verbosity=0
        )

    yield run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _tasks(path: str) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=path))


# The worker commits its own transactions and reconnects between tasks, as a separate
# process would: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_sends_the_invitation_and_forgets_its_link(
    database_tasks: None, run_worker: Callable[[], None], pm: Any, product: Product
) -> None:
    _invitation, token = invitations.invite(
        actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
    )
    # The request is answered before the mail is sent: it waits in the queue.
    assert not mail.outbox
    (queued,) = _tasks("products.tasks.send_invitation")
    assert queued.status == "READY"

    run_worker()

    assert len(mail.outbox) == 1
    assert f"/invitations/{token}/" in mail.outbox[0].body
    queued.refresh_from_db()
    assert (queued.status, queued.return_value) == ("SUCCESSFUL", True)
    # The row keeps only the token's hash; the task table must not keep the token itself.
    assert token not in str(queued.args_kwargs)


def test_a_failed_send_is_a_failed_task_that_can_be_run_again(
    database_tasks: None,
    run_worker: Callable[[], None],
    pm: Any,
    product: Product,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _invitation, token = invitations.invite(
        actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
    )

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise smtplib.SMTPServerDisconnected("the mail server is down")

    monkeypatch.setattr(invitations, "send_mail", refuse)
    run_worker()

    (failed,) = DBTaskResult.objects.failed()
    assert failed.exception_class_path == "smtplib.SMTPServerDisconnected"
    assert "the mail server is down" in failed.traceback
    # Its arguments stay, so it can be looked at and enqueued again.
    assert token in str(failed.args_kwargs)
    assert not mail.outbox


def test_a_link_resent_before_the_worker_came_is_not_mailed_dead(
    database_tasks: None, run_worker: Callable[[], None], pm: Any, product: Product
) -> None:
    invitation, old = invitations.invite(
        actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
    )
    new = invitations.resend_invitation(actor=pm, invitation=invitation)
    run_worker()
    assert len(mail.outbox) == 1
    assert f"/invitations/{new}/" in mail.outbox[0].body
    assert sorted(r.return_value for r in DBTaskResult.objects.successful()) == [False, True]
    assert old != new


def test_the_worker_sends_the_password_reset_in_the_users_language(
    database_tasks: None, run_worker: Callable[[], None], client: Client
) -> None:
    UserFactory(username="claire", email="claire@example.com", language="fr")
    response = client.post(
        reverse("accounts:password_reset"),
        {"email": "claire@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert not mail.outbox
    (queued,) = _tasks("accounts.tasks.send_password_reset")
    # The link is made by the worker: no working reset link waits in the queue.
    assert "token" not in str(queued.args_kwargs)

    run_worker()

    (message,) = mail.outbox
    assert message.to == ["claire@example.com"]
    assert "Réinitialisez" in message.subject
    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    assert client.get("/" + link.split("/", 3)[3], follow=True).status_code == 200


def test_the_worker_rebalances_keys_a_move_made_too_long(
    database_tasks: None,
    run_worker: Callable[[], None],
    po: Any,
    product: Product,
    make_story: Any,
) -> None:
    long = "a0" + "0" * RANK_REBALANCE_LENGTH
    x = make_story(title="X", rank=long + "1")
    make_story(title="Y", rank=long + "2")
    z = make_story(title="Z")
    backlog_services.move_story(actor=po, story=z, after=x)
    # The move itself doesn't wait for the rebalance.
    assert len(Story.objects.get(pk=z.pk).rank) > RANK_REBALANCE_LENGTH
    assert not Event.objects.filter(verb="ranks.rebalanced").exists()

    run_worker()

    order = list(Story.objects.filter(product=product).order_by("rank"))
    assert [s.title for s in order] == ["X", "Z", "Y"]
    assert max(len(s.rank) for s in order) == 2
    assert Event.objects.filter(verb="ranks.rebalanced", product_id=product.pk).count() == 1
    (done,) = _tasks("backlog.tasks.rebalance_ranks_around")
    assert (done.status, done.return_value) == ("SUCCESSFUL", 3)


@pytest.mark.django_db(transaction=False)
def test_a_rolled_back_invitation_sends_no_mail(
    pm: Any, product: Product, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        invitations.invite(
            actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
        )
        raise RuntimeError("the caller's transaction fails after the invitation")
    assert not Invitation.objects.exists()
    assert callbacks == []
    assert not mail.outbox


@pytest.mark.django_db(transaction=False)
def test_a_committed_invitation_is_mailed_once_its_transaction_commits(
    pm: Any, product: Product, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        invitations.invite(
            actor=pm, product=product, email="nina@example.com", role=Role.STAKEHOLDER
        )
        assert not mail.outbox  # nothing leaves inside the transaction
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
