"""Plain Chinese for what the archive records in codes: failing checks (with the numbers,
the cells involved and the size of the difference) and the parser's flags.

>>> cells = {("requests", "total", "total"): {"value": 10.0, "raw": "10"},
...          ("requests", "granted", "total"): {"value": 7.0, "raw": "7"},
...          ("requests", "partially_granted", "total"): {"value": 4.0, "raw": "4"}}
>>> e = explain_check({"rule": "R2:total", "status": "fail", "detail": ""}, cells)
>>> e.text
'“总计”列：（七）总计印作 10 件，但各项办理结果相加为 11 件，相差 1 件。'
>>> sorted(e.cells) == sorted(cells)
True
>>> explain_flag("tables_missing:requests")
'未能识别出表格：三、收到和处理政府信息公开申请情况（可能是扫描件、图片或非标准表格）；正文已保存。'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..parsers import forms
from .layout import Key

RULES = {
    "R1": "表三每列：新收 + 上年结转 = 办理结果总计 + 结转下年度",
    "R2": "表三每列：（七）总计 = 各项办理结果之和",
    "R3": "表三每行：总计列 = 六类申请人之和",
    "R4": "表四每项：总计 = 维持 + 纠正 + 其他 + 尚未审结",
    "R5": "数量都是非负整数",
    "carry_over": "本年“上年结转” = 上一年报告的“结转下年度继续办理”",
}


@dataclass
class Explained:
    rule: str
    anchor: str
    text: str
    cells: dict[Key, str] = field(default_factory=dict)  # key → 'fail' | 'part'
    link: int | None = None  # another report involved (carry-over: last year's)


def _n(v: float | None) -> str:
    if v is None:
        return "空白"
    return str(int(v)) if v == int(v) else f"{v:g}"


def _diff(a: float, b: float) -> str:
    return f"相差 {_n(abs(a - b))} 件"


def _row(key: str) -> str:
    return forms.label("requests", "row", key)


def _col(table: str, key: str) -> str:
    return forms.label(table, "col", key)


def explain_check(check: dict, cells: dict[Key, dict], previous: dict | None = None) -> Explained:
    """One failing check in words. ``previous``: {'id', 'year', 'forward'} for carry-over."""
    rule = check["rule"]
    name, _, arg = rule.partition(":")
    anchor = "check-" + rule.replace(":", "-")

    def v(table: str, row: str, col: str) -> float | None:
        cell = cells.get((table, row, col))
        return cell.get("value") if cell else None

    def total(keys: list[Key]) -> float:
        return sum(v(*k) or 0 for k in keys)

    if name == "R1":
        a, b, t, f = (("requests", r, arg) for r in
                      ("new_received", "carried_over", "total", "carried_forward"))
        left, right = total([a, b]), total([t, f])
        text = (f"“{_col('requests', arg)}”列：{_row('new_received')} {_n(v(*a))} 件 + "
                f"{_row('carried_over')} {_n(v(*b))} 件 = {_n(left)} 件，而{_row('total')} "
                f"{_n(v(*t))} 件 + {_row('carried_forward')} {_n(v(*f))} 件 = {_n(right)} 件，"
                f"{_diff(left, right)}。")
        return Explained(rule, anchor, text, {a: "part", b: "part", t: "fail", f: "fail"})
    if name == "R2":
        t = ("requests", "total", arg)
        parts = [("requests", r, arg) for r in forms.OUTCOMES if ("requests", r, arg) in cells]
        s = total(parts)
        text = (f"“{_col('requests', arg)}”列：{_row('total')}印作 {_n(v(*t))} 件，"
                f"但各项办理结果相加为 {_n(s)} 件，{_diff(v(*t) or 0, s)}。")
        return Explained(rule, anchor, text, {t: "fail", **{p: "part" for p in parts}})
    if name == "R3":
        t = ("requests", arg, "total")
        parts = [("requests", arg, c) for c in forms.APPLICANTS]
        s = total(parts)
        who = "、".join(c.zh for c in forms.APPLICANT_COLS)
        text = (f"“{_row(arg)}”一行：总计印作 {_n(v(*t))} 件，但六类申请人（{who}）"
                f"相加为 {_n(s)} 件，{_diff(v(*t) or 0, s)}。")
        return Explained(rule, anchor, text, {t: "fail", **{p: "part" for p in parts}})
    if name == "R4":
        cols = [c.key for c in forms.REVIEW_COLS]
        t = ("reviews", arg, "total")
        parts = [("reviews", arg, c) for c in cols if c != "total"]
        s = total(parts)
        names = "、".join(_col("reviews", c) for c in cols if c != "total")
        text = (f"“{forms.label('reviews', 'row', arg)}”：总计印作 {_n(v(*t))} 件，"
                f"但{names}相加为 {_n(s)} 件，{_diff(v(*t) or 0, s)}。")
        return Explained(rule, anchor, text, {t: "fail", **{p: "part" for p in parts}})
    if name == "R5":
        bad: dict[Key, str] = {}
        words = []
        for item in (check.get("detail") or "").split("; "):
            where, _, raw = item.partition("=")
            parts = where.split(".")
            if len(parts) != 3:
                continue
            key = (parts[0], parts[1], parts[2])
            bad[key] = "fail"
            words.append(f"“{forms.label(key[0], 'row', key[1])}”行“{_col(key[0], key[2])}”列印作 {raw}")
        text = ("；".join(words) or "有数值") + "：件数应为非负整数。"
        return Explained(rule, anchor, text, bad)
    if name == "carry_over":
        key = ("requests", "carried_over", "total")
        year = (previous or {}).get("year")
        forward = (previous or {}).get("forward")
        here = v(*key)
        text = (f"本报告“{_row('carried_over')}”（总计）为 {_n(here)} 件，但"
                f"{year or '上一年'}年报告的“{_row('carried_forward')}”（总计）为 {_n(forward)} 件")
        text += f"，{_diff(here, forward)}。" if here is not None and forward is not None else "。"
        return Explained(rule, anchor, text, {key: "fail"}, (previous or {}).get("id"))
    return Explained(rule, anchor, f"{rule}：{check.get('detail') or ''}")


REPORT_FLAGS = {
    "year_from_published": "标题和正文里没有写明报告年度，按发布日期推定。",
    "format_from_year": "表头无法判断是哪一版表格，按报告年度推定（2019–2020 年为 2019 版，2021 年起为 2021 版）。",
    "extractor_fallback": "正文抽取器没有找到页面主体，改用整页文字。",
    "pdf_no_text": "PDF 里没有可抽取的文字（可能是扫描件），表格未能读出；原件已存档。",
    "legacy": "2019 年以前的旧格式报告：表格按原样保存标签。",
}
PREFIXED_FLAGS = {
    "undecodable_bytes": "解码后仍有 {} 个无法识别的字符（�）。",
    "too_large": "超过解析上限（{}），这部分没有解析；原件已存档。",
    "parse_error": "解析时出错（{}）；原件已存档，改进解析器后重建即可。",
    "not_parsed": "这类文件（{}）暂不能解析；原件已存档。",
    "html_unparsable": "网页结构无法解析（{}）。",
    "gbk_byte_shift_repaired": "修复了 {} 处 GBK 字节错位造成的乱码。",
    "gbk_bytes_lost": "有 {} 个字节在转码中丢失，无法恢复。",
    "pinyin_annotations_removed": "删除了 {} 处拼音注音。",
    "truncated": "抓取时内容被截断（{}）。",
}
CELL_FLAGS = {
    "label_aligned_by_order": "行标签印刷有误，按表格中的顺序对应到此行。",
    "cols_by_order": "此行上方的表头是别的栏目的（跨页重复的标题行），数值按印刷顺序对应到本行的栏目。",
    "fused_digits_split": "原文中数字粘连（排版丢失了分隔），按勾稽关系唯一拆分得出。",
    "fused_digits_ambiguous": "原文中数字粘连且有多种拆法，因此留空。",
    "fused_digits_unsplit": "原文中数字粘连且无法拆分，因此留空。",
    "converted_10k_yuan": "原文以万元为单位，已换算为元。",
    "converted_yuan": "原文以元为单位，已换算为万元。",
    "traditional_to_simplified": "原文为繁体字，已转为简体。",
}


def explain_flag(flag: str) -> str:
    """A parser flag (``name`` or ``name:detail``) in words; an unknown one as it is."""
    if flag in REPORT_FLAGS:
        return REPORT_FLAGS[flag]
    if flag in CELL_FLAGS:
        return CELL_FLAGS[flag]
    name, _, detail = flag.partition(":")
    if name == "tables_missing":
        titles = "、".join(forms.TABLE_TITLES.get(t, (t,))[0] for t in detail.split(",") if t)
        return f"未能识别出表格：{titles}（可能是扫描件、图片或非标准表格）；正文已保存。"
    if name in PREFIXED_FLAGS:
        return PREFIXED_FLAGS[name].format(detail)
    return f"{flag}（解析器标记）"
