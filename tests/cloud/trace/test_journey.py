"""The consumer page's journey from the facts' rows is the story's journey, stage for stage."""

import random

import pytest

from cloud.trace.journey import Stage, journey, page_journey
from cloud.trace.story import public_story, verdicts_of
from tests.cloud.trace.random_facts import random_page


@pytest.mark.parametrize("seed", range(400))
def test_page_journey_is_the_storys_journey(seed):
    row, facts = random_page(random.Random(seed))
    story, verdicts = public_story(facts)
    names = {"site_name": row["site_name"], "origin_name": row["origin_name"]}
    expected = [Stage(**j.model_dump()) for j in journey(story, verdicts, **names)]
    stages = page_journey(facts.steps, facts.inputs, verdicts_of(facts), batch=row)
    assert stages == expected


def test_the_random_pages_reach_every_kind_of_stage():
    """Not vacuous: the seeds above make every kind and verdict, and pages without a journey."""
    kinds, verdicts, empty = set(), set(), 0
    for seed in range(400):
        row, facts = random_page(random.Random(seed))
        stages = page_journey(facts.steps, facts.inputs, verdicts_of(facts), batch=row)
        kinds |= {s.kind for s in stages}
        verdicts |= {s.verdict for s in stages}
        empty += not stages
    every = {"harvest", "processing", "packing", "cold_storage", "shipping", "arrival", "step"}
    assert kinds == every
    assert verdicts == {None, "ok", "excursion", "no_readings"} and empty > 0
