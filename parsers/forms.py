"""The national forms' vocabulary, written once: tables, rows, columns, their keys, their
official Chinese labels, English labels and order (国办公开办函〔2019〕60号 and
〔2021〕30号). The parser, the checks, the demo portal, exports and Datasette's labels
all read it from here.

>>> [r.key for r in rows("requests", "2021")][:3]
['new_received', 'carried_over', 'granted']
>>> label("requests", "row", "denied_state_secret")
'1.属于国家秘密'
>>> [c.key for c in cols("reviews")]
['upheld', 'corrected', 'other', 'pending', 'total']
>>> group_of("requests", "denied_third_party")
'（三）不予公开'
"""

from __future__ import annotations

from dataclasses import dataclass

TABLES = ("proactive", "requests", "reviews")
TABLE_TITLES = {
    "proactive": ("二、主动公开政府信息情况", "Proactive disclosure"),
    "requests": ("三、收到和处理政府信息公开申请情况", "Requests received and handled"),
    "reviews": ("四、政府信息公开行政复议、行政诉讼情况", "Administrative reviews and lawsuits"),
}
SECTIONS = (
    (1, "一、总体情况", "Overview"),
    (2, "二、主动公开政府信息情况", "Proactive disclosure"),
    (3, "三、收到和处理政府信息公开申请情况", "Requests"),
    (4, "四、政府信息公开行政复议、行政诉讼情况", "Reviews and lawsuits"),
    (5, "五、存在的主要问题及改进情况", "Problems and improvements"),
    (6, "六、其他需要报告的事项", "Other matters"),
)


@dataclass(frozen=True)
class Term:
    """A row or column of a form: its key, the label as the form prints it, in English,
    and the heading it sits under (a nested row group or column group), if any."""

    key: str
    zh: str
    en: str
    group: str | None = None
    cols: tuple[str, ...] = ()  # rows only: the columns this row has in the form


# -- table 二 ------------------------------------------------------------------------------
P21_COLS = (
    Term("issued", "本年制发件数", "issued this year"),
    Term("repealed", "本年废止件数", "repealed this year"),
    Term("in_force", "现行有效件数", "in force"),
    Term("decisions", "本年处理决定数量", "decisions this year"),
    Term("amount_10k_yuan", "本年收费金额（单位：万元）", "fees collected (10k yuan)"),
)
_DOCS21 = ("issued", "repealed", "in_force")
P21_ROWS = (
    Term("rules", "规章", "rules", "第二十条第（一）项", _DOCS21),
    Term("normative_docs", "行政规范性文件", "normative documents", "第二十条第（一）项", _DOCS21),
    Term("licensing", "行政许可", "licensing", "第二十条第（五）项", ("decisions",)),
    Term("punishment", "行政处罚", "punishment", "第二十条第（六）项", ("decisions",)),
    Term("enforcement", "行政强制", "enforcement", "第二十条第（六）项", ("decisions",)),
    Term("fees", "行政事业性收费", "administrative fees", "第二十条第（八）项",
         ("amount_10k_yuan",)),
)
P19_COLS = (
    Term("new_made", "本年新制作数量", "newly made"),
    Term("new_published", "本年新公开数量", "newly published"),
    Term("total_published", "对外公开总数量", "total published"),
    Term("prior_items", "上一年项目数量", "items last year"),
    Term("change", "本年增/减", "change this year"),
    Term("decisions", "处理决定数量", "decisions"),
    Term("items", "采购项目数量", "procurement items"),
    Term("amount_yuan", "采购总金额", "procurement amount (yuan)"),
)
_DOCS19 = ("new_made", "new_published", "total_published")
_ITEMS19 = ("prior_items", "change", "decisions")
P19_ROWS = (
    Term("rules", "规章", "rules", "第二十条第（一）项", _DOCS19),
    Term("normative_docs", "规范性文件", "normative documents", "第二十条第（一）项", _DOCS19),
    Term("licensing", "行政许可", "licensing", "第二十条第（五）项", _ITEMS19),
    Term("other_services", "其他对外管理服务事项", "other services", "第二十条第（五）项", _ITEMS19),
    Term("punishment", "行政处罚", "punishment", "第二十条第（六）项", _ITEMS19),
    Term("enforcement", "行政强制", "enforcement", "第二十条第（六）项", _ITEMS19),
    Term("fees", "行政事业性收费", "administrative fees", "第二十条第（八）项",
         ("prior_items", "change")),
    Term("procurement", "政府集中采购", "government procurement", "第二十条第（九）项",
         ("items", "amount_yuan")),
)

# -- table 三 ------------------------------------------------------------------------------
_LEGAL = "法人或其他组织"
APPLICANT_COLS = (
    Term("natural_person", "自然人", "natural persons"),
    Term("commercial", "商业企业", "businesses", _LEGAL),
    Term("research", "科研机构", "research institutions", _LEGAL),
    Term("nonprofit", "社会公益组织", "non-profits", _LEGAL),
    Term("legal_service", "法律服务机构", "legal services", _LEGAL),
    Term("other_org", "其他", "other organisations", _LEGAL),
)
REQUEST_COLS = (*APPLICANT_COLS, Term("total", "总计", "total"))
APPLICANTS = tuple(c.key for c in APPLICANT_COLS)

RESULTS = "三、本年度办理结果"
DENIED, UNAVAILABLE, REJECTED, OTHER = "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"
_RC = tuple(c.key for c in REQUEST_COLS)
_HEAD = (
    Term("new_received", "一、本年新收政府信息公开申请数量", "new requests", None, _RC),
    Term("carried_over", "二、上年结转政府信息公开申请数量", "carried over from last year",
         None, _RC),
    Term("granted", "（一）予以公开", "granted", RESULTS, _RC),
    Term("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
         "partially granted", RESULTS, _RC),
    Term("denied_state_secret", "1.属于国家秘密", "denied: state secret", DENIED, _RC),
    Term("denied_prohibited_by_law", "2.其他法律行政法规禁止公开",
         "denied: prohibited by other law", DENIED, _RC),
    Term("denied_security_stability", "3.危及“三安全一稳定”",
         "denied: endangers security or stability", DENIED, _RC),
    Term("denied_third_party", "4.保护第三方合法权益", "denied: third-party rights", DENIED, _RC),
    Term("denied_internal_affairs", "5.属于三类内部事务信息", "denied: internal affairs",
         DENIED, _RC),
    Term("denied_process_info", "6.属于四类过程性信息", "denied: process information",
         DENIED, _RC),
    Term("denied_enforcement_file", "7.属于行政执法案卷", "denied: enforcement file", DENIED, _RC),
    Term("denied_inquiry", "8.属于行政查询事项", "denied: inquiry matter", DENIED, _RC),
    Term("unavailable_not_held", "1.本机关不掌握相关政府信息", "unavailable: not held",
         UNAVAILABLE, _RC),
    Term("unavailable_needs_creation", "2.没有现成信息需要另行制作",
         "unavailable: would need creating", UNAVAILABLE, _RC),
    Term("unavailable_unclear", "3.补正后申请内容仍不明确", "unavailable: still unclear",
         UNAVAILABLE, _RC),
    Term("rejected_petition", "1.信访举报投诉类申请", "not handled: petition or complaint",
         REJECTED, _RC),
    Term("rejected_duplicate", "2.重复申请", "not handled: duplicate", REJECTED, _RC),
    Term("rejected_publication", "3.要求提供公开出版物", "not handled: publication",
         REJECTED, _RC),
    Term("rejected_excessive", "4.无正当理由大量反复申请", "not handled: excessive",
         REJECTED, _RC),
    Term("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息",
         "not handled: confirmation", REJECTED, _RC),
)
_TAIL = (
    Term("total", "（七）总计", "total", RESULTS, _RC),
    Term("carried_forward", "四、结转下年度继续办理", "carried forward", None, _RC),
)
OTHER_2019 = (Term("other", "（六）其他处理", "other handling", RESULTS, _RC),)
OTHER_2021 = (
    Term("other_no_correction",
         "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         "other: no correction", OTHER, _RC),
    Term("other_unpaid_fee",
         "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
         "other: fee unpaid", OTHER, _RC),
    Term("other_misc", "3.其他", "other: misc", OTHER, _RC),
)
# A group's own total, which some reports print on a row of its own (（三）不予公开 5 0 …).
SUBTOTALS = (
    Term("denied", DENIED, "denied (subtotal)", RESULTS, _RC),
    Term("unavailable", UNAVAILABLE, "unavailable (subtotal)", RESULTS, _RC),
    Term("rejected", REJECTED, "not handled (subtotal)", RESULTS, _RC),
)
REQUEST_ROWS_2019 = (*_HEAD, *OTHER_2019, *_TAIL)
REQUEST_ROWS_2021 = (*_HEAD, *OTHER_2021, *_TAIL)
# Every outcome row of either format (the rows （七）总计 sums), in form order.
OUTCOMES = tuple(t.key for t in (*_HEAD[2:], *OTHER_2019, *OTHER_2021))

# -- table 四 ------------------------------------------------------------------------------
_OUT = ("upheld", "corrected", "other", "pending", "total")
REVIEW_COLS = (
    Term("upheld", "结果维持", "upheld"),
    Term("corrected", "结果纠正", "corrected"),
    Term("other", "其他结果", "other result"),
    Term("pending", "尚未审结", "pending"),
    Term("total", "总计", "total"),
)
REVIEW_ROWS = (
    Term("review", "行政复议", "administrative review", None, _OUT),
    Term("lawsuit_direct", "未经复议直接起诉", "lawsuit without review", "行政诉讼", _OUT),
    Term("lawsuit_after_review", "复议后起诉", "lawsuit after review", "行政诉讼", _OUT),
)


def rows(table: str, fmt: str) -> tuple[Term, ...]:
    """The rows of ``table`` in the form of ``fmt`` ('2019' or '2021'), in printed order."""
    if table == "proactive":
        return P19_ROWS if fmt == "2019" else P21_ROWS
    if table == "requests":
        return REQUEST_ROWS_2019 if fmt == "2019" else REQUEST_ROWS_2021
    return REVIEW_ROWS


def cols(table: str, fmt: str = "2021") -> tuple[Term, ...]:
    if table == "proactive":
        return P19_COLS if fmt == "2019" else P21_COLS
    return REQUEST_COLS if table == "requests" else REVIEW_COLS


def cell_keys(fmt: str) -> list[tuple[str, str, str]]:
    """Every (table, row_key, col_key) the form of ``fmt`` has, in printed order."""
    return [(t, r.key, c) for t in TABLES for r in rows(t, fmt) for c in r.cols]


def _all_terms(table: str, axis: str) -> list[Term]:
    if axis == "row":
        found = [*rows(table, "2021"), *rows(table, "2019"),
                 *(SUBTOTALS if table == "requests" else ())]
    else:
        found = [*cols(table, "2021"), *cols(table, "2019")]
    return list({t.key: t for t in reversed(found)}.values())[::-1]


def term(table: str, axis: str, key: str) -> Term | None:
    return next((t for t in _all_terms(table, axis) if t.key == key), None)


def label(table: str, axis: str, key: str) -> str:
    """The Chinese label of a row or column key as the form prints it (the key if unknown)."""
    found = term(table, axis, key)
    return found.zh if found else key


def group_of(table: str, row_key: str) -> str | None:
    found = term(table, "row", row_key)
    return found.group if found else None


def group_rows(group: str) -> tuple[str, ...]:
    """The keys of the rows printed under ``group`` (either format), in form order.

    >>> group_rows(UNAVAILABLE)
    ('unavailable_not_held', 'unavailable_needs_creation', 'unavailable_unclear')
    """
    return tuple(t.key for t in _all_terms("requests", "row")
                 if t.group == group and t not in SUBTOTALS)


def label_rows() -> list[dict]:
    """One row per (table, axis, key) with labels and form order, for the database's
    label table (Datasette shows labels, not keys)."""
    out = []
    for table in TABLES:
        for axis in ("row", "col"):
            for order, t in enumerate(_all_terms(table, axis)):
                out.append({"table": table, "axis": axis, "key": t.key, "zh": t.zh, "en": t.en,
                            "grp": t.group, "ord": order})
    return out
