"""Phone numbers of people, read in their territory's numbering plan and stored in E.164."""

import phonenumbers

# Overseas territories have their own numbering plans (0690... is a Guadeloupe mobile).
_REGIONS = {
    "971": "GP",
    "972": "MQ",
    "973": "GF",
    "974": "RE",
    "975": "PM",
    "976": "YT",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}


def region_of(departement_code: str) -> str:
    return _REGIONS.get(departement_code, "FR")


def normalize_phone(text: str, *, departement_code: str = "") -> str | None:
    """The number in E.164 (+33612345678) when it is a valid French or overseas number, else None."""
    for region in dict.fromkeys([region_of(departement_code), "FR", *_REGIONS.values()]):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) in (
            "FR",
            *_REGIONS.values(),
        ):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def display_phone(e164: str) -> str:
    """A stored number as people read it: national format at home, international otherwise."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
