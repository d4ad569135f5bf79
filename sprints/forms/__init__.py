"""The sprints app's forms, by concept: planning, the board and acceptance (``board.py``),
and the Scrum events (``ceremonies.py``)."""

from __future__ import annotations

from sprints.forms.board import *  # noqa: F403
from sprints.forms.ceremonies import *  # noqa: F403
