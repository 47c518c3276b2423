"""HTTP/1.1 request framing (RFC 9112): where a request ends, and what is wrong with it."""

from __future__ import annotations

import pytest

from cravat.http.framing import FramingError, RequestFraming, bad_value_char

HEAD = b"POST /v1/secrets HTTP/1.1\r\nHost: a\r\n"


def framing() -> RequestFraming:
    return RequestFraming(max_head=1024, max_body=100)


def test_a_content_length_body_is_complete_at_its_last_byte():
    f = framing()
    f.feed(HEAD + b"Content-Length: 4\r\n\r\nab")
    assert f.head_complete and not f.complete
    f.feed(b"cdGET")  # the next request's first bytes
    assert f.complete and f.buffer[:f.end].endswith(b"abcd")


def test_a_request_without_a_body_is_complete_at_its_blank_line():
    f = framing()
    f.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert f.complete and f.end == len(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")


def test_a_chunked_body_fed_a_byte_at_a_time_completes_after_its_trailers():
    f = framing()
    data = HEAD + b"Transfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
    for i in range(len(data)):
        assert not f.complete
        f.feed(data[i:i + 1])
    assert f.complete and f.end == len(data)


@pytest.mark.parametrize(("data", "status", "words"), [
    (b"GARBAGE\r\n\r\n", 400, "has no method"),
    (b"GET /\r\n\r\n", 400, "is not METHOD TARGET HTTP/1.1"),
    (b"GET / HTTP/1.1\r\nX: \xef\xbc\x92\r\n\r\n", 400, "byte 0xef"),
    (b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400, "folded"),
    (b"GET / HTTP/1.1\r\nBad Name: a\r\n\r\n", 400, "not NAME: VALUE"),
    (HEAD + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both"),
    (HEAD + b"Content-Length: 1e3\r\n\r\n", 400, "not one whole number"),
    (HEAD + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "not one whole number"),
    (HEAD + b"Content-Length: 101\r\n\r\n", 413, "limit is 100"),
    (HEAD + b"Transfer-Encoding: gzip\r\n\r\n", 400, "does not end with chunked"),
    (HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n", 501, "not supported"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "malformed chunk size 'zz'"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n-5\r\n", 400, "malformed chunk size '-5'"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400, "longer than its size"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n65\r\n", 413, "over the limit"),
    (b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 2000 + b"\r\n\r\n", 431, "larger than 1024"),
])
def test_a_malformed_request_is_a_framing_error_naming_the_problem(data, status, words):
    with pytest.raises(FramingError) as caught:
        framing().feed(data)
    assert caught.value.status == status
    assert words in caught.value.message


def test_a_stream_that_ends_early_says_how_much_came():
    f = framing()
    f.feed(HEAD + b"Content-Length: 50\r\n\r\n{\"a\"")
    assert f.truncated().message == "The request body ended after 4 of the 50 bytes its Content-Length announced."
    chunked = framing()
    chunked.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
    assert "before its last (zero-size) chunk" in chunked.truncated().message


def test_a_header_value_character_that_is_not_visible_ascii_is_found():
    assert bad_value_char("compute 2.5\t") is None
    assert bad_value_char("compute \uff12.5") == "\uff12"
    assert bad_value_char("a\x7f") == "\x7f"
