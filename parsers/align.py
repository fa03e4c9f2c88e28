"""Placing a table's printed rows on the rows of its national form.

A table reader (``tables``) turns what it sees into *segments*: a printed row's label
pieces and its values. ``align`` places them on the form's rows, in order, by a dynamic
programme that scores each placement:

* by label — the row's pattern, else a keyword with one character dropped, swapped or
  added, else the whole label's likeness to the form's own label;
* by position — a segment whose label is garbled (or missing) and whose values fit the
  row, in a gap the labels leave open;
* a label printed with no values is a blank row (NULL cells, never the end of a table).

Where a garbled row could sit in more than one place, every placement is tried and the
one under which the table's own arithmetic (R1–R4) holds wins; the choice is flagged.

>>> from nianbao.parsers.tables import REQUESTS_2021
>>> [r.key for r in REQUESTS_2021.rows if similarity("4.保护第方合法权益", r) > 0][:1]
['denied_third_party']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import combinations
from typing import TYPE_CHECKING

from . import forms
from .values import is_number

if TYPE_CHECKING:
    from .tables import Row

EXACT = 0.9  # a pattern match; + up to 0.1 the nearer the label's end it matches
APPROX = 0.8  # a keyword of the pattern found with one edit, at the label's end
POSITION_WEIGHT = 0.2  # share of APPROX that depends on how near the end it is found
LIKENESS_FLOOR = 0.72  # least likeness of a whole label to the form's label to count
LIKENESS_WEIGHT = 0.75
FIT_BONUS = 0.5  # the segment has exactly the row's number of values
POSITION_SCORE = 0.6  # a garbled label placed by position
SHORT_SHARE = 0.5  # …with fewer values than the row has columns
BLANK_WEIGHT = 0.5  # a label with no values, taken as a blank row
MAX_JOIN = 3  # label pieces (lines) joined into one label
SUFFIX_PENALTY = 0.05  # a label piece below the values counts a little less than above
MAX_LABEL = 40  # longer label text is prose, never placed by position
MAX_PLACEMENTS = 256  # alternative placements tried against the checks
BLANK_POSITION_SCORE = 0.2  # a garbled label with no values, a blank row by position
LOOSE = ("position", "blank_position")  # placements the checks may revise

_NUMBERING = re.compile(r"[(（][一二三四五六七八九十\d]{1,3}[)）]|^[一二三四五六七八九十]{1,3}[、.]"
                        r"|\d{1,2}\s*[.、．]")
_NOT_CJK = re.compile(r"[^\u4e00-\u9fff]")
_PROSE = re.compile(r"[，。；：:;]")
_LITERAL = re.compile(r"^[\u4e00-\u9fff]{3,}$")
_REGEX_NOISE = re.compile(r"\(\?<?[!=][^)]*\)|[\^$]")


@dataclass
class Slot:
    """One value as printed; ``col`` is the column a grid header puts it in (None in
    flattened text: placed by count)."""

    raw: str
    col: str | None = None
    flag: str | None = None


@dataclass
class Segment:
    labels: list[str]
    values: list[Slot] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "".join(self.labels)

    @property
    def filled(self) -> bool:
        """Whether any value is printed (a grid row of empty cells is a label alone)."""
        return any(v.raw.strip() for v in self.values)


@dataclass
class Match:
    """Form row ``row`` read from segments ``first..last`` (label pieces joined); ``how``
    is ``label``, ``fuzzy``, ``position``, ``blank`` or ``blank_position``; ``part``
    numbers the row within a segment whose values cover several rows."""

    row: int
    first: int
    last: int
    how: str
    part: int = 0
    values: int = -1  # the segment holding the values (default ``last``); a label piece
    # printed below the values line (a wrapped cell in PDF text) may follow it

    def __post_init__(self) -> None:
        if self.values < 0:
            self.values = self.last


def core(text: str) -> str:
    """A label's words: numbering and everything not Chinese removed."""
    return _NOT_CJK.sub("", _NUMBERING.sub("", text))


def _keywords(pattern: str) -> list[tuple[str, bool, bool]]:
    """The literal words of a pattern (look-arounds dropped), each with whether the
    pattern anchors it at the start and at the end of the text."""
    out = []
    for part in pattern.split("|"):
        word = _REGEX_NOISE.sub("", part)
        if _LITERAL.match(word):
            out.append((word, part.startswith("^"), part.endswith("$")))
    return out


def one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one character dropped, added, changed or swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _near(keyword: str, text: str, at_start: bool, at_end: bool) -> int:
    """Where (end offset) ``keyword`` occurs in ``text`` with at most one edit, the
    latest occurrence; -1 if nowhere. Anchors as in the pattern."""
    n, best = len(keyword), -1
    for m in (n - 1, n, n + 1):
        if at_start and at_end:
            starts: range | list[int] = [0] if m == len(text) else []
        elif at_end:
            starts = [len(text) - m]
        elif at_start:
            starts = [0]
        else:
            starts = range(0, max(len(text) - m + 1, 0))
        for i in starts:
            if i >= 0 and i + m <= len(text) and one_edit(keyword, text[i:i + m]):
                best = max(best, i + m)
    return best


@lru_cache(maxsize=16384)
def approx(pattern: str, text: str) -> int:
    """End offset of the latest occurrence in ``text`` of a word of ``pattern`` (three
    characters or more) with one character dropped, added, changed or swapped; -1 if
    none. ``^`` and ``$`` are honoured.

    >>> approx("自然人", "自人"), approx("^其他结果$", "其它结果"), approx("商业企业", "科研机构")
    (2, 4, -1)
    """
    ends = [_near(w, text, start, end) for w, start, end in _keywords(pattern)]
    return max(ends, default=-1)


_STARTS_ITEM = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.]|[(（][一二三四五六七八九十\d]{1,3}[)）]"
                          r"|\d{1,2}\s*[.、．])")
# The headings rows are printed under, as their words (core): the forms' row groups,
# table 二's 第二十条第（X）项 and 信息内容.
HEADING_WORDS = tuple(sorted({core(g) for g in (
    forms.RESULTS, forms.DENIED, forms.UNAVAILABLE, forms.REJECTED, forms.OTHER,
    "第二十条第（一）项", "信息内容")}, key=len, reverse=True))
_HEADINGS = re.compile("^(?:" + "|".join(HEADING_WORDS) + ")+$")


def _continuation(label: str) -> bool:
    """Whether a label piece can be the rest of the label above it: it starts no
    numbered item and is no group heading."""
    return bool(label) and not _STARTS_ITEM.match(label) and not _heading(label)


@lru_cache(maxsize=4096)
def _after_heading(label: str) -> str:
    """A label without the group headings printed before it on the same line."""
    for cut in range(len(label) - 1, 0, -1):
        if _CJK_END.match(label[cut - 1]) and _heading(label[:cut]):
            return label[cut:]
    return label


def _heading_part(label: str) -> bool:
    """Whether a label piece is a piece of a group heading (``(三)不``, ``度办理结``)."""
    words = core(label)
    return bool(words) and any(words in h for h in HEADING_WORDS)


_CJK_END = re.compile(r"[\u4e00-\u9fff)）]")


def _heading(label: str) -> bool:
    """Whether a label piece is only group headings (三、本年度办理结果（三）不予公开)."""
    return bool(_HEADINGS.match(core(label)))


def likeness(a: str, b: str) -> float:
    """How alike two words are (0–1), order kept."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0


@lru_cache(maxsize=16384)
def _exact(label: str, pattern: str) -> float:
    best = 0.0
    for m in re.finditer(pattern, label):
        best = max(best, EXACT + (1 - EXACT) * m.end() / max(len(label), 1))
    return best


@lru_cache(maxsize=16384)
def _fuzzy(label: str, pattern: str, official: str) -> float:
    text = core(label)
    if not text:
        return 0.0
    end = approx(pattern, text)
    if end >= 0:
        return APPROX * (1 - POSITION_WEIGHT) + APPROX * POSITION_WEIGHT * end / len(text)
    target = core(official)
    if not target:
        return 0.0
    ratio = max(SequenceMatcher(None, text[-n:], target, autojunk=False).ratio()
                for n in range(max(len(target) - 1, 1), len(target) + 2))
    return LIKENESS_WEIGHT * ratio if ratio >= LIKENESS_FLOOR else 0.0


def similarities(label: str, rows: Sequence[Row]) -> list[float]:
    """How well ``label`` names each of ``rows``: pattern matches where any row's
    pattern matches; only when none does, the fuzzy readings (typos, likeness)."""
    exact = [_exact(label, r.pattern) for r in rows]
    if any(exact):
        return exact
    return [_fuzzy(label, r.pattern, r.label) for r in rows]


def similarity(label: str, row: Row, rows: Sequence[Row] = ()) -> float:
    """``similarities`` for one row, among ``rows`` (default: the row alone)."""
    rows = list(rows) or [row]
    return similarities(label, rows)[rows.index(row)] if row in rows else 0.0


def _continues(labels: list[str], row: Row) -> bool:
    """Whether a segment's own label reads as the rest of ``row``'s printed label (a
    label wrapped onto the line of its values), not as a label of its own."""
    own = core("".join(labels))
    if not own:
        return False
    blocks = SequenceMatcher(None, own, core(row.label), autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) >= LIKENESS_FLOOR * len(own)


def _garbled(label: str, sims: list[float]) -> bool:
    """A label no row recognises that is no prose either: a candidate for position."""
    return len(label) <= MAX_LABEL and not _PROSE.search(label) and not any(sims)


class _Aligner:
    def __init__(self, segments: list[Segment], rows: Sequence[Row]):
        self.segs, self.rows = segments, rows
        self.sims: dict[tuple[int, int], tuple[str, list[float]]] = {}

    def label(self, first: int, last: int) -> tuple[str, list[float]]:
        """The joined label of segments ``first..last`` and its similarity to each row."""
        key = (first, last)
        if key not in self.sims:
            label = "".join(s.label for s in self.segs[first:last + 1])
            self.sims[key] = (label, similarities(label, self.rows))
        return self.sims[key]

    def options(self, i: int) -> list[list[tuple[float, int, str, int]]]:
        """Per row: (score, first segment, how, values segment) for a match of that row
        ending at segment ``i``: its values in ``i``, or in ``i - 1`` with the label piece
        ``i`` printed below them (a fragment starting no item and no heading, completing
        a label that reads only with it)."""
        per_row: list[list[tuple[float, int, str, int]]] = [[] for _ in self.rows]
        seg = self.segs[i]
        if seg.filled:
            self._valued(i, i, per_row, 0.0)
            return per_row
        if i and self.segs[i - 1].filled and _continuation(seg.label):
            self._valued(i - 1, i, per_row, SUFFIX_PENALTY)
        for k in range(MAX_JOIN):
            first = i - k
            if first < 0 or (k and not self._joins(first)):
                break
            _, sims = self.label(first, i)
            garbled = k == 0 and self._garbled(i, sims)
            for j, row in enumerate(self.rows):
                if row.optional:
                    continue
                if sims[j]:
                    per_row[j].append((BLANK_WEIGHT * sims[j], first, "blank", i))
                elif garbled:
                    per_row[j].append((BLANK_POSITION_SCORE, first, "blank_position", i))
        return per_row

    def _joins(self, first: int) -> bool:
        """Whether label piece ``first`` may be read together with the pieces after it: it
        holds no values, and the next piece (pieces of group headings printed between,
        as unruled PDF text interleaves them, aside) does not start a new numbered item
        unless this one is a group heading (（三）不予公开 above 1.属于国家秘密)."""
        if self.segs[first].filled:
            return False
        after = next((s for s in self.segs[first + 1:] if not _heading_part(s.label)), None)
        starts = after is not None and bool(after.labels) and _STARTS_ITEM.match(after.labels[0])
        return not starts or _heading(self.segs[first].label)

    def _garbled(self, v: int, sims: list[float]) -> bool:
        """Whether segment ``v``'s own label (its last piece: the item, not the groups a
        grid prints beside it) is garbled, and nothing in its whole label reads exactly."""
        if max(sims, default=0) >= EXACT:
            return False
        own = _after_heading(self.segs[v].labels[-1] if self.segs[v].labels else "")
        return _garbled(own, similarities(own, self.rows) if own else [])

    def _valued(self, v: int, last: int, per_row: list, penalty: float) -> None:
        """Matches whose values are segment ``v``, labels joined up to ``last``."""
        seg = self.segs[v]
        kinds = {r.cols for r in self.rows}
        fits = {cols: _fits(seg, cols) for cols in kinds}
        places = {cols: _placeable(seg, cols) for cols in kinds}
        for k in range(MAX_JOIN - (last - v)):
            first = v - k
            if first < 0 or (k and not self._joins(first)):
                break
            if last != v and max(self.label(first, v)[1], default=0) >= EXACT:
                continue  # a label that reads on its own needs no piece from below
            label, sims = self.label(first, last)
            named = self.label(first, v - 1)[1] if first < v else ()
            garbled = k == 0 and last == v and self._garbled(v, sims)
            for j, row in enumerate(self.rows):
                if row.optional and (sims[j] < EXACT or first != v or last != v):
                    continue  # a variant row is read only from its own label, exactly
                if named and named[j] and not _continues(seg.labels, row):
                    continue  # the pieces above name this row alone: a blank row
                if sims[j]:
                    how = "label" if sims[j] >= EXACT else "fuzzy"
                    score = 1 + sims[j] + FIT_BONUS * fits[row.cols] - penalty
                    per_row[j].append((score, first, how, v))
                elif garbled and places[row.cols] and not row.optional:
                    score = POSITION_SCORE * (1 if fits[row.cols] else SHORT_SHARE)
                    per_row[j].append((score, first, "position", v))

    def run(self) -> list[Match]:
        n, m = len(self.segs), len(self.rows)
        best = [[0.0] * (m + 1) for _ in range(n + 1)]
        back: list[list[tuple | None]] = [[None] * (m + 1) for _ in range(n + 1)]
        for i in range(1, n + 1):
            options = self.options(i - 1)
            for j in range(1, m + 1):
                best[i][j], back[i][j] = best[i - 1][j], ("skip_seg",)
                if best[i][j - 1] > best[i][j]:
                    best[i][j], back[i][j] = best[i][j - 1], ("skip_row",)
                for score, first, how, values in options[j - 1]:
                    total = best[first][j - 1] + score
                    if total > best[i][j] + 1e-9:
                        best[i][j], back[i][j] = total, ("match", first, how, values)
        return self._trace(back, n, m)

    def _trace(self, back, i: int, j: int) -> list[Match]:
        out: list[Match] = []
        while i > 0 and j > 0:
            step = back[i][j]
            if step[0] == "skip_seg":
                i -= 1
            elif step[0] == "skip_row":
                j -= 1
            else:
                out.append(Match(j - 1, step[1], i - 1, step[2], 0, step[3]))
                i, j = step[1], j - 1
        return out[::-1]


def _fits(seg: Segment, row_cols: tuple[str, ...]) -> bool:
    """Whether the segment's values fit a row of these columns: by the header's columns
    (grids), else by count."""
    cols = [s.col for s in seg.values]
    if all(c is not None for c in cols):
        return set(cols) <= set(row_cols)
    return len(trimmed([s.raw for s in seg.values], len(row_cols))) == len(row_cols)


def _placeable(seg: Segment, row_cols: tuple[str, ...]) -> bool:
    """Whether a segment could be a row of these columns by position: its values fit, or
    are fewer (blank cells a flattening dropped) but more than one."""
    if _fits(seg, row_cols):
        return True
    count = len([s for s in seg.values if s.raw != ""])
    return all(s.col is None for s in seg.values) and 1 < count < len(row_cols)


def trimmed(run: list[str], n: int) -> list[str]:
    """A row's values without the empty fields a tab row prints for merged cells: dropped
    from the start, then the end, while there are more than ``n``."""
    while len(run) > n and run[0] == "":
        run = run[1:]
    while len(run) > n and run[-1] == "":
        run = run[:-1]
    return run


def align(segments: list[Segment], rows: Sequence[Row]) -> list[Match]:
    """The best placement of ``segments`` on the form's ``rows`` (both in printed order)."""
    if not segments or not rows:
        return []
    return _split_runs(segments, rows, _Aligner(segments, rows).run())


def _split_runs(segs: list[Segment], rows: Sequence[Row], matches: list[Match]) -> list[Match]:
    """A segment holding the values of several rows (their labels lost) is spread over
    the unmatched rows that follow its own, when the count fits exactly."""
    taken = {m.row for m in matches}
    out = []
    for m in matches:
        out.append(m)
        seg, n = segs[m.values], len(rows[m.row].cols)
        count = len([s for s in seg.values if s.raw != ""])
        if m.how == "blank" or not n or count <= n or count % n:
            continue
        extra = count // n - 1
        following = list(range(m.row + 1, min(m.row + 1 + extra, len(rows))))
        if len(following) == extra and not taken & set(following) and all(
                len(rows[r].cols) == n for r in following):
            out += [Match(r, m.first, m.last, "position", part, m.values) for part, r in
                    enumerate(following, start=1)]
    return out


# -- several placements possible: the arithmetic decides --------------------------------


def alternatives(matches: list[Match], segs: list[Segment], rows: Sequence[Row]
                 ) -> list[list[Match]]:
    """Every other way the position-placed segments could sit in their gaps (the rows
    between their labelled neighbours that no label took, that no printed variant rules
    out and whose column count fits). One element when the placement is unique."""
    fixed = [m for m in matches if m.how not in LOOSE or m.part]
    loose = [m for m in matches if m.how in LOOSE and not m.part]
    if not loose:
        return [matches]
    keys = {rows[m.row].key for m in fixed}
    taken = {m.row for m in fixed} | {j for j, r in enumerate(rows) if keys & set(r.excludes)}
    options: list[list[list[Match]]] = []
    for group in _gaps(loose, fixed):
        ways = _ways(group, fixed, taken, segs, rows)
        if len(ways) != 1 and any(m.how == "blank_position" for m in group):
            # a garbled line without values is a blank row only where nothing else fits
            group = [m for m in group if m.how != "blank_position"]
            ways = _ways(group, fixed, taken, segs, rows) if group else [[]]
        options.append(ways or [group])
    out: list[list[Match]] = []
    for combo in _product(options):
        candidate = sorted(fixed + [m for part in combo for m in part], key=lambda m: m.row)
        if candidate not in out:
            out.append(candidate)
    return out or [matches]


def _ways(group: list[Match], fixed: list[Match], taken: set[int], segs: list[Segment],
          rows: Sequence[Row]) -> list[list[Match]]:
    """Every placement of ``group`` on the free rows of its gap, in order."""
    before = [m.row for m in fixed if m.last < group[0].first]
    after = [m.row for m in fixed if m.first > group[-1].last]
    lo, hi = max(before, default=-1), min(after, default=len(rows))
    if any(m.how == "blank_position" for m in group) and not (before and after):
        return []
    free = [r for r in range(lo + 1, hi) if r not in taken and not rows[r].optional]
    return [[Match(r, m.first, m.last, m.how, 0, m.values)
             for r, m in zip(pick, group, strict=True)]
            for pick in combinations(free, len(group))
            if all(m.how == "blank_position" or _placeable(segs[m.values], rows[r].cols)
                   for r, m in zip(pick, group, strict=True))]


def _gaps(loose: list[Match], fixed: list[Match]) -> list[list[Match]]:
    """Position-placed matches grouped by the labelled matches around them."""
    groups: list[list[Match]] = []
    for m in loose:
        if groups and not any(groups[-1][-1].last < f.first < m.first for f in fixed):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def _product(options: list[list[list[Match]]]) -> list[list[list[Match]]]:
    out: list[list[list[Match]]] = [[]]
    for ways in options:
        out = [acc + [w] for acc in out for w in ways][:MAX_PLACEMENTS]
    return out


def choose(candidates: list, score: Callable[[object], tuple[int, int]]):
    """The candidate the checks like best (fewest fails, then most passes); None when
    two candidates tie for best (the placement stays ambiguous)."""
    if len(candidates) == 1:
        return candidates[0]
    scored = [(score(c), i) for i, c in enumerate(candidates)]
    ranked = sorted(scored, key=lambda x: (x[0][0], -x[0][1], x[1]))
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        return None
    return candidates[ranked[0][1]]


def numeric_run(values: list[Slot]) -> bool:
    return bool(values) and all(is_number(v.raw) for v in values)
