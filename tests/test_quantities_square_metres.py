"""The quantity reader normalises areas to km² (unit:KiloM2), whatever unit the text prints them in:
平方公里 and 平方千米 are km² already, 平方米 (m²) is divided by 10⁶ (2.5万平方米 → 0.025)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from towncase import quantities


@pytest.mark.parametrize(("written", "km2"), [
    ("2.5万平方米", Decimal("0.025")),      # the copper complex, Diankou other sources S4
    ("500平方米", Decimal("0.0005")),
    ("超3000平方米", Decimal("0.003")),
    ("176.43平方公里", Decimal("176.43")),  # km² stays as printed
    ("105.7平方千米", Decimal("105.7")),
])
def test_areas_are_read_in_square_kilometres(written, km2):
    assert quantities.value(written) == km2


def test_a_square_metre_qualifier_still_sets_the_comparator():
    assert quantities.comparator("超3000平方米") == "more-than"
    assert quantities.comparator("约2.5万平方米") == "about"


def test_other_quantities_are_not_scaled():
    assert quantities.value("2.5万人") == Decimal("25000")
    assert quantities.value("10.2263万") == Decimal("102263")
