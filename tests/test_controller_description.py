"""The controller's description (shown in ADF Studio and out/<factory>/README.md) counts in English."""

from __future__ import annotations

import json
import re

import pytest

from adfgen.build import build_factories
from tests.test_pacing import _spec


@pytest.mark.parametrize("rpm, concurrent, endpoints", [(60, 1, 1), (600, 3, 2), (60, 5, 12), (60, 2, 2)])
def test_counts_read_as_english_whatever_the_numbers(tmp_path, rpm, concurrent, endpoints):
    (build,) = build_factories([_spec(tmp_path, rpm, concurrent, endpoints)])
    controller = json.loads(build.files["pipeline/pl_p_controller.json"])
    text = controller["properties"]["description"]
    assert "(s)" not in text
    workers = re.search(r"(\d+) (workers?) in (\d+) (lanes?|slots?)", text)
    assert workers, text
    for number, noun in ((workers[1], workers[2]), (workers[3], workers[4])):
        assert noun.endswith("s") == (number != "1"), text
    assert int(workers[1]) == endpoints
