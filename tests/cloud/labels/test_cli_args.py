"""The CLI's choices are the label package's own (kept apart so that `txng` starts fast)."""

from cloud.labels.cli_args import OUTPUTS, SYMBOLOGIES
from cloud.labels.service import Output
from cloud.labels.symbols import Symbology


def test_cli_choices_match_the_symbologies_and_outputs():
    assert tuple(s.value for s in Symbology) == SYMBOLOGIES
    assert tuple(o.value for o in Output) == OUTPUTS
