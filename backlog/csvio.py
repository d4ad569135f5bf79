"""The backlog as CSV: written with the page's filters, read back all or nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from backlog.models import POINTS, StoryKind
from core import clock
from core.fields import MARKDOWN_MAX_LENGTH
from products.models import Product

COLUMNS = [
    "id", "position", "title", "kind", "points", "status", "ready", "team", "epic",
    "release", "assignee", "labels", "description", "acceptance_criteria",
]  # fmt: skip
# What an import reads; the other columns of an export are ignored, so a file exported,
# edited and imported again adds its rows as new stories.
IMPORTED = ["title", "kind", "points", "team", "epic", "release", "labels", "description",
            "acceptance_criteria"]  # fmt: skip
# Several labels share one cell, separated by semicolons (label names may hold commas).
LABEL_SEPARATOR = ";"
MAX_ROWS = 5000
# A cell that starts with one of these is a formula to a spreadsheet (=cmd|' /C calc'!A0,
# +1+1, @SUM(1+1), -2+3; a tab or carriage return may hide one). The export prefixes such a
# cell with an apostrophe, as OWASP advises ("CSV Injection"), which spreadsheets show as
# text; the import removes exactly that apostrophe again, so exporting and importing a
# backlog gives back the same text. A cell that already starts with apostrophes before one
# of these gets one more, so that one written so by a user survives the round trip too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: str) -> str:
    """The cell as exported: a formula's start made text."""
    return QUOTE + value if value.lstrip(QUOTE).startswith(FORMULA_START) else value


def restore(value: str) -> str:
    """The cell as imported: the export's apostrophe removed, nothing else."""
    if value.startswith(QUOTE) and value.lstrip(QUOTE).startswith(FORMULA_START):
        return value[1:]
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def download(product: Product, stories: Any) -> StreamingHttpResponse:
    """The stories as a CSV file named after the product and the day, streamed (100,000
    rows fit): the page's export and the API's."""
    response = StreamingHttpResponse(rows(stories), content_type="text/csv; charset=utf-8")
    name = f"{product.slug}-backlog-{clock.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def rows(stories: Any) -> Iterator[str]:
    """CSV lines of the stories, streamed in rank order without loading them all."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    # The labels are prefetched per chunk of the iterator: one query per 2,000 rows.
    queryset = (
        stories.select_related("status", "team", "epic", "release", "assignee")
        .prefetch_related("labels")
        .order_by("rank")
    )
    for position, story in enumerate(queryset.iterator(chunk_size=2000), start=1):
        yield writer.writerow(
            [
                story.pk,
                position,
                *map(
                    neutralise,
                    [
                        story.title,
                        story.kind,
                        "" if story.points is None else str(story.points),
                        story.status.name,
                        "yes" if story.ready else "no",
                        story.team.name if story.team else "",
                        story.epic.title if story.epic else "",
                        story.release.name if story.release else "",
                        story.assignee.username if story.assignee else "",
                        f"{LABEL_SEPARATOR} ".join(label.name for label in story.labels.all()),
                        story.description,
                        story.acceptance_criteria,
                    ],
                ),
            ]
        )


@dataclass
class Parsed:
    stories: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse(product: Product, data: bytes) -> Parsed:
    """Every row checked; the rows as create_story arguments, or the reasons they are wrong."""
    out = Parsed()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        out.errors.append((0, _("The file is not UTF-8 text.")))
        return out
    if "\x00" in text:
        out.errors.append((0, _("The file holds a NUL character: it is not a text file.")))
        return out
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "title" not in reader.fieldnames:
        out.errors.append((1, _("The first line must name the columns, with at least title.")))
        return out
    teams = {t.name.casefold(): t for t in product.teams.all()}
    teams |= {t.slug: t for t in teams.values()}
    epics = {e.title.casefold(): e for e in product.epics.all()}
    releases = {r.name.casefold(): r for r in product.releases.all()}
    labels = {label.name.casefold(): label for label in product.labels.all()}
    kinds = {k.value: k.value for k in StoryKind} | {
        str(k.label).casefold(): k.value for k in StoryKind
    }
    try:
        _parse_rows(out, reader, teams, epics, releases, labels, kinds)
    except csv.Error:
        # A cell past the csv module's field size limit (131,072 characters) or a quote
        # left open: the line the reader stopped at, not a server error.
        out.errors.append(
            (
                reader.line_num,
                _("This line is not valid CSV: a cell is too long or a quote is left open."),
            )
        )
    if not out.stories and not out.errors:
        out.errors.append((2, _("The file has no story.")))
    return out


def _parse_rows(
    out: Parsed,
    reader: csv.DictReader[str],
    teams: dict[str, Any],
    epics: dict[str, Any],
    releases: dict[str, Any],
    labels: dict[str, Any],
    kinds: dict[str, str],
) -> None:
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            out.errors.append((number, _("At most %(max)d rows at a time.") % {"max": MAX_ROWS}))
            break
        row = {k: restore((v or "").strip()) for k, v in row.items() if k}
        problems = []
        title = row.get("title", "")
        if not title:
            problems.append(_("the title is missing"))
        elif len(title) > 200:
            problems.append(_("the title is longer than 200 characters"))
        for name in ("description", "acceptance_criteria"):
            if len(row.get(name, "")) > MARKDOWN_MAX_LENGTH:
                problems.append(
                    _("the %(what)s is longer than %(max)d characters")
                    % {"what": name, "max": MARKDOWN_MAX_LENGTH}
                )
        kind = kinds.get(row.get("kind", "").casefold() or "story")
        if kind is None:
            problems.append(_("unknown kind “%(value)s”") % {"value": row["kind"]})
        points = None
        if row.get("points"):
            try:
                points = int(row["points"])
            except ValueError:
                points = -1
            if points not in POINTS:
                problems.append(
                    _("points “%(value)s” is not one of 0, 1, 2, 3, 5, 8, 13, 20, 40, 100")
                    % {"value": row["points"]}
                )
        found = {}
        for name, known in (("team", teams), ("epic", epics), ("release", releases)):
            value = row.get(name, "")
            found[name] = known.get(value.casefold()) if value else None
            if value and found[name] is None:
                problems.append(_("unknown %(what)s “%(value)s”") % {"what": name, "value": value})
        found_labels = []
        for name in filter(None, (n.strip() for n in row.get("labels", "").split(LABEL_SEPARATOR))):
            label = labels.get(name.casefold())
            if label is None:
                problems.append(_("unknown label “%(value)s”") % {"value": name})
            elif label not in found_labels:
                found_labels.append(label)
        if problems:
            out.errors.append((number, "; ".join(problems)))
            continue
        out.stories.append(
            {
                "title": title,
                "kind": kind,
                "points": points,
                "description": row.get("description", ""),
                "acceptance_criteria": row.get("acceptance_criteria", ""),
                "labels": found_labels,
                **found,
            }
        )
