"""Chinese numerals: the one reader of 三, 十五, 二百, 三千, 三点五 in kg.text (section numbers, dates, quantities)."""

from __future__ import annotations

from decimal import Decimal

CN_DIGIT_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                   "九": 9}
CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千"  # the characters a Chinese numeral is written with


def cn_value(s: str) -> Decimal | None:
    """The value of a Chinese numeral such as 三, 十五, 二百, 三点五."""
    digits = CN_DIGIT_VALUES
    whole, _, frac = s.partition("点")
    total, cur = 0, 0
    for ch in whole:
        if ch in digits:
            cur = digits[ch]
        elif ch in "十百千":
            total += (cur or 1) * {"十": 10, "百": 100, "千": 1000}[ch]
            cur = 0
        else:
            return None
    total += cur
    if frac:
        if any(ch not in digits for ch in frac):
            return None
        return Decimal(f"{total}.{''.join(str(digits[ch]) for ch in frac)}")
    return Decimal(total)
