"""Every change to stories (create, edit, move, ready, label, delete, import, bulk),
and the rebalancing of their rank keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from backlog import ranks, readiness, tasks
from backlog.models import (
    RANK_REBALANCE_LENGTH,
    Epic,
    Label,
    Release,
    Story,
    StoryKind,
)
from core import access, clock, events
from core.access import Capability
from core.concurrency import check_version, versioned_update
from core.tasks import enqueue_on_commit
from products.models import Product, Status, StatusCategory, Team

if TYPE_CHECKING:
    from accounts.models import User

from backlog.services.common import (
    EDITABLE_FIELDS,
    _check_assignee,
    _check_belongs,
    _check_kind,
    _check_points,
    _column,
    _snapshot,
)


def rebalance_if_long(product: Product | int, *keys: str) -> None:
    """After commit, have the worker re-key the neighbourhood of any of these keys that
    grew too long: the move that lengthened them doesn't wait for it."""
    product_id = product if isinstance(product, int) else product.pk
    for key in keys:
        if len(key) > RANK_REBALANCE_LENGTH:
            enqueue_on_commit(tasks.rebalance_ranks_around, product_id, key)


# Stories re-keyed on each side of a key that grew too long; doubled until the new keys
# are short (long keys come from many inserts at one spot, so their neighbourhood is dense).
REBALANCE_WINDOW = 100


@transaction.atomic
def rebalance_around(*, product: Product | int, rank: str, actor: User | None = None) -> int:
    """Give the stories around ``rank`` evenly spread short keys between their outer
    neighbours, keeping their order. Writes only that neighbourhood (twice: parked, then
    placed), never the whole backlog."""
    stories = Story.objects.filter(product=product).select_for_update()
    window = REBALANCE_WINDOW
    while True:
        below = list(
            stories.filter(rank__lt=rank).order_by("-rank").only("id", "rank")[: window + 1]
        )
        above = list(
            stories.filter(rank__gte=rank).order_by("rank").only("id", "rank")[: window + 1]
        )
        lo = below.pop().rank if len(below) > window else None
        hi = above.pop().rank if len(above) > window else None
        moving = list(reversed(below)) + above
        keys = ranks.spread_between(lo, hi, len(moving))
        if max(map(len, keys), default=0) <= RANK_REBALANCE_LENGTH // 2 or (
            lo is None and hi is None
        ):
            break
        window *= 2
    for story in moving:
        story.rank = f"~{story.pk}"
    Story.objects.bulk_update(moving, ["rank"], batch_size=500)
    for story, key in zip(moving, keys, strict=True):
        story.rank = key
    Story.objects.bulk_update(moving, ["rank"], batch_size=500)
    product_id = product if isinstance(product, int) else product.pk
    events.record(
        Product(pk=product_id),
        "ranks.rebalanced",
        actor=actor,
        after={"stories": len(moving), "from": moving[0].rank if moving else None},
    )
    return len(moving)


def _rank_after_last(product: Product) -> str:
    last = Story.objects.filter(product=product).order_by("-rank").values_list("rank", flat=True)
    return ranks.between(last.first(), None)


@transaction.atomic
def create_story(
    *,
    actor: User,
    product: Product,
    title: str,
    kind: str = StoryKind.STORY,
    team: Team | None = None,
    epic: Epic | None = None,
    release: Release | None = None,
    description: str = "",
    acceptance_criteria: str = "",
    points: int | None = None,
    assignee: User | None = None,
    status: Status | None = None,
    at_top: bool = False,
) -> Story:
    """Refuses members who may not create stories, or may not edit them in the named team."""
    access.require(actor, Capability.CREATE_STORY, product)
    if team is not None:
        _check_belongs(product, team=team)
        access.require(actor, Capability.EDIT_STORY, team)
    _check_belongs(product, epic=epic, release=release, status=status)
    _check_points(points)
    _check_kind(kind)
    _check_assignee(product, assignee)
    if not title.strip():
        raise ValidationError({"title": _("A story needs a title.")})
    if status is None:
        status = product.statuses.filter(category=StatusCategory.TODO).first()
        # A product keeps a status of each category (products.workflow.check_category_kept).
        assert status is not None
    if at_top:
        first = Story.objects.filter(product=product).order_by("rank")
        rank = ranks.between(None, first.values_list("rank", flat=True).first())
    else:
        rank = _rank_after_last(product)
    story = Story.objects.create(
        product=product,
        team=team,
        epic=epic,
        release=release,
        kind=kind,
        title=title.strip(),
        description=description,
        acceptance_criteria=acceptance_criteria,
        points=points,
        assignee=assignee,
        status=status,
        rank=rank,
        created_by=actor,
        updated_by=actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    events.record(
        story,
        "story.created",
        actor=actor,
        after=_snapshot(story, (*EDITABLE_FIELDS, "status", "rank")),
    )
    rebalance_if_long(product, rank)
    return story


@transaction.atomic
def update_story(*, actor: User, story: Story, version: int, **changes: Any) -> Story:
    """Refuses without edit rights (on the story's team and the new one), and stale versions."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_story cannot change {sorted(unknown)}")
    access.require(actor, Capability.EDIT_STORY, story)
    product = story.product
    new_team = changes.get("team", story.team)
    if "team" in changes and new_team != story.team:
        if new_team is not None:
            _check_belongs(product, team=new_team)
            access.require(actor, Capability.EDIT_STORY, new_team)
        if story.sprint_id:
            raise ValidationError({"team": _("Take the story out of its sprint first.")})
    _check_belongs(product, epic=changes.get("epic"), release=changes.get("release"))
    _check_points(changes.get("points"))
    if "kind" in changes:
        _check_kind(changes["kind"])
    _check_assignee(product, changes.get("assignee"))
    if "title" in changes and not str(changes["title"]).strip():
        raise ValidationError({"title": _("A story needs a title.")})

    before = _snapshot(story, tuple(changes))
    for name, value in changes.items():
        setattr(story, name, value)
    after = _snapshot(story, tuple(changes))
    changed = {k: v for k, v in after.items() if before[k] != v}
    if not changed:
        check_version(story, version)
        return Story.objects.get(pk=story.pk)
    # One conditional UPDATE: two edits of the same version can't both succeed.
    versioned_update(
        story,
        version,
        **{_column(k): v for k, v in changed.items()},
        updated_by=actor,
        updated_at=clock.now(),
    )
    story.refresh_from_db()
    events.record(
        story,
        "story.updated",
        actor=actor,
        before={k: before[k] for k in changed},
        after=changed,
    )
    return story


def _neighbour_bounds(
    story: Story, after: Story | None, before: Story | None
) -> tuple[str | None, str | None] | None:
    """The (lo, hi) rank gap the story must land in, or None when its place already fits."""
    others = Story.objects.filter(product_id=story.product_id).exclude(pk=story.pk)
    if after is not None:
        lo: str | None = after.rank
        hi = others.filter(rank__gt=lo).order_by("rank").values_list("rank", flat=True).first()
    elif before is not None:
        hi = before.rank
        lo = others.filter(rank__lt=hi).order_by("-rank").values_list("rank", flat=True).first()
    else:
        return None
    if (lo is None or lo < story.rank) and (hi is None or story.rank < hi):
        return None
    return lo, hi


@transaction.atomic
def move_story(
    *,
    actor: User,
    story: Story,
    status: Status | None = None,
    after: Story | None = None,
    before: Story | None = None,
) -> Story:
    """Refuses without the right to order (backlog) or move cards (sprint), foreign neighbours
    or statuses, and a story placed next to itself. Writes one story row and one event.

    The place is named by a neighbour (``after`` wins over ``before``); none keeps the rank.
    The top, the bottom or a position of a list the user sees are neighbours too:
    ``Story.objects.list_of(story).place(story, position="top")`` (forms and serializers
    turn them into neighbours)."""
    capability = Capability.MOVE_CARDS if story.sprint_id else Capability.ORDER_BACKLOG
    access.require(actor, capability, story)
    _check_belongs(story.product_id, status=status, after=after, before=before)
    if story.pk in {getattr(after, "pk", None), getattr(before, "pk", None)}:
        raise ValidationError(_("A story can't be placed next to itself."))
    # Re-read the neighbours' keys under this transaction: the client's view may be old.
    if after is not None:
        after = Story.objects.only("rank", "product_id").get(pk=after.pk)
    if before is not None:
        before = Story.objects.only("rank", "product_id").get(pk=before.pk)
    if after is not None and before is not None and after.rank >= before.rank:
        before = None  # neighbours moved meanwhile: "after" wins

    # Start from the row as it is: the caller's copy may predate a rebalance or another
    # move, and writing its old key back would reorder the backlog or collide. Locked, so
    # that two moves of one story at once follow each other and the second's event starts
    # where the first left it (tests/bench/load.py checks the chain).
    current = Story.objects.select_for_update().only("rank", "status_id").get(pk=story.pk)
    if current.status_id != story.status_id:
        story._state.fields_cache.pop("status", None)
    story.rank, story.status_id = current.rank, current.status_id
    old_status_id = story.status_id
    old = {"status": old_status_id, "rank": story.rank}
    for attempt in range(5):
        bounds = _neighbour_bounds(story, after, before)
        if bounds is not None:
            story.rank = ranks.between(*bounds)
        if status is not None:
            story.status = status
        try:
            with transaction.atomic():
                Story.objects.filter(pk=story.pk).update(
                    rank=story.rank,
                    status_id=story.status_id,
                    updated_by=actor,
                    updated_at=clock.now(),
                )
            break
        except IntegrityError:
            # Someone took this key in the same gap a moment ago: read the gap again.
            if attempt == 4:
                raise
    new: dict[str, Any] = {"status": story.status_id, "rank": story.rank}
    if new == old:
        return story
    if status is not None and status.pk != old["status"]:
        _stamp_done(story, old_status_id, status)
    if status is not None and status.pk != old["status"] and status.wip_limit and story.sprint_id:
        # The move that takes a sprint's column over its limit is recorded as such.
        count = Story.objects.filter(sprint_id=story.sprint_id, status=status).count()
        if count > status.wip_limit:
            new |= {"wip_exceeded": True, "wip_count": count, "wip_limit": status.wip_limit}
    events.record(
        story,
        "story.moved",
        actor=actor,
        before=old,
        after=new,
    )
    rebalance_if_long(story.product_id, story.rank)
    return story


@transaction.atomic
def set_story_ready(*, actor: User, story: Story, ready: bool, confirm: bool = False) -> Story:
    """Refuses anyone who may not order the story's backlog (its team's PO), and a story
    that misses Definition of Ready items (readiness.NotReady): always when the product
    enforces it, unless ``confirm`` when it warns."""
    access.require(actor, Capability.ORDER_BACKLOG, story)
    if ready and not story.ready:
        readiness.check_may_mark_ready(story, confirm=confirm)
    if story.ready != ready:
        Story.objects.filter(pk=story.pk).update(
            ready=ready, version=F("version") + 1, updated_by=actor, updated_at=clock.now()
        )
        story.refresh_from_db()
        events.record(
            story,
            "story.ready" if ready else "story.unready",
            actor=actor,
            before={"ready": not ready},
            after={"ready": ready},
        )
    return story


@transaction.atomic
def rebalance_ranks(*, actor: User | None, product: Product) -> int:
    """Give every story of the product a short, evenly spread key, keeping their order.

    A rare batch (keys only grow long after thousands of inserts at one spot); it rewrites
    every row of the product twice, so it is never part of a user's move.
    """
    stories = list(Story.objects.filter(product=product).order_by("rank").only("id", "rank"))
    # Park every key outside the alphabet first so the unique constraint never sees a clash.
    for story in stories:
        story.rank = f"~{story.pk}"
    Story.objects.bulk_update(stories, ["rank"], batch_size=1000)
    for story, key in zip(stories, ranks.spread(len(stories)), strict=True):
        story.rank = key
    Story.objects.bulk_update(stories, ["rank"], batch_size=1000)
    events.record(
        product,
        "ranks.rebalanced",
        actor=actor,
        after={"stories": len(stories)},
    )
    return len(stories)


@transaction.atomic
def import_stories(*, actor: User, product: Product, stories: list[dict[str, Any]]) -> list[Story]:
    """Create every story at the bottom of the backlog, in order, or none: refuses (and
    writes nothing) when any row is refused, naming the row."""
    created = []
    # Line numbers of the file: its first line names the columns.
    for line, row in enumerate(stories, start=2):
        fields = dict(row)
        labels = fields.pop("labels", [])
        try:
            story = create_story(actor=actor, product=product, **fields)
            for label in labels:
                add_label(actor=actor, story=story, label=label)
            created.append(story)
        except ValidationError as error:
            raise ValidationError(
                _("Line %(number)d: %(reason)s")
                % {"number": line, "reason": " ".join(error.messages)}
            ) from error
    return created


@transaction.atomic
def add_label(*, actor: User, story: Story, label: Label) -> Story:
    """Refuses those who may not edit the story, and a label of another product."""
    access.require(actor, Capability.EDIT_STORY, story)
    _check_belongs(story.product_id, label=label)
    if not story.labels.filter(pk=label.pk).exists():
        story.labels.add(label)
        events.record(
            story,
            "story.labelled",
            actor=actor,
            after={"label": label.name},
        )
    return story


@transaction.atomic
def remove_label(*, actor: User, story: Story, label: Label) -> Story:
    """Refuses those who may not edit the story, and a label of another product."""
    access.require(actor, Capability.EDIT_STORY, story)
    _check_belongs(story.product_id, label=label)
    if story.labels.filter(pk=label.pk).exists():
        story.labels.remove(label)
        events.record(
            story,
            "story.unlabelled",
            actor=actor,
            before={"label": label.name},
        )
    return story


def _stamp_done(story: Story, old_status_id: int, status: Status) -> None:
    """A story coming into a done column from another category is done from now: an
    acceptance it held from an earlier pass no longer makes it completed."""
    if status.category != StatusCategory.DONE:
        return
    was = Status.objects.filter(pk=old_status_id).values_list("category", flat=True).first()
    if was != StatusCategory.DONE:
        story.done_at = clock.now()
        Story.objects.filter(pk=story.pk).update(done_at=story.done_at)


@transaction.atomic
def delete_story(*, actor: User, story: Story) -> None:
    """Refuses anyone but the story's Product Owner (ACCEPT_STORY). The event keeps the
    story's last values, since the row goes."""
    access.require(actor, Capability.ACCEPT_STORY, story)
    events.record(
        story,
        "story.deleted",
        actor=actor,
        before=_snapshot(story, (*EDITABLE_FIELDS, "status", "rank")),
    )
    story.delete()


BULK_ACTIONS = ("epic", "team", "release", "label", "top", "bottom", "delete")


def _move_to_end(actor: User, story: Story, position: str) -> None:
    after, before = Story.objects.list_of(story).place(story, position=position)
    move_story(actor=actor, story=story, after=after, before=before)


@transaction.atomic
def bulk_change(
    *, actor: User, product: Product, stories: list[Story], action: str, value: Any = None
) -> int:
    """Apply one change to every selected story, each through its own service and event;
    all or nothing: one refusal (rights, a story in a sprint changing team…) undoes all."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Choose what to do with the selected stories."))
    if any(story.product_id != product.pk for story in stories):
        raise ValidationError(_("Choose stories of this product."))
    ordered = sorted(stories, key=lambda s: s.rank)
    if action == "top":
        for story in reversed(ordered):  # each to the top, last first: their order stays
            _move_to_end(actor, story, "top")
    elif action == "bottom":
        for story in ordered:
            _move_to_end(actor, story, "bottom")
    elif action == "delete":
        for story in ordered:
            delete_story(actor=actor, story=story)
    elif action == "label":
        if value is None:
            raise ValidationError({"value": _("Choose a label.")})
        for story in ordered:
            add_label(actor=actor, story=story, label=value)
    else:
        for story in ordered:
            update_story(actor=actor, story=story, version=story.version, **{action: value})
    return len(ordered)
