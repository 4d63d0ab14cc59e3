"""The text formats' shared bytes handling: UTF-8 with an optional BOM, and splicing edits."""

from __future__ import annotations

import pytest

from permify.errors import InputError
from permify.formats.text import TextErrors, decode_text, encode_text, splice

ERRORS = TextErrors(utf16="utf16", binary="nul at {offset}", invalid="0x{byte:02x} line {line} at {offset}")


@pytest.mark.parametrize("data", [b"plain\n", b"\xef\xbb\xbfwith a BOM\r\n", b""])
def test_decode_then_encode_gives_the_bytes_back(data: bytes) -> None:
    text, bom = decode_text(data, "f", ERRORS)
    assert "\ufeff" not in text and encode_text(text, bom) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("x".encode("utf-16"), "utf16"),
        (b"ab\x00", "nul at 2"),
        (b"\xef\xbb\xbfa\nb\xe9", "0xe9 line 2 at 6"),  # the offset counts the BOM
    ],
)
def test_what_is_not_utf8_text_is_refused_in_the_formats_words(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        decode_text(data, "paper.txt", ERRORS)
    assert "paper.txt" in str(caught.value)


def test_splice_applies_edits_in_offset_order_and_keeps_ties_in_order() -> None:
    assert splice("abcdef", [(4, 5, "E"), (1, 1, "1"), (1, 1, "2"), (0, 1, "A")]) == "A12bcdEf"
    assert splice("abc", []) == "abc"
