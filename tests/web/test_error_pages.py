"""HTML error pages in the visitor's language (issue 12).

A browser's error page follows the language the pages would have (``?lang=``, the
``lang`` cookie, ``Accept-Language``: :mod:`api.web.render`): title, explanation
and link labels; the machine-readable bodies (JSON, text) stay as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.web.app import create_app
from api.web.errors import error_response

from .conftest import make_settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
UNKNOWN = "/id/organisation/nemoo"  # no such entity; "nemo" is the suggestion
MALFORMED = "/id/organisation/NEMO"  # outside the slug grammar: 400
DUTCH = {
    "query": ({"lang": "nl"}, {}),
    "cookie": ({}, {"Cookie": "lang=nl"}),
    "accept-language": ({}, {"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"}),
}


def get(client: TestClient, path: str, params: dict | None = None, **headers: str):
    """``path`` as a browser asks for it, with no language remembered from before."""
    client.cookies.clear()
    return client.get(path, params=params, headers={"Accept": BROWSER, **headers})


def main(page: str) -> str:
    return page.split('<main id="main">')[1].split("</main>")[0]


def vary(response) -> set[str]:
    return {v.strip() for v in response.headers["vary"].split(",")}


# --- 404 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", DUTCH)
def test_not_found_page_in_dutch(client: TestClient, how: str) -> None:
    params, headers = DUTCH[how]
    r = get(client, UNKNOWN, params, **headers)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in r.text
    body = main(r.text)
    assert "<h1>Niet gevonden</h1>" in body
    assert "Niets in de kennisgraaf wordt beschreven door" in body
    assert "Bedoelde je:" in body and 'href="http://testserver/id/organisation/nemo"' in body
    assert ">Zoek in de kennisgraaf</label>" in body and ">Zoeken</button>" in body
    assert ">vocabulaires</a>" in body and ">ontologie</a>" in body
    assert "Did you mean" not in body and "Search the knowledge graph" not in body
    # the message, written for every client, stays English and says so
    assert '<span lang="en">The knowledge graph has no description of' in body
    assert {"Accept", "Accept-Language", "Cookie"} <= vary(r)
    assert 'hreflang="en"' in r.text  # the switch back to English


def test_not_found_page_in_english(client: TestClient) -> None:
    for params, headers in (({}, {}), ({"lang": "en"}, {"Cookie": "lang=nl"})):
        r = get(client, UNKNOWN, params, **headers)
        assert r.status_code == 404 and '<html lang="en">' in r.text
        body = main(r.text)
        assert "<h1>Not found</h1>" in body and "Did you mean:" in body
        assert ">Search the knowledge graph</label>" in body and ">vocabularies</a>" in body


def test_lang_parameter_is_remembered_from_an_error_page(client: TestClient) -> None:
    r = get(client, UNKNOWN, {"lang": "nl"})
    assert "lang=nl" in r.headers["set-cookie"]
    again = client.get("/id/organisation/nobody", headers={"Accept": BROWSER})
    assert again.status_code == 404 and '<html lang="nl">' in again.text


def test_json_and_text_errors_do_not_change_with_the_language(client: TestClient) -> None:
    english = client.get(UNKNOWN, headers={"Accept": "application/json"}).json()
    for params, headers in DUTCH.values():
        client.cookies.clear()
        r = client.get(UNKNOWN, params=params, headers={"Accept": "application/json", **headers})
        assert r.status_code == 404 and r.json() == english
        assert english["error"] == "not-found"
        assert english["message"].startswith("The knowledge graph has no description")
        plain = client.get(MALFORMED, params=params, headers={"Accept": "text/plain", **headers})
        assert plain.status_code == 400 and plain.text.startswith("malformed-path: path segment")


# --- 400 and the other statuses --------------------------------------------------------------
@pytest.mark.parametrize("how", DUTCH)
@pytest.mark.parametrize(
    ("path", "query"),
    [(MALFORMED, {}), ("/search", {"page": "0"}), ("/id/recommendation", {"page": "x"})],
)
def test_bad_request_page_in_dutch(client: TestClient, path: str, query: dict, how: str) -> None:
    params, headers = DUTCH[how]
    r = get(client, path, {**query, **params}, **headers)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in r.text
    body = main(r.text)
    assert "<h1>Ongeldig verzoek</h1>" in body
    assert "Het verzoek is niet te begrijpen" in body
    assert "Toelichting (Engels):" in body
    english = get(client, path, query)
    assert '<html lang="en">' in english.text and "<h1>Bad request</h1>" in english.text


def test_method_not_allowed_and_not_acceptable_in_dutch(client: TestClient) -> None:
    client.cookies.clear()
    r = client.post("/id/organisation/nemo?lang=nl", headers={"Accept": BROWSER})
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    assert '<html lang="nl">' in r.text and "<h1>Methode niet toegestaan</h1>" in r.text
    r = get(client, "/id/organisation/nemo", {"format": "xyz"}, **{"Accept-Language": "nl"})
    assert r.status_code == 406 and '<html lang="nl">' in r.text
    body = main(r.text)
    assert "<h1>Formaat niet beschikbaar</h1>" in body and "Deze bron is beschikbaar als:" in body
    assert 'href="http://testserver/id/organisation/nemo.ttl"' in body  # the alternates


def test_request_too_large_in_dutch(store_dir: Path) -> None:
    """The request guard (middleware) answers before any route, in the same language."""
    app = create_app(make_settings(store_dir, max_request_bytes=64))
    with TestClient(app) as c:
        r = c.post(
            "/sparql",
            content=b"ASK {}" + b" " * 200,
            headers={
                "Accept": BROWSER,
                "Accept-Language": "nl",
                "Content-Type": "application/sparql-query",
            },
        )
    assert r.status_code == 413 and '<html lang="nl">' in r.text
    assert "<h1>Verzoek te groot</h1>" in r.text


def _request(lang_header: str) -> Request:
    """A bare request as a browser in ``lang_header`` sends it (no app behind it)."""
    return Request(
        {
            "type": "http",
            "app": None,
            "method": "GET",
            "scheme": "http",
            "server": ("testserver", 80),
            "path": "/sparql",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"testserver"),
                (b"accept", BROWSER.encode()),
                (b"accept-language", lang_header.encode()),
            ],
        }
    )


@pytest.mark.parametrize(
    ("status", "code", "english", "dutch"),
    [
        (403, "service-not-allowed", "Not allowed", "Niet toegestaan"),
        (408, "request-timeout", "Request timeout", "Verzoek verlopen"),
        (415, "unsupported-media-type", "Unsupported media type", "Mediatype niet ondersteund"),
        (429, "too-many-queries", "Too many requests", "Te veel verzoeken"),
        (500, "internal-error", "Internal error", "Interne fout"),
        (503, "store-unavailable", "Service unavailable", "Dienst niet beschikbaar"),
        (504, "query-timeout", "Timeout", "Time-out"),
        (507, "query-memory-limit", "Too much memory", "Te veel geheugen"),
        (418, "http-error", "Error", "Fout"),  # a status without its own text: the generic one
    ],
)
def test_every_status_has_its_page_in_both_languages(
    status: int, code: str, english: str, dutch: str
) -> None:
    headers = {"Retry-After": "5"} if status in (429, 503) else None
    for accept_language, lang, title in (("en", "en", english), ("nl", "nl", dutch)):
        r = error_response(_request(accept_language), status, code, "A message.", headers=headers)
        page = bytes(r.body).decode()
        assert r.status_code == status and r.media_type == "text/html"
        assert f'<html lang="{lang}">' in page and f"<h1>{title}</h1>" in page
        assert '<span lang="en">A message.</span>' in page
        if headers:
            retry = "Try again in 5 seconds." if lang == "en" else "Probeer het over 5 seconden"
            assert retry in page and r.headers["retry-after"] == "5"
        titles = re.findall(r"<title>([^<]*)</title>", page)
        assert titles and titles[0].startswith(title)


def test_odd_language_input_is_no_error(client: TestClient) -> None:
    for params, headers in (
        ({"lang": "<script>"}, {}),
        ({}, {"Cookie": 'lang="nl\\"; x'}),
        ({}, {"Accept-Language": "nl;q=abc, *;q=-1, ;;;"}),
    ):
        r = get(client, UNKNOWN, params, **headers)
        assert r.status_code == 404 and "<script>" not in main(r.text), (params, headers)
        assert re.search(r'<html lang="(en|nl)">', r.text)
