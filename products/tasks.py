"""The products app's background work: the invitation e-mail."""

from __future__ import annotations

from django.tasks import TaskContext, task

from core.tasks import forget_arguments


@task(takes_context=True)
def send_invitation(context: TaskContext, invitation_id: int, token: str, base_url: str) -> bool:
    """Mail the invitation's link; False when the link died before the worker came to it
    (revoked, accepted, resent or expired)."""
    # Imported here: products.invitations enqueues this task, so it imports this module first.
    from products import invitations

    sent = invitations.send(invitation_id, token, base_url)
    # The link carries the clear token, of which the invitation row keeps only a hash.
    forget_arguments(context)
    return sent
