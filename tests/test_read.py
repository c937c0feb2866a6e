"""Decoding never loses or invents a character, and says why a file cannot be used."""

import pytest

from kg.errors import InputError
from kg.text.read import decode, find_inputs, read_source

TEXT = "关于支持小微企业融资的通知\n一、加大信贷支持。Small and micro enterprises get credit loans.\n"


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16-le"), ("gb18030", "gb18030"),
])
def test_read_decodes_common_encodings(encoding, expected):
    text, used = decode(TEXT.encode(encoding))
    assert text == TEXT
    assert used == expected


def test_read_decodes_big5_through_the_detector():
    big5 = "中小企業融資擔保基金支持小微企業發展，減輕稅費負擔。" * 20
    text, used = decode(big5.encode("big5"))
    assert text == big5
    assert used not in ("utf-8", "gb18030")


def test_read_bomless_utf16():
    text, used = decode(TEXT.encode("utf-16-le"))
    assert text == TEXT and used == "utf-16-le"


@pytest.mark.parametrize("data, why", [(b"", "empty"), (b"   \n\n", "empty"), (b"%PDF-1.7\n\x00\x01", "PDF"),
                                       (bytes(range(256)) * 40, "binary")])
def test_read_rejects_non_text(data, why):
    with pytest.raises(InputError, match=why):
        decode(data)


def test_read_nul_bytes_keep_offsets():
    raw = b"Small and micro enterprises\x00 get credit loans.\n" * 5
    text, _ = decode(raw)
    assert text == raw.decode("utf-8").replace("\x00", " ")
    assert len(text) == len(raw)


def test_read_reports_missing_and_empty_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "docs" / "b.md").write_text("x", encoding="utf-8")
    files, problems = find_inputs([tmp_path / "docs", tmp_path / "empty", tmp_path / "nope"])
    assert [f.name for f in files] == ["a.txt"]
    reasons = dict(problems)
    assert "no .txt" in reasons[str(tmp_path / "empty")]
    assert "no such file" in reasons[str(tmp_path / "nope")]


def test_read_source_records_encoding_and_hash(tmp_path):
    p = tmp_path / "gbk.txt"
    p.write_bytes(TEXT.encode("gb18030"))
    src = read_source(p)
    assert src.encoding == "gb18030" and src.text == TEXT and len(src.sha256) == 64
