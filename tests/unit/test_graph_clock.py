"""The viewers' local time: read from the data unless the settings pin it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hausgraph.runtime import graph_params
from hausgraph.settings import Settings


def test_the_offset_is_read_from_the_data_unless_the_settings_pin_it():
    assert graph_params(Settings(_env_file=None)).households.network.infer_local_offset
    hp = graph_params(Settings(_env_file=None, local_offset_hours=-5)).households
    assert (hp.network.local_offset_hours, hp.network.infer_local_offset) == (-5, False)
    assert hp.cgnat_day_start_hour == 9  # 04:00 local, as 03:00 UTC is in Central Europe


def test_an_offset_off_the_globe_is_refused():
    with pytest.raises(ValidationError):
        Settings(_env_file=None, local_offset_hours=15)
