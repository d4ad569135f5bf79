from __future__ import annotations

from collections.abc import Iterator

import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    # The in-memory layer keeps its groups for the process: each test starts with none.
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}
