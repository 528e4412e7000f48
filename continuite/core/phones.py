"""Phone numbers of people and counters, read in their territory's numbering plan.

One storage format, E.164 (+33612345678), for people and counters alike; pages show numbers in
the national format people read (`display_phone`), and tel: links take the E.164 form.
A counter's number that does not parse (a short number, text) is kept as it was given.
"""

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


def stored_phone(text: str, *, departement_code: str = "") -> str:
    """What is stored for a number given as text: E.164 when it parses, else the text as given
    (spaces collapsed), so that nothing typed or imported is lost."""
    text = " ".join(text.split())
    if not text:
        return ""
    return normalize_phone(text, departement_code=departement_code) or text


def display_phone(stored: str) -> str:
    """A stored number as people read it (national format); a text that is not E.164, as it is."""
    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def tel_target(stored: str) -> str:
    """The number a tel: link dials (E.164), or "" when the stored text is not a number."""
    return normalize_phone(stored) or "" if stored else ""
