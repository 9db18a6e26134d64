import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Site

from themes.colours import contrast_ratio, validate_colour_on_white
from themes.models import ThemeSettings
from themes.templatetags.meydan_theme import safe_colour


def test_contrast_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("colour", ["#1d4e89", "#000000", "#767676", "#8a3b12"])
def test_readable_colours_are_accepted(colour):
    validate_colour_on_white(colour)


@pytest.mark.parametrize("colour", ["#ffff00", "#777777", "#ffffff", "#00ff00"])
def test_colours_below_aa_on_white_are_refused(colour):
    with pytest.raises(ValidationError) as error:
        validate_colour_on_white(colour)
    assert error.value.code == "low_contrast"


@pytest.mark.parametrize("value", ["red", "#fff", "#12345g", "", "#123456;}body{display:none", "</style><script>"])
def test_malformed_colours_are_refused(value):
    with pytest.raises(ValidationError):
        validate_colour_on_white(value)


def test_only_hex_colours_reach_the_style_block():
    assert safe_colour("#123456") == "#123456"
    assert safe_colour("red;}</style><script>alert(1)</script>") == "#1d4e89"


@pytest.mark.django_db
def test_theme_settings_shape_every_page(client, home_site):
    theme = ThemeSettings.for_site(Site.objects.get(is_default_site=True))
    theme.site_name = "Kadıköy Katılım"
    theme.primary_colour = "#0b5345"
    theme.contact_email = "katilim@kadikoy.example"
    theme.footer_links = [("link", {"label": "Gizlilik", "page": None, "url": "https://kadikoy.example/kvkk"})]
    theme.full_clean()
    theme.save()
    page = client.get("/").content.decode()
    assert "Kadıköy Katılım" in page
    assert "/theme.css?v=0b5345" in page
    assert "--primary: #0b5345" in client.get("/theme.css").content.decode()
    assert 'href="https://kadikoy.example/kvkk"' in page
    assert "katilim@kadikoy.example" in page


@pytest.mark.django_db
def test_a_colour_stored_behind_the_validator_cannot_break_out(client, home_site):
    theme = ThemeSettings.for_site(Site.objects.get(is_default_site=True))
    ThemeSettings.objects.filter(pk=theme.pk).update(primary_colour="x</style><script>alert(1)</script>"[:7])
    assert "--primary: #1d4e89" in client.get("/theme.css").content.decode()


@pytest.mark.django_db
def test_base_template_has_landmarks_and_skip_link(client, home_site):
    page = client.get("/").content.decode()
    for fragment in ('class="skip-link" href="#main"', '<main id="main"', "<header", "<footer", "<nav",
                     'name="language"', "print.css"):
        assert fragment in page


@pytest.mark.django_db
def test_pages_load_nothing_from_other_hosts(client, home_site):
    import re

    page = client.get("/").content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not url.startswith(("http://", "https://", "//")) or "kadikoy" in url, url
    assert "script-src 'self'" in client.get("/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_have_no_inline_style_or_script_and_the_policy_allows_none(client, home_site):
    response = client.get("/")
    content = response.content.decode()
    assert "<style" not in content and "<script>" not in content and " style=" not in content
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy and "nonce" not in policy
