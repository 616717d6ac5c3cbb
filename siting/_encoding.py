"""Telling which encoding a text that is not UTF-8 is in: GBK (GB 18030) most of the time.

Chinese Windows editors and desktop GIS save text in GBK by default. Read as
UTF-8 it fails; read as Latin-1 (what GDAL does with a Shapefile that has no
``.cpg``) it becomes mojibake such as ``¶«°Ó`` for 东坝. These helpers say
which encoding bytes look like, so that an error can name it.
"""

from __future__ import annotations

__all__ = ["encodable", "guess_encoding", "looks_chinese"]


def encodable(text: str, encoding: str) -> bool:
    """Whether ``encoding`` holds every character of ``text`` (GBK holds 东坝, not 𠮷)."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def looks_chinese(data: bytes, encoding: str = "gb18030") -> bool:
    """Whether ``data`` decodes in ``encoding`` to text that is mostly common Chinese characters.

    A character counts when it is a CJK ideograph or full-width sign whose two
    bytes are both in GB 2312's range (0xA1–0xFE): text in Latin-1 decodes
    to GBK too, but its second bytes are ASCII letters.

    Examples
    --------
    >>> looks_chinese("利州区".encode("gbk"))
    True
    >>> looks_chinese("Zürich".encode("latin-1"))
    False
    """
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 127]
    common = [
        c
        for c in wide
        if ("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
        and min(c.encode(encoding, "replace")[:2]) >= 0xA1
    ]
    return bool(wide) and len(common) >= 0.9 * len(wide)


def guess_encoding(data: bytes) -> str | None:
    """``"utf-8"`` or ``"gbk"`` when ``data`` is clearly in one of them, else None.

    Examples
    --------
    >>> guess_encoding("东坝".encode("gbk")), guess_encoding("东坝".encode("utf-8"))
    ('gbk', 'utf-8')
    >>> guess_encoding(b"plain") is None
    True
    """
    if not any(b > 127 for b in data):
        return None
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return "gbk" if looks_chinese(data, "gb18030") else None
