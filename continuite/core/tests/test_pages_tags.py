"""The template pieces every page shares: breadcrumb, table frame, percentage."""

import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source: str, **context) -> str:
    return Template("{% load pages %}" + source).render(Context(context))


def test_the_breadcrumb_links_each_parent_and_marks_the_current_page():
    html = render('{% breadcrumb "/a/" "A" "/b/" "B" current="C" %}')
    assert '<a class="fr-breadcrumb__link" href="/a/">A</a>' in html
    assert '<a class="fr-breadcrumb__link" href="/b/">B</a>' in html
    assert '<a class="fr-breadcrumb__link" aria-current="page">C</a>' in html


def test_a_breadcrumb_with_a_url_and_no_label_is_refused():
    with pytest.raises(TemplateSyntaxError):
        render('{% breadcrumb "/a/" current="C" %}')


def test_the_table_draws_caption_heads_and_rows():
    html = render(
        '{% table "Cap" "One" "Two" id="t" caption_class="fr-sr-only" %}'
        "{% for x in xs %}<tr><td>{{ x }}</td></tr>{% endfor %}{% endtable %}",
        xs=["<b>"],
    )
    assert '<table id="t">' in html and '<caption class="fr-sr-only">Cap</caption>' in html
    assert '<th scope="col">One</th><th scope="col">Two</th>' in html
    assert "<td>&lt;b&gt;</td>" in html


def test_an_empty_table_says_so_across_every_column():
    html = render('{% table "Cap" "One" "Two" empty="Nothing." %}{% endtable %}')
    assert '<td colspan="2">Nothing.</td>' in html


def test_the_managers_column_shows_only_when_asked():
    source = '{% table "Cap" "One" extra_column="Actions" extra_if=manage %}{% endtable %}'
    assert "Actions" in render(source, manage=True)
    assert "Actions" not in render(source, manage=False)


def test_an_unknown_table_option_is_refused():
    with pytest.raises(TemplateSyntaxError):
        render('{% table "Cap" "One" colour="red" %}{% endtable %}')


def test_a_percentage_is_shown_with_its_sign_or_a_dash():
    assert render("{{ a|percent }} {{ b|percent }}", a=83.5, b=None) == "83,5 % —"
