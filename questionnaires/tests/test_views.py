"""The HTML side: status codes, the form shown again with the person's input, downloads, the tags."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from questionnaires.models import Response
from questionnaires.services import submit_response

from .conftest import QUESTIONS, full_answers


def url(name, host, object_id=None):
    content_type = ContentType.objects.get_for_model(host)
    return reverse(f"questionnaires:{name}", args=[content_type.pk, object_id or host.pk])


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do


def test_an_answer_is_saved_and_the_reader_goes_back_to_the_page(login, host, alice):
    response = login(alice).post(url("respond", host), full_answers())
    assert response.status_code == 302
    assert response["Location"] == host.get_absolute_url() + "#questionnaire"
    assert Response.objects.get().respondent == alice
    page = login(alice).get(response["Location"])
    assert "your answers have been saved" in page.content.decode()


def test_next_must_stay_on_this_site(login, host, alice):
    data = full_answers(next="https://evil.example/phish")
    assert login(alice).post(url("respond", host), data)["Location"].startswith(host.get_absolute_url())
    data = full_answers(next="/somewhere/?x=1")
    assert login(alice).post(url("respond", host), data)["Location"] == "/somewhere/?x=1#questionnaire"


def test_invalid_answers_show_the_form_again_with_the_input_and_the_errors(login, host, alice):
    submit_response(alice, host, full_answers())
    data = full_answers(**{"q-single": "o2", "q-likert": "9", "q-text": "x" * 25})
    response = login(alice).post(url("respond", host), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a point of the scale from 1 to 5." in html
    assert "Write at most 20 characters; your text has 25." in html
    assert 'value="o2" checked' in html  # the new choice, not the stored one
    assert "x" * 25 in html  # the typed text is kept
    assert 'href="#q-likert"' in html  # the summary links to the question
    assert Response.objects.get().answers["single"] == "o1"  # nothing stored was lost


def test_answers_to_unknown_questions_get_400(login, host, alice):
    response = login(alice).post(url("respond", host), full_answers(**{"q-injected": "1"}))
    assert response.status_code == 400
    assert "not in this questionnaire" in response.content.decode()
    assert not Response.objects.exists()


def test_a_refusal_gets_its_status_and_keeps_the_written_text(login, host, alice, close):
    close(host)
    response = login(alice).post(url("respond", host), full_answers(**{"q-text": "Keep me"}))
    assert response.status_code == 403
    html = response.content.decode()
    assert "This questionnaire is closed." in html and "Keep me" in html


def test_anonymous_visitors_are_sent_to_log_in(client, host):
    response = client.post(url("respond", host), full_answers())
    assert response.status_code == 403
    assert reverse("accounts:login") in response.content.decode()


def test_unknown_hosts_get_404(login, host, alice, make_user):
    client = login(alice)
    assert client.post(url("respond", host, object_id=999_999), full_answers()).status_code == 404
    user_ct = ContentType.objects.get_for_model(make_user())
    not_a_host = reverse("questionnaires:respond", args=[user_ct.pk, alice.pk])
    assert client.post(not_a_host, full_answers()).status_code == 404
    assert client.post(reverse("questionnaires:respond", args=[987_654, 1]), full_answers()).status_code == 404
    assert client.get(reverse("questionnaires:results", args=[987_654, 1])).status_code == 404


def test_answering_is_post_only(login, host, alice):
    assert login(alice).get(url("respond", host)).status_code == 405


@pytest.mark.parametrize(("value", "status"), [("abc", 400), ("99999999999999999999999", 400), ("1", 403)])
def test_a_forged_organisation_is_refused(login, host, alice, value, status):
    response = login(alice).post(url("respond", host), full_answers(organisation=value))
    assert response.status_code == status
    assert not Response.objects.exists()


def test_answering_for_an_organisation_another_administrator_answered_for_gets_409(login, host, alice, bob, ngo):
    from meydan.accounts.models import Membership

    Membership.objects.create(user=bob, organisation=ngo, role="admin")
    submit_response(alice, host, full_answers(), organisation=ngo)
    response = login(bob).post(url("respond", host), full_answers(organisation=str(ngo.pk)))
    assert response.status_code == 409


def test_withdrawing(login, host, alice, close):
    client = login(alice)
    assert client.post(url("withdraw", host)).status_code == 409
    submit_response(alice, host, full_answers())
    assert client.post(url("withdraw", host)).status_code == 302
    assert not Response.objects.exists()
    submit_response(alice, host, full_answers())
    close(host)
    assert client.post(url("withdraw", host)).status_code == 403
    assert Response.objects.exists()


def test_results_page_and_downloads_follow_the_hosts_rules(login, client, host, alice, official, publish_results):
    submit_response(alice, host, full_answers(**{"q-text": "=1+1"}))
    for name in ("results", "results_csv", "responses_csv"):
        assert client.get(url(name, host)).status_code == 403
        assert login(alice).get(url(name, host)).status_code == 403
    publish_results(host)
    page = login(alice).get(url("results", host))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'role="img"' in html and "<caption>" in html
    assert "=1+1" not in html  # written answers are for the host's staff
    assert login(alice).get(url("results_csv", host)).status_code == 200
    assert login(alice).get(url("responses_csv", host)).status_code == 403

    staff = login(official)
    assert "=1+1" in staff.get(url("results", host)).content.decode()
    download = staff.get(url("responses_csv", host))
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="questionnaire-responses-{ContentType.objects.get_for_model(host).pk}-{host.pk}.csv"'
    )
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    body = download.content.decode("utf-8-sig")
    assert "'=1+1" in body and "alice" not in body.lower()
    # Only the staff download of what people wrote is audited; refused ones and public results are not.
    from wagtail.models import ModelLogEntry

    assert list(ModelLogEntry.objects.filter(action="meydan.export").values_list("user_id", flat=True)) == [official.pk]


def test_the_results_page_query_count_does_not_grow_with_responses(
    login, host, official, django_assert_max_num_queries
):
    from .test_results import make_many

    make_many(host, 50)
    client = login(official)
    client.get(url("results", host))  # warm caches (content types, theme)
    with django_assert_max_num_queries(12) as few:
        client.get(url("results", host))
    make_many(host, 1500)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("results", host))
    assert "1,550 responses" in response.content.decode() or "1550 responses" in response.content.decode()


# The template tags --------------------------------------------------------------------------------


def render(source, request, **context):
    return Template("{% load questionnaire_tags %}" + source).render(Context({"request": request, **context}))


def request_for(user, path="/organisations/x/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def test_the_form_is_accessible_and_prefilled_with_the_stored_answer(host, alice, ngo):
    submit_response(alice, host, full_answers(), organisation=ngo)
    html = render("{% questionnaire_form host request %}", request_for(alice), host=host)
    assert html.count("<fieldset") == 5 and html.count("<legend") == 5
    assert 'name="q-single" value="o1" checked' in html
    assert 'name="q-multi" value="m3" checked' in html
    assert 'name="q-likert" value="4" checked' in html
    assert 'maxlength="20"' in html and "At most 20 characters." in html
    assert ">More benches</textarea>" in html
    assert '<option value="1" selected>1</option>' in html  # Green is ranked first
    assert f'<option value="{ngo.pk}" selected>On behalf of Yeşil Dernek</option>' in html
    assert "Withdraw my answers" in html
    assert "questionnaires/questionnaires.css" in html
    assert "style=" not in html and "<script" not in html


def test_people_without_an_organisation_get_no_organisation_choice(host, bob):
    html = render("{% questionnaire_form host request %}", request_for(bob), host=host)
    assert 'name="organisation"' not in html
    assert "Send my answers" in html


def test_a_closed_questionnaire_shows_why_instead_of_a_form(host, alice, close, anonymous):
    close(host)
    html = render("{% questionnaire_form host request %}", request_for(alice), host=host)
    assert "This questionnaire is closed." in html and "<form" not in html
    html = render("{% questionnaire_form host request %}", request_for(anonymous), host=host)
    assert "Log in to answer" in html


def test_question_text_from_editors_is_escaped(host, alice):
    QUESTIONS[host.pk] = [
        {
            "type": "single_choice",
            "id": "s",
            "value": {
                "question": "<img src=x onerror=alert(1)>",
                "required": True,
                "options": [
                    {"type": "item", "id": "a", "value": "<b>bold</b>"},
                    {"type": "item", "id": "b", "value": "ok"},
                ],
            },
        }
    ]
    html = render("{% questionnaire_form host request %}", request_for(alice), host=host)
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<b>bold</b>" not in html


def test_the_results_tag_shows_charts_tables_and_texts_only_to_staff(host, alice, official, publish_results):
    submit_response(alice, host, full_answers(**{"q-text": "<script>x</script>"}))
    publish_results(host)
    public = render("{% questionnaire_results host request %}", request_for(alice), host=host)
    assert public.count('role="img"') == 4  # single, multiple, Likert and ranking; text has none
    assert public.count("<caption>") == 5  # every chart has its table, plus the ranking positions
    assert "&lt;script&gt;" not in public
    staff = render("{% questionnaire_results host request %}", request_for(official), host=host)
    assert "&lt;script&gt;x&lt;/script&gt;" in staff and "<script>" not in staff
