"""Every change to stories, epics, releases, labels and tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from backlog import ranks
from backlog.models import (
    POINTS,
    RANK_REBALANCE_LENGTH,
    Epic,
    Insight,
    Label,
    ProductUpdate,
    Release,
    Story,
    StoryKind,
    Task,
    UpdateStatus,
    UpdateVisibility,
)
from backlog.updates import release_notes_body, sprint_model
from products import access, clock, events
from products.access import Capability
from products.models import Membership, Product, Status, StatusCategory, Team

if TYPE_CHECKING:
    from accounts.models import User

# Fields a story edit may change, and how each appears in the event log.
EDITABLE_FIELDS = (
    "title",
    "kind",
    "description",
    "acceptance_criteria",
    "points",
    "epic",
    "release",
    "team",
    "assignee",
)


class StaleEdit(Exception):
    """The edit was based on an old version; ``current`` holds the values as they are now."""

    def __init__(self, current: Story) -> None:
        super().__init__(_("Someone else changed this story meanwhile."))
        self.current = current


def _snapshot(story: Story, fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        field = Story._meta.get_field(name)
        out[name] = getattr(story, field.attname)
    return out


def _check_belongs(product: Product | int, **objects: Any) -> None:
    """Refuse objects of another product: the same message whether foreign or unknown."""
    product_id = product if isinstance(product, int) else product.pk
    errors = {}
    for name, obj in objects.items():
        if obj is not None and obj.product_id != product_id:
            errors[name] = _("This %(object)s belongs to another product.") % {
                "object": obj._meta.verbose_name
            }
    if errors:
        raise ValidationError(errors)


def _check_points(points: int | None) -> None:
    if points is not None and points not in POINTS:
        raise ValidationError(
            {
                "points": _("Points must be one of %(allowed)s.")
                % {"allowed": ", ".join(map(str, POINTS))}
            }
        )


def _check_assignee(product: Product, assignee: User | None) -> None:
    if assignee is not None and not (
        assignee.is_superuser or Membership.objects.filter(product=product, user=assignee).exists()
    ):
        raise ValidationError({"assignee": _("The assignee must be a member of the product.")})


def _check_kind(kind: str) -> None:
    if kind not in StoryKind.values:
        raise ValidationError({"kind": _("Choose story, bug, spike or chore.")})


def rebalance_if_long(product: Product | int, *keys: str) -> None:
    """After commit, re-key the neighbourhood of any of these keys that grew too long."""
    for key in keys:
        if len(key) > RANK_REBALANCE_LENGTH:
            transaction.on_commit(lambda key=key: rebalance_around(product=product, rank=key))


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
        actor=actor,
        verb="ranks.rebalanced",
        product=product_id,
        obj=Product(pk=product_id),
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
        actor=actor,
        verb="story.created",
        product=product,
        team=team,
        obj=story,
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
        fresh = Story.objects.get(pk=story.pk)
        if fresh.version != version:
            raise StaleEdit(fresh)
        return fresh
    # One conditional UPDATE: two edits of the same version can't both succeed.
    updated = Story.objects.filter(pk=story.pk, version=version).update(
        **{Story._meta.get_field(k).attname: v for k, v in changed.items()},
        version=F("version") + 1,
        updated_by=actor,
        updated_at=clock.now(),
    )
    if not updated:
        raise StaleEdit(Story.objects.get(pk=story.pk))
    story.refresh_from_db()
    events.record(
        actor=actor,
        verb="story.updated",
        product=product,
        team=story.team,
        sprint_id=story.sprint_id,
        obj=story,
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
    position: str | None = None,
    to_position: int | None = None,
) -> Story:
    """Refuses without the right to order (backlog) or move cards (sprint), foreign neighbours
    or statuses, and a story placed next to itself. Writes one story row and one event.

    The place is a neighbour (``after`` wins over ``before``), ``position`` "top" or
    "bottom", or ``to_position`` (1 is the top) of the story's list: its sprint, or the
    product backlog."""
    capability = Capability.MOVE_CARDS if story.sprint_id else Capability.ORDER_BACKLOG
    access.require(actor, capability, story)
    _check_belongs(story.product_id, status=status, after=after, before=before)
    if story.pk in {getattr(after, "pk", None), getattr(before, "pk", None)}:
        raise ValidationError(_("A story can't be placed next to itself."))
    if position or to_position:
        same_list = (
            Story.objects.filter(product_id=story.product_id, sprint_id=story.sprint_id)
            .exclude(pk=story.pk)
            .order_by("rank")
        )
        if position == "top":
            after, before = None, same_list.first()
        elif position == "bottom":
            after, before = same_list.last(), None
        elif to_position:
            if to_position < 1:
                raise ValidationError({"to_position": _("Positions start at 1.")})
            before = same_list[to_position - 1 : to_position].first()
            after = None if before else same_list.last()
        else:
            raise ValidationError({"position": _("Choose the top or the bottom.")})
    # Re-read the neighbours' keys under this transaction: the client's view may be old.
    if after is not None:
        after = Story.objects.only("rank", "product_id").get(pk=after.pk)
    if before is not None:
        before = Story.objects.only("rank", "product_id").get(pk=before.pk)
    if after is not None and before is not None and after.rank >= before.rank:
        before = None  # neighbours moved meanwhile: "after" wins

    old = {"status": story.status_id, "rank": story.rank}
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
    if status is not None and status.pk != old["status"] and status.wip_limit and story.sprint_id:
        # The move that takes a sprint's column over its limit is recorded as such.
        count = Story.objects.filter(sprint_id=story.sprint_id, status=status).count()
        if count > status.wip_limit:
            new |= {"wip_exceeded": True, "wip_count": count, "wip_limit": status.wip_limit}
    events.record(
        actor=actor,
        verb="story.moved",
        product=story.product_id,
        team=story.team_id,
        sprint_id=story.sprint_id,
        obj=story,
        before=old,
        after=new,
    )
    rebalance_if_long(story.product_id, story.rank)
    return story


@transaction.atomic
def set_story_ready(*, actor: User, story: Story, ready: bool) -> Story:
    """Refuses anyone who may not order the story's backlog (its team's PO)."""
    access.require(actor, Capability.ORDER_BACKLOG, story)
    if story.ready != ready:
        Story.objects.filter(pk=story.pk).update(
            ready=ready, version=F("version") + 1, updated_by=actor, updated_at=clock.now()
        )
        story.refresh_from_db()
        events.record(
            actor=actor,
            verb="story.ready" if ready else "story.unready",
            product=story.product,
            team=story.team,
            sprint_id=story.sprint_id,
            obj=story,
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
        actor=actor,
        verb="ranks.rebalanced",
        product=product,
        obj=product,
        after={"stories": len(stories)},
    )
    return len(stories)


@transaction.atomic
def create_epic(
    *,
    actor: User,
    product: Product,
    title: str,
    description: str = "",
    colour: str = "#4f6bed",
    release: Release | None = None,
    start_date: Any = None,
    target_date: Any = None,
) -> Epic:
    """Refuses everyone but the PM."""
    access.require(actor, Capability.EDIT_EPICS, product)
    _check_belongs(product, release=release)
    last = Epic.objects.filter(product=product).order_by("-rank").values_list("rank", flat=True)
    epic = Epic(
        product=product,
        title=title,
        description=description,
        colour=colour,
        release=release,
        start_date=start_date,
        target_date=target_date,
        rank=ranks.between(last.first(), None),
    )
    epic.full_clean()
    epic.save()
    events.record(
        actor=actor, verb="epic.created", product=product, obj=epic, after={"title": title}
    )
    return epic


@transaction.atomic
def update_epic(*, actor: User, epic: Epic, **changes: Any) -> Epic:
    """Refuses everyone but the PM, a release of another product, and a target before the start."""
    access.require(actor, Capability.EDIT_EPICS, epic)
    allowed = {"title", "description", "colour", "release", "start_date", "target_date"}
    if unknown := set(changes) - allowed:
        raise TypeError(f"update_epic cannot change {sorted(unknown)}")
    _check_belongs(epic.product, release=changes.get("release"))
    before = {k: _plain(getattr(epic, k)) for k in changes}
    for name, value in changes.items():
        setattr(epic, name, value)
    epic.full_clean()
    after = {k: _plain(getattr(epic, k)) for k in changes}
    changed = [k for k in changes if before[k] != after[k]]
    if changed:
        epic.save(update_fields=changed)
        events.record(
            actor=actor,
            verb="epic.updated",
            product=epic.product,
            obj=epic,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return epic


def _plain(value: Any) -> Any:
    """A value as the event log stores it: ids for objects, ISO text for dates."""
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@transaction.atomic
def create_release(*, actor: User, product: Product, name: str, date: Any = None) -> Release:
    """Refuses everyone but the PM."""
    access.require(actor, Capability.EDIT_EPICS, product)
    release = Release(product=product, name=name, date=date)
    release.full_clean()
    release.save()
    events.record(
        actor=actor,
        verb="release.created",
        product=product,
        obj=release,
        after={"name": name, "date": date.isoformat() if date else None},
    )
    return release


@transaction.atomic
def create_label(*, actor: User, product: Product, name: str, colour: str = "#8a8f98") -> Label:
    """Refuses members who may not create stories."""
    access.require(actor, Capability.CREATE_STORY, product)
    label, created = Label.objects.get_or_create(
        product=product, name=name, defaults={"colour": colour}
    )
    if created:
        events.record(
            actor=actor, verb="label.created", product=product, obj=label, after={"name": name}
        )
    return label


@transaction.atomic
def add_task(*, actor: User, story: Story, title: str, assignee: User | None = None) -> Task:
    """Refuses anyone who may not move the story's cards (the team, its PO)."""
    access.require(actor, Capability.MOVE_CARDS, story)
    _check_assignee(story.product, assignee)
    if not title.strip():
        raise ValidationError({"title": _("A task needs a title.")})
    title = title.strip()
    last = story.tasks.order_by("-rank").values_list("rank", flat=True).first()
    task = Task.objects.create(
        story=story, title=title, assignee=assignee, rank=ranks.between(last, None)
    )
    events.record(
        actor=actor,
        verb="task.added",
        product=story.product,
        team=story.team,
        sprint_id=story.sprint_id,
        obj=task,
        after={"story": story.pk, "title": title},
    )
    return task


@transaction.atomic
def set_task_done(*, actor: User, task: Task, done: bool) -> Task:
    """Refuses anyone who may not move the story's cards."""
    story = task.story
    access.require(actor, Capability.MOVE_CARDS, story)
    if task.done != done:
        Task.objects.filter(pk=task.pk).update(done=done)
        task.done = done
        events.record(
            actor=actor,
            verb="task.done" if done else "task.reopened",
            product=story.product,
            team=story.team,
            sprint_id=story.sprint_id,
            obj=task,
            before={"done": not done},
            after={"done": done},
        )
    return task


@transaction.atomic
def move_task(*, actor: User, task: Task, direction: str) -> Task:
    """Refuses anyone who may not move the story's cards; "up" or "down" one place."""
    story = task.story
    access.require(actor, Capability.MOVE_CARDS, story)
    siblings = story.tasks.exclude(pk=task.pk).order_by("rank")
    if direction == "up":
        above = list(siblings.filter(rank__lt=task.rank).order_by("-rank")[:2])
        if not above:
            return task
        lo, hi = (above[1].rank if len(above) > 1 else None), above[0].rank
    elif direction == "down":
        below = list(siblings.filter(rank__gt=task.rank)[:2])
        if not below:
            return task
        lo, hi = below[0].rank, (below[1].rank if len(below) > 1 else None)
    else:
        raise ValidationError(_("A task moves up or down."))
    before = task.rank
    task.rank = ranks.between(lo, hi)
    Task.objects.filter(pk=task.pk).update(rank=task.rank)
    events.record(
        actor=actor,
        verb="task.moved",
        product=story.product,
        team=story.team,
        sprint_id=story.sprint_id,
        obj=task,
        before={"rank": before},
        after={"rank": task.rank},
    )
    return task


@transaction.atomic
def delete_task(*, actor: User, task: Task) -> None:
    """Refuses anyone who may not move the story's cards."""
    story = task.story
    access.require(actor, Capability.MOVE_CARDS, story)
    events.record(
        actor=actor,
        verb="task.deleted",
        product=story.product,
        team=story.team,
        sprint_id=story.sprint_id,
        obj=task,
        before={"title": task.title},
    )
    task.delete()


# User research and product updates: the PM's (Capability.EDIT_VISION).

INSIGHT_FIELDS = ("title", "date", "source", "finding", "evidence_url")
UPDATE_FIELDS = ("title", "body", "visibility")


class StaleVersion(Exception):
    """An edit of an insight or an update based on an old version; ``current`` is the row now."""

    def __init__(self, current: Insight | ProductUpdate) -> None:
        super().__init__(_("Someone else changed this meanwhile."))
        self.current = current


def _edit_versioned(
    obj: Insight | ProductUpdate, *, version: int, changes: dict[str, Any], **stamps: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate and write ``changes`` if ``obj`` is still at ``version``; the (before, after)
    values that changed, empty when nothing did."""
    model = type(obj)
    if "title" in changes:
        changes["title"] = str(changes["title"]).strip()
    before = {k: _plain(getattr(obj, k)) for k in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean(exclude=["uuid"])
    after = {k: _plain(getattr(obj, k)) for k in changes}
    changed = [k for k in changes if before[k] != after[k]]
    if not changed:
        fresh = model.objects.get(pk=obj.pk)
        if fresh.version != version:
            raise StaleVersion(fresh)
        return {}, {}
    # One conditional UPDATE: of two edits of the same version, only one succeeds.
    updated = model.objects.filter(pk=obj.pk, version=version).update(
        **{k: getattr(obj, k) for k in changed}, version=F("version") + 1, **stamps
    )
    if not updated:
        raise StaleVersion(model.objects.get(pk=obj.pk))
    obj.refresh_from_db()
    return {k: before[k] for k in changed}, {k: after[k] for k in changed}


@transaction.atomic
def create_insight(
    *,
    actor: User,
    product: Product,
    title: str,
    date: Any = None,
    source: str = "",
    finding: str = "",
    evidence_url: str = "",
) -> Insight:
    """Refuses everyone but the PM, a blank title and an evidence link that isn't a URL."""
    access.require(actor, Capability.EDIT_VISION, product)
    insight = Insight(
        product=product,
        title=title.strip(),
        date=date or clock.today(),
        source=source.strip(),
        finding=finding,
        evidence_url=evidence_url.strip(),
        created_by=actor,
        created_at=clock.now(),
    )
    insight.full_clean()
    insight.save()
    events.record(
        actor=actor,
        verb="insight.created",
        product=product,
        obj=insight,
        after={k: _plain(getattr(insight, k)) for k in INSIGHT_FIELDS},
    )
    return insight


@transaction.atomic
def update_insight(*, actor: User, insight: Insight, version: int, **changes: Any) -> Insight:
    """Refuses everyone but the PM, invalid values and an edit of an old version."""
    if unknown := set(changes) - set(INSIGHT_FIELDS):
        raise TypeError(f"update_insight cannot change {sorted(unknown)}")
    access.require(actor, Capability.EDIT_VISION, insight)
    before, after = _edit_versioned(insight, version=version, changes=changes)
    if after:
        events.record(
            actor=actor,
            verb="insight.updated",
            product=insight.product_id,
            obj=insight,
            before=before,
            after=after,
        )
    return insight


@transaction.atomic
def link_insight(
    *, actor: User, insight: Insight, epic: Epic | None = None, story: Story | None = None
) -> Insight:
    """Refuses everyone but the PM, and an epic or story of another product."""
    access.require(actor, Capability.EDIT_VISION, insight)
    if epic is None and story is None:
        raise ValidationError(_("Choose an epic or a story."))
    _check_belongs(insight.product_id, epic=epic, story=story)
    linked = {}
    if epic is not None and not insight.epics.filter(pk=epic.pk).exists():
        insight.epics.add(epic)
        linked["epic"] = epic.pk
    if story is not None and not insight.stories.filter(pk=story.pk).exists():
        insight.stories.add(story)
        linked["story"] = story.pk
    if linked:
        events.record(
            actor=actor,
            verb="insight.linked",
            product=insight.product_id,
            obj=insight,
            after=linked,
        )
    return insight


@transaction.atomic
def unlink_insight(
    *, actor: User, insight: Insight, epic: Epic | None = None, story: Story | None = None
) -> Insight:
    """Refuses everyone but the PM, and an epic or story of another product."""
    access.require(actor, Capability.EDIT_VISION, insight)
    if epic is None and story is None:
        raise ValidationError(_("Choose an epic or a story."))
    _check_belongs(insight.product_id, epic=epic, story=story)
    unlinked = {}
    if epic is not None and insight.epics.filter(pk=epic.pk).exists():
        insight.epics.remove(epic)
        unlinked["epic"] = epic.pk
    if story is not None and insight.stories.filter(pk=story.pk).exists():
        insight.stories.remove(story)
        unlinked["story"] = story.pk
    if unlinked:
        events.record(
            actor=actor,
            verb="insight.unlinked",
            product=insight.product_id,
            obj=insight,
            before=unlinked,
        )
    return insight


def _check_visibility(visibility: str) -> None:
    if visibility not in UpdateVisibility.values:
        raise ValidationError({"visibility": _("Choose internal or public.")})


@transaction.atomic
def create_update(
    *,
    actor: User,
    product: Product,
    title: str,
    body: str = "",
    visibility: str = UpdateVisibility.INTERNAL,
) -> ProductUpdate:
    """Refuses everyone but the PM and a blank title. The update starts as a draft."""
    access.require(actor, Capability.EDIT_VISION, product)
    _check_visibility(visibility)
    update = ProductUpdate(
        product=product,
        title=title.strip(),
        body=body,
        visibility=visibility,
        status=UpdateStatus.DRAFT,
        created_by=actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    update.full_clean()
    update.save()
    events.record(
        actor=actor,
        verb="update.created",
        product=product,
        obj=update,
        after={"title": update.title, "visibility": visibility},
    )
    return update


@transaction.atomic
def edit_update(
    *, actor: User, update: ProductUpdate, version: int, **changes: Any
) -> ProductUpdate:
    """Refuses everyone but the PM, invalid values and an edit of an old version."""
    if unknown := set(changes) - set(UPDATE_FIELDS):
        raise TypeError(f"edit_update cannot change {sorted(unknown)}")
    access.require(actor, Capability.EDIT_VISION, update)
    if "visibility" in changes:
        _check_visibility(changes["visibility"])
    before, after = _edit_versioned(
        update, version=version, changes=changes, updated_at=clock.now()
    )
    if after:
        # The body is long: the log keeps which fields changed, and the new title and
        # visibility, not every version of the text.
        events.record(
            actor=actor,
            verb="update.edited",
            product=update.product_id,
            obj=update,
            before={k: v for k, v in before.items() if k != "body"},
            after={k: v for k, v in after.items() if k != "body"} | {"fields": sorted(after)},
        )
    return update


@transaction.atomic
def publish_update(*, actor: User, update: ProductUpdate) -> ProductUpdate:
    """Refuses everyone but the PM and an update with nothing written in it."""
    access.require(actor, Capability.EDIT_VISION, update)
    if not update.body.strip():
        raise ValidationError({"body": _("Write the update before publishing it.")})
    now = clock.now()
    # Conditional on the draft state: a double click publishes once, with one event.
    if ProductUpdate.objects.filter(pk=update.pk, status=UpdateStatus.DRAFT).update(
        status=UpdateStatus.PUBLISHED, published_at=now
    ):
        update.refresh_from_db()
        events.record(
            actor=actor,
            verb="update.published",
            product=update.product_id,
            obj=update,
            before={"status": UpdateStatus.DRAFT},
            after={
                "status": UpdateStatus.PUBLISHED,
                "visibility": update.visibility,
                "published_at": now.isoformat(),
            },
        )
    else:
        update.refresh_from_db()
    return update


@transaction.atomic
def unpublish_update(*, actor: User, update: ProductUpdate) -> ProductUpdate:
    """Refuses everyone but the PM. The update becomes a draft again, off the changelog."""
    access.require(actor, Capability.EDIT_VISION, update)
    if ProductUpdate.objects.filter(pk=update.pk, status=UpdateStatus.PUBLISHED).update(
        status=UpdateStatus.DRAFT, published_at=None
    ):
        before = {"status": UpdateStatus.PUBLISHED, "published_at": _plain(update.published_at)}
        update.refresh_from_db()
        events.record(
            actor=actor,
            verb="update.unpublished",
            product=update.product_id,
            obj=update,
            before=before,
            after={"status": UpdateStatus.DRAFT},
        )
    else:
        update.refresh_from_db()
    return update


@transaction.atomic
def draft_release_notes(
    *, actor: User, product: Product, sprint_id: int | None = None, release: Release | None = None
) -> ProductUpdate:
    """A draft, internal update listing the stories done in a sprint or a release, by kind.

    Refuses everyone but the PM, a sprint or release of another product, both or neither,
    and a sprint or release with no done story."""
    access.require(actor, Capability.EDIT_VISION, product)
    if (sprint_id is None) == (release is None):
        raise ValidationError(_("Choose a sprint or a release."))
    stories = Story.objects.filter(product=product)
    if release is not None:
        _check_belongs(product, release=release)
        stories, name, source = (
            stories.filter(release=release),
            release.name,
            {"release": release.pk},
        )
    else:
        sprint = sprint_model().objects.filter(pk=sprint_id, team__product=product).first()
        if sprint is None:
            raise ValidationError({"sprint": _("Choose a sprint of this product.")})
        stories, name, source = (
            stories.filter(sprint_id=sprint_id),
            sprint.name,
            {"sprint": sprint_id},
        )
    done = list(stories.done().order_by("rank").values_list("kind", "title"))
    if not done:
        raise ValidationError(_("No story is done there yet: there is nothing to announce."))
    update = ProductUpdate(
        product=product,
        title=_("Release notes: %(name)s") % {"name": name},
        body=release_notes_body(done),
        visibility=UpdateVisibility.INTERNAL,
        status=UpdateStatus.DRAFT,
        created_by=actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    update.full_clean()
    update.save()
    events.record(
        actor=actor,
        verb="update.created",
        product=product,
        obj=update,
        after={"title": update.title, "visibility": update.visibility, "stories": len(done)}
        | source,
    )
    return update


@transaction.atomic
def import_stories(*, actor: User, product: Product, stories: list[dict[str, Any]]) -> list[Story]:
    """Create every story at the bottom of the backlog, in order, or none: refuses (and
    writes nothing) when any row is refused, naming the row."""
    created = []
    # Line numbers of the file: its first line names the columns.
    for line, fields in enumerate(stories, start=2):
        try:
            created.append(create_story(actor=actor, product=product, **fields))
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
            actor=actor,
            verb="story.labelled",
            product=story.product_id,
            team=story.team_id,
            sprint_id=story.sprint_id,
            obj=story,
            after={"label": label.name},
        )
    return story


@transaction.atomic
def delete_story(*, actor: User, story: Story) -> None:
    """Refuses anyone but the story's Product Owner (ACCEPT_STORY). The event keeps the
    story's last values, since the row goes."""
    access.require(actor, Capability.ACCEPT_STORY, story)
    events.record(
        actor=actor,
        verb="story.deleted",
        product=story.product_id,
        team=story.team_id,
        sprint_id=story.sprint_id,
        obj=story,
        before=_snapshot(story, (*EDITABLE_FIELDS, "status", "rank")),
    )
    story.delete()


BULK_ACTIONS = ("epic", "team", "release", "label", "top", "bottom", "delete")


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
            move_story(actor=actor, story=story, position="top")
    elif action == "bottom":
        for story in ordered:
            move_story(actor=actor, story=story, position="bottom")
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
