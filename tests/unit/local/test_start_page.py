"""The local start page lists the operator console first, and how to sign in to it."""

from __future__ import annotations

from local.start_page import start_page_html, start_page_links, start_page_text


def test_the_console_is_the_first_link():
    links = start_page_links("http://127.0.0.1:8080", "ws://127.0.0.1:8080/ocpp", ["/api"])
    assert links[0] == ("Operator console", "http://127.0.0.1:8080/console/")
    assert "http://127.0.0.1:8080/console/" in start_page_text(links)


def test_the_page_names_the_development_operator():
    links = start_page_links("http://127.0.0.1:8080", "ws://127.0.0.1:8080/ocpp", ["/api"])
    page = start_page_html(links, "operator@csms.localhost")
    assert '<a href="http://127.0.0.1:8080/console/">' in page
    assert "Continue as the development operator" in page
    assert "<code>operator@csms.localhost</code>" in page
