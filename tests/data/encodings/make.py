"""Regenerate the odd input files of this folder: `python tests/data/encodings/make.py`.

The same short notice (invented for the tests, in the genre of the corpus) in every encoding and
line-end convention kg must read, and the non-text files it must skip with a reason. What each file
must give is in manifest.json (read by tests/test_robustness.py).
"""

from __future__ import annotations

import codecs
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

ZH = """关于进一步支持中小企业纾困发展的通知
工信部企业〔2024〕99号
各省、自治区、直辖市中小企业主管部门：
为帮助中小企业应对困难，现就有关事项通知如下：
一、加大融资支持。鼓励银行业金融机构对小微企业发放信用贷款，合理降低贷款利率，做好续贷工作。
二、发挥政府性融资担保机构作用，降低担保费率，扩大再担保业务规模。
三、落实减税降费政策，对小规模纳税人减免增值税，阶段性减免社会保险费。
四、支持专精特新中小企业发展，开展知识产权质押融资。
工业和信息化部
2024年3月1日
"""

ZH_HANT = """關於進一步支持中小企業紓困發展的通知
各省、自治區、直轄市中小企業主管部門：
為幫助中小企業應對困難，現就有關事項通知如下：
一、加大融資支持。鼓勵銀行業金融機構對小微企業發放信用貸款，合理降低貸款利率，做好續貸工作。
二、發揮政府性融資擔保機構作用，降低擔保費率，擴大再擔保業務規模。
三、落實減稅降費政策，對小規模納稅人減免增值稅，階段性減免社會保險費。
四、支持專精特新中小企業發展，開展知識產權質押融資。
工業和信息化部
2024年3月1日
"""

# characters outside GBK: only GB18030's four-byte sequences encode them
ZH_4BYTE = ZH.replace("纾困发展", "纾困发展（含𠮷、㐀、䶵等生僻字商号）")

EN = """Notice on Further Supporting Small and Medium-sized Enterprises
To the competent departments for SMEs of all provinces, autonomous regions and municipalities:
1. Increase financing support. Banks shall extend credit loans to small and micro enterprises and lower loan interest rates.
2. Government financing guarantee institutions shall reduce guarantee fees and expand re-guarantee business.
3. Implement tax relief for small-scale taxpayers and reduce social insurance premiums.
4. Support the \u201cspecialized, refined, distinctive and innovative\u201d SMEs\u2019 intellectual property pledge financing.
Ministry of Industry and Information Technology
1 March 2024
"""

# a Western 8-bit text whose every high byte is followed by a valid GB18030 trail byte ("’s"):
# strict GB18030 accepts it ("SME抯"), so the reader must see that it is not Chinese
EN_APOSTROPHES = """Notice on each SME’s financing
1. The bank’s credit loans shall reach every SME’s workshop.
2. The State Council’s special fund supports each enterprise’s recovery.
"""

PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def files() -> dict[str, tuple[bytes, dict]]:
    """name -> (bytes, what kg must make of them)."""
    zh = {"status": "built", "same_as": "zh-utf8.txt"}
    en = {"status": "built", "same_as": "en-utf8.txt"}
    return {
        "zh-utf8.txt": (ZH.encode("utf-8"), {**zh, "encoding": "utf-8"}),
        "zh-utf8-bom.txt": (codecs.BOM_UTF8 + ZH.encode("utf-8"), {**zh, "encoding": "utf-8-sig"}),
        "zh-utf16le-bom.txt": (codecs.BOM_UTF16_LE + ZH.encode("utf-16-le"), {**zh, "encoding": "utf-16-le"}),
        "zh-utf16be-bom.txt": (codecs.BOM_UTF16_BE + ZH.encode("utf-16-be"), {**zh, "encoding": "utf-16-be"}),
        "zh-utf16le-nobom.txt": (ZH.encode("utf-16-le"), {**zh, "encoding": "utf-16-le"}),
        "zh-utf32le-bom.txt": (codecs.BOM_UTF32_LE + ZH.encode("utf-32-le"), {**zh, "encoding": "utf-32-le"}),
        "zh-gb18030.txt": (ZH.encode("gb18030"), {**zh, "encoding": "gb18030"}),
        "zh-gbk.txt": (ZH.encode("gbk"), {**zh, "encoding": "gb18030"}),
        "zh-gb18030-4byte.txt": (ZH_4BYTE.encode("gb18030"), {"status": "built", "encoding": "gb18030",
                                                              "text": ZH_4BYTE}),
        "zh-hant-big5.txt": (ZH_HANT.encode("big5"), {"status": "built", "encoding": "big5", "text": ZH_HANT}),
        "en-utf8.txt": (EN.encode("utf-8"), {**en, "encoding": "utf-8"}),
        "en-crlf.txt": (EN.replace("\n", "\r\n").encode("utf-8"), {**en, "encoding": "utf-8"}),
        "en-cr.txt": (EN.replace("\n", "\r").encode("utf-8"), {**en, "encoding": "utf-8"}),
        # NULs where spaces were (blanked back to spaces: the text read is the reference), and one at the end
        "en-nul-bytes.txt": (EN.encode("utf-8").replace(b" loans", b"\x00loans").replace(b" fees", b"\x00fees")
                             + b"\x00",
                             {**en, "encoding": "utf-8", "nul_blanked": True}),
        "en-cp1252.txt": (EN.encode("cp1252"), {**en, "encoding_not": ["gb18030", "big5"]}),
        "en-cp1252-apostrophes.txt": (EN_APOSTROPHES.encode("cp1252"),
                                      {"status": "built", "text": EN_APOSTROPHES, "encoding_not": ["gb18030"]}),
        "empty.txt": (b"", {"status": "skipped", "reason": "empty file"}),
        "blank.txt": (b" \r\n\t\n\xe3\x80\x80\n", {"status": "skipped", "reason": "empty file"}),
        "pdf-named-txt.txt": (PDF, {"status": "skipped", "reason": "binary file (PDF)"}),
        "random-bytes.txt": (random.Random(5).randbytes(4096), {"status": "skipped", "reason": "binary"}),
        "utf16-bom-broken.txt": (codecs.BOM_UTF16_LE + "中小企业".encode("utf-16-le") + b"\x00\xd8",
                                 {"status": "skipped", "reason": "byte-order mark but is not UTF-16-LE"}),
    }


def main() -> None:
    manifest = {}
    for name, (data, expect) in files().items():
        (HERE / name).write_bytes(data)
        manifest[name] = expect
    (HERE / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")


if __name__ == "__main__":
    main()
