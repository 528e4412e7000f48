"""Phone numbers: one storage format (E.164) for people and counters, read as people write them."""

import pytest

from continuite.core.phones import display_phone, normalize_phone, stored_phone, tel_target


@pytest.mark.parametrize(
    ("text", "departement", "expected"),
    [
        ("04 72 00 00 01", "69", "+33472000001"),
        ("0690 12 34 56", "971", "+590690123456"),
        ("+33 6 12 34 56 78", "", "+33612345678"),
    ],
)
def test_numbers_are_read_in_their_territory_and_stored_in_e164(text, departement, expected):
    assert normalize_phone(text, departement_code=departement) == expected
    assert stored_phone(text, departement_code=departement) == expected


def test_a_text_that_is_not_a_number_is_kept_as_given_and_has_no_tel_link():
    assert stored_phone("  Standard :   39 39 ") == "Standard : 39 39"
    assert display_phone("Standard : 39 39") == "Standard : 39 39"
    assert tel_target("Standard : 39 39") == ""
    assert stored_phone("   ") == ""


def test_a_stored_number_is_shown_in_national_format_and_dialled_in_e164():
    assert display_phone("+33472000001") == "04 72 00 00 01"
    assert tel_target("+33472000001") == "+33472000001"
