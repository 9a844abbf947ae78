"""Item text between storage, the editor and the page: only allowlisted markup survives, text
round-trips through the editor, images point where the caller says."""

import pytest

from hocso.questions import richtext


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<b>đậm</b> \\(a < b\\)", "<b>đậm</b> \\(a &lt; b\\)"),
        ("<script>alert(1)</script>x", "x"),  # a script's text goes with it
        ('<p onclick="x()" style="color:red">a</p>', "<p>a</p>"),
        ('<a href="javascript:x()">link</a>', "link"),
        ("<b>unclosed", "<b>unclosed</b>"),
        ("<i><b>crossed</i></b>", "<i><b>crossed</b></i>"),
        (
            '<table><tr><td colspan="2" rowspan="x">c</td></tr></table>',
            '<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>',
        ),
        ("x &amp; y &lt;z&gt;", "x &amp; y &lt;z&gt;"),
    ],
)
def test_render_keeps_only_allowed_markup(fragment, expected):
    assert richtext.render(fragment) == expected


def test_render_points_images_at_the_given_url_and_drops_unknown_ones():
    def url(name):
        return "/img/a" if name == "a.png" else None

    rendered = richtext.render('<img src="a.png" alt="A" onerror="x()"><img src="b.png">', url)
    # The unknown image keeps no address: nothing is fetched, nothing shows.
    assert rendered == '<img src="/img/a" alt="A" class="img-fluid"><img class="img-fluid">'


@pytest.mark.parametrize(
    "text",
    [
        "x < 3 và y > 2",
        "Dòng 1\nDòng 2",
        "<b>đậm</b> \\(a<b\\)",
        "A & B",
        '<img src="h.png" alt="">',
    ],
)
def test_editor_text_round_trips(text):
    assert richtext.to_editor(richtext.from_editor(text)) == text


def test_from_editor_escapes_what_is_not_an_allowed_tag():
    assert richtext.from_editor('<script>x</script><b onclick="y">z</b>') == (
        "&lt;script&gt;x&lt;/script&gt;<b>z</b>"
    )


def test_image_names_lists_every_src():
    assert richtext.image_names('<p><img src="a.png"> <IMG alt="" src=\'b c.png\'></p>') == [
        "a.png",
        "b c.png",
    ]
