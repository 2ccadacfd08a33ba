"""Texts of the generated factory count in English: the controller's description (ADF Studio, out/<factory>/README.md)
and the message a worker fails with at its request cap."""

from __future__ import annotations

import json
import re

import pytest
import yaml

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


@pytest.mark.parametrize("cap", [1, 2])
def test_the_request_cap_message_counts_pages_in_english(tmp_path, cap):
    path = _spec(tmp_path, 60, 1, 1)
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["apis"][0]["pagination"]["max_requests"] = cap
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    (build,) = build_factories([path])
    text = build.files["pipeline/pl_p_e0.json"].decode("utf-8")
    (shown,) = set(re.findall(r"request cap of (\d+ pages?) \(max_requests\)", text))
    assert shown == (f"{cap} page" if cap == 1 else f"{cap} pages")
