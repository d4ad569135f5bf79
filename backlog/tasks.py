"""The backlog's background work: re-keying ranks that grew too long."""

from __future__ import annotations

from django.tasks import task


@task
def rebalance_ranks_around(product_id: int, rank: str) -> int:
    """Re-key the neighbourhood of ``rank`` in the product (``rebalance_around``); returns
    how many stories got a new key."""
    # Imported here: the services enqueue this task, so they import this module first.
    from backlog.models import Story
    from backlog.services import rebalance_around

    if not Story.objects.filter(product_id=product_id).exists():
        return 0  # the product went before the worker came to it: nothing to record
    return rebalance_around(product=product_id, rank=rank)
