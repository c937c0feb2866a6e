"""Where documents print their metadata besides the title and the signature block (used by kg.text.metadata).

- Page metadata fields (kg/patterns/metadata_fields.json): 发文机关：国务院, 成文日期：2018年12月21日,
  [发文字号] 银发〔2020〕122号, "Issued by: …", "Date of Issuance: …". A page's publication or update date
  (发布日期, "Updated:") and an effective date are fields too, and are never the issue date.
- A law's adoption and revision lines: bracketed under the title, or a date first, then the session, on
  a line of its own ("2021年7月29日 山东省第十三届人民代表大会常务委员会第二十九次会议通过").
- The speaker of a department's news release ("MIIT said …", "X, deputy director of the SME Bureau of
  MIIT, stated …", "工业和信息化部新闻发言人…表示").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kg.model import Mention, Unit
from kg.text.dates import find_dates

_SEP = r"[ \t\u3000]*"


@dataclass(frozen=True)
class Field:
    kind: str  # issue_date, page_date, effective_date, issuer, number, title, not_number, source
    name: str  # as printed
    start: int  # of the name
    value: tuple[int, int]  # the value's span, trimmed


@cache
def field_names() -> dict:
    return json.loads(resources.files("kg.patterns").joinpath("metadata_fields.json").read_text(encoding="utf-8"))


def _name_rx(name: str) -> str:
    if re.search(r"[\u4e00-\u9fff]", name):  # Chinese names are printed with spaces inside: 索 引 号, 标　　题
        return _SEP.join(re.escape(ch) for ch in name)
    return r"\s+".join(re.escape(w) for w in name.split())


@cache
def _field_rx() -> re.Pattern:
    alts = []
    for kind, by_lang in field_names().items():
        if kind.startswith("_") or kind in ("after_signature", "effective_words"):
            continue
        names = sorted({n for ns in by_lang.values() for n in ns}, key=lambda n: (-len(n), n))
        alts.append(f"(?P<{kind}>{'|'.join(_name_rx(n) for n in names)})")
    body = "|".join(alts)
    # a name at the start of a line or after another field's value, then a colon; or a name in brackets
    return re.compile(rf"(?:^|(?<=[ \t\u3000\]】]))(?P<open>[\[【])?{_SEP}(?:{body}){_SEP}(?(open)[\]】]|[:：])",
                      re.M | re.I)


def find_fields(text: str) -> list[Field]:
    """The metadata fields of a text, each with its value: up to the next field on its line or the line's end."""
    found = list(_field_rx().finditer(text))
    out = []
    for i, m in enumerate(found):
        line_end = text.find("\n", m.end())
        end = len(text) if line_end == -1 else line_end
        if i + 1 < len(found) and found[i + 1].start() < end:
            end = found[i + 1].start()
        a, b = m.end(), end
        while a < b and text[a] in " \t\u3000":
            a += 1
        while b > a and text[b - 1] in " \t\u3000":
            b -= 1
        kind = next(k for k, v in m.groupdict().items() if v is not None and k != "open")
        out.append(Field(kind, m.group(kind), m.start(), (a, b)))
    return out


def starts_with_field(line: str, kinds: tuple[str, ...]) -> bool:
    """Whether `line` is a field of one of these kinds ("发布时间：2020-01-01", "Updated: May 31, 2022")."""
    m = _field_rx().match(line.lstrip())
    return bool(m) and any(m.group(k) for k in kinds)


@cache
def effective_rx() -> re.Pattern:
    """A line that says when a text takes effect ("2017年10月1日 施行", "shall come into force on …")."""
    words = [w for ws in field_names()["effective_words"].values() for w in ws]
    return re.compile("|".join(_name_rx(w) for w in sorted(words, key=lambda w: (-len(w), w))), re.I)


@cache
def after_signature_rx(lang: str) -> re.Pattern:
    """What follows a signature block that is not at the end: an attachment, a note (此件公开发布)."""
    words = field_names()["after_signature"][lang]
    alts = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"^\s*[（(]?\s*(?:{alts})", re.I)


# ---------------------------------------------------------------- a law's adoption and revision lines

_ADOPTED = r"(?:通过|修订|修正|批准|公布|颁布|adopted|amended|revised|promulgated|approved)"
_BRACKETED = re.compile(rf"^\s*[（(](?P<p>[^（()）]{{6,400}}?{_ADOPTED}[^（()）]{{0,200}})[）)]\s*$", re.I)
_ADOPTION_LINE = re.compile(rf"^\s*(?P<p>[^\n]{{0,200}}?{_ADOPTED}[^\n]{{0,40}}?)\s*$", re.I)
_VERB_FIRST = re.compile(rf"^\s*{_ADOPTED}\b", re.I)


def adoption_lines(text: str, units: list[Unit], first: int = 8) -> list[tuple[int, int]]:
    """The spans of a law's adoption and revision lines among its first units: "(2017年9月1日…会议修订)",
    "2021年7月29日 …会议通过" (a date first, on a line of its own), "Adopted at … on June 29, 2002".
    An effective-date line ("2017年10月1日 施行") is not one."""
    out = []
    seen = set()
    for u in units[:first]:
        line_start = text.rfind("\n", 0, u.start) + 1
        line_end = text.find("\n", u.start)
        line_end = len(text) if line_end == -1 else line_end
        if line_start in seen:
            continue
        seen.add(line_start)
        line = text[line_start:line_end]
        m = _BRACKETED.match(line)
        if m is None:
            m = _ADOPTION_LINE.match(line)
            ds = find_dates(line)
            if m is None or not ds or not (ds[0][0] <= len(line) - len(line.lstrip()) + 1 or _VERB_FIRST.match(line)):
                continue
        if find_dates(m.group("p")):
            out.append((line_start + m.start("p"), line_start + m.end("p")))
    return out


# ---------------------------------------------------------------- the speaker of a news release

_SPEAK_EN = (r"(?:said|says|stated|states|announced|announces|told|noted|pointed\s+out|revealed|disclosed|"
             r"introduced|explained|briefed|held\s+a\s+(?:press|news)\s+(?:conference|briefing))\b")
# the organisation speaks: "MIIT said", "The Ministry of Finance (MOF) on Tuesday announced"
_ORG_SPEAKS_EN = re.compile(rf"^(?:\s*\([A-Za-z]{{2,10}}\))?(?:\s+of\s+the\s+People's\s+Republic\s+of\s+China)?\s*,?"
                            rf"(?:\s+(?:has|have|also|on|this|last|Monday|Tuesday|Wednesday|Thursday|Friday|"
                            rf"Saturday|Sunday|today|yesterday|recently|\w+day|[A-Z][a-z]+\s+\d{{1,2}})){{0,3}}\s+{_SPEAK_EN}", re.I)
# one of its officials speaks: "Qin Zhihui, deputy director of the SME Bureau of MIIT, stated"
_OFFICIAL_OF = re.compile(r"\b(?:director(?:-general)?|minister|deputy|head|spokesperson|spokesman|spokeswoman|official|"
                          r"chief|commissioner|governor|chairman|president|secretary|economist|engineer)\b"
                          r"[^.;:]{0,80}?\bof\s+(?:the\s+|its\s+)?$", re.I)
_OFFICIAL_SPEAKS_EN = re.compile(rf"^[^.;:]{{0,80}}?,\s*(?:\w+\s+){{0,2}}?{_SPEAK_EN}", re.I)
_TITLES_ZH = ("部长|副部长|司长|副司长|局长|副局长|主任|副主任|新闻发言人|发言人|负责人|行长|副行长|主席|副主席|署长|"
              "副署长|总经济师|总工程师|总会计师|总审计师")
_SPEAKS_ZH = re.compile(rf"^(?:[\u4e00-\u9fff]{{0,12}}?(?:{_TITLES_ZH})[\u4e00-\u9fff·]{{0,4}}(?:在[^，。；]{{0,30}})?"
                        rf"(?:表示|介绍|指出|称|宣布|透露|说)|(?:今天|今日|近日|日前)?(?:召开|举行|举办)(?:了)?"
                        rf"(?:新闻发布会|发布会|新闻通气会)|(?:今天|今日|近日|日前)?(?:表示|宣布|介绍))")


def speakers(text: str, units: list[Unit], orgs: list[Mention], lang: str, lead: int = 3) -> list[Mention]:
    """The organisations that speak in the lead of a news release (its first units): the department that
    speaks, or whose official speaks. An organisation named otherwise (a host's "joint mechanism", a source
    "according to the monitoring of X") does not speak."""
    if not units:
        return []
    end = units[min(lead, len(units)) - 1].end
    out = []
    for m in orgs:
        if m.end > end:
            continue
        stop = re.search(r"[.;。；！？]", text[m.end:min(len(text), m.end + 160)])
        after = text[m.end:m.end + (stop.start() if stop else 160)]
        if lang == "zh":
            said = _SPEAKS_ZH.match(after)
        else:
            sent = max(text.rfind(". ", 0, m.start), text.rfind("\n", 0, m.start)) + 1
            said = _ORG_SPEAKS_EN.match(after)
            if said is None and _OFFICIAL_OF.search(text[sent:m.start]):
                said = _OFFICIAL_SPEAKS_EN.match(after)
        # another organisation between the name and the verb is the one that speaks
        if said and not any(m.end <= o.start < m.end + said.end() and o.iri != m.iri for o in orgs):
            out.append(m)
    return out
