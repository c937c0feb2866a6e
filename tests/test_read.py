"""Decoding never loses or invents a character, and says why a file cannot be used."""

from pathlib import Path

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


# --- folders: every file has a fate (issue 14 and 18) ----------------------------------------------

def test_read_folder_reads_every_supported_kind_and_says_why_not_for_the_rest(tmp_path):
    for name in ("a.txt", "b.html", "c.htm", "d.shtml", "e.pdf", "f.docx", "g.doc", "h.wps", "i.md", "noext",
                 ".hidden.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_bytes(b"x")
    files, problems = find_inputs([tmp_path])
    assert [f.name for f in files] == ["a.txt", "b.html", "c.htm", "d.shtml", "e.pdf", "f.docx"]
    reasons = {Path(p).name: why for p, why in problems}
    assert set(reasons) == {"g.doc", "h.wps", "i.md", "noext", ".hidden.txt", ".git"}
    assert "legacy Word document (.doc)" in reasons["g.doc"] and "WPS" in reasons["h.wps"]
    assert "(.md)" in reasons["i.md"] and "(no extension)" in reasons["noext"]
    assert reasons[".hidden.txt"] == "hidden file (name starts with '.'), not read"
    assert reasons[".git"] == "hidden folder (name starts with '.'), not read"


def test_read_a_file_named_on_the_command_line_is_read_whatever_its_name(tmp_path):
    (tmp_path / ".hidden.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "notes.md").write_text(TEXT, encoding="utf-8")
    files, problems = find_inputs([tmp_path / ".hidden.txt", tmp_path / "notes.md"])
    assert [f.name for f in files] == [".hidden.txt", "notes.md"] and problems == []
    assert read_source(tmp_path / "notes.md").text == TEXT


def test_read_deep_folders_are_walked_without_recursion(tmp_path, monkeypatch):
    import os
    import sys

    deep = tmp_path
    old_limit = sys.getrecursionlimit()  # another library may have raised it: the chain must go deeper than
    sys.setrecursionlimit(1000)          # the limit in force, and stay under the system's 4,096-byte paths
    depth = 1200
    monkeypatch.chdir(tmp_path)  # build the chain with short relative steps (an absolute path would be too long)
    for _ in range(depth):
        os.mkdir("d")
        os.chdir("d")
    Path("policy.txt").write_text(TEXT, encoding="utf-8")
    try:
        files, problems = find_inputs([deep])
        assert problems == [] and [f.name for f in files] == ["policy.txt"]
        assert str(files[0]).count("/d") == depth
    finally:  # remove the chain step by step: pytest's own clean-up of old tmp folders recurses and would fail
        sys.setrecursionlimit(old_limit)
        os.remove("policy.txt")
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")


def test_read_too_long_a_path_is_one_line_with_the_path(tmp_path, monkeypatch):
    import errno
    import os

    def too_long(path, *a, **k):
        raise OSError(errno.ENAMETOOLONG, "File name too long", str(path))

    monkeypatch.setattr(os, "stat", too_long)
    files, problems = find_inputs([tmp_path / "x.txt"])
    assert files == [] and len(problems) == 1
    assert problems[0][0] == str(tmp_path / "x.txt") and "path too long" in problems[0][1]
    assert "\n" not in problems[0][1]


def test_read_a_file_that_changes_while_read_is_refused_with_before_and_after(tmp_path, monkeypatch):
    import os
    from types import SimpleNamespace

    p = tmp_path / "growing.txt"
    p.write_text(TEXT, encoding="utf-8")
    real_fstat, calls = os.fstat, []

    def fstat(fd):  # the second look (after the read) sees the file grown, as a writer appending would
        st = real_fstat(fd)
        calls.append(fd)
        if len(calls) == 1:
            return st
        return SimpleNamespace(st_mode=st.st_mode, st_size=st.st_size + 100, st_mtime_ns=st.st_mtime_ns + 10**9)

    monkeypatch.setattr(os, "fstat", fstat)
    with pytest.raises(InputError, match=r"changed while it was read \(size \d+ -> \d+ bytes.*mtime .* -> "):
        read_source(p)
    monkeypatch.setattr(os, "fstat", real_fstat)
    assert read_source(p).text == TEXT  # an unchanged file is read


def test_read_file_names_are_shown_escaped_on_one_line(tmp_path):
    from kg.build.report import fate_line
    from kg.model import FileFate
    from kg.text.read import shown

    assert shown("a\nb\tc\\d.txt") == "a\\nb\\tc\\\\d.txt" and shown("普通.txt") == "普通.txt"
    assert shown("bad\udcffname.txt") == "bad\ufffdname.txt"
    (tmp_path / "bad\nname.md").write_bytes(b"x")
    _, problems = find_inputs([tmp_path])
    line = fate_line(FileFate(problems[0][0], "skipped", problems[0][1]))
    assert "\n" not in line and "bad\\nname.md" in line
    assert "\n" not in fate_line(FileFate("x\ny.txt", "built", measures=1, encoding="utf-8"))
