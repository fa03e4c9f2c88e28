"""OFD (GB/T 33190-2016, 版式文档) → ``Document``.

An OFD file is a zip: ``OFD.xml`` names each document's root (``DocBody/DocRoot`` →
``Doc_0/Document.xml``), which lists its pages (``Pages/Page/@BaseLoc`` →
``Pages/Page_0/Content.xml``). A page holds ``TextObject``s — a ``Boundary``
(``x y w h``, millimetres from the page's top left), an optional ``CTM``, a font
``Size``, and ``TextCode``s placing their characters at ``X``/``Y`` (the baseline)
with ``DeltaX`` advances (``g N d`` repeats ``d`` N times) — and ``PathObject``s, the
ruling lines of tables among them (``AbbreviatedData``: ``M x y L x y …``).

Characters are merged into words on their baselines, then ``layout.layout_page``
rebuilds lines and tables from the positions and rules. Members are read through
``limits.SafeZip``; a broken member, page or container is flagged and skipped, never
raised.

>>> doc = from_ofd(b"not a zip")
>>> doc.flags
['ofd_broken:BadZipFile']
"""

from __future__ import annotations

import posixpath
import re
import statistics
import zipfile
from bisect import bisect_right
from dataclasses import dataclass

from lxml import etree

from . import limits
from .extract import Document
from .layout import Box, Rule, layout_page, rows_of, text_height
from .limits import SafeZip, ZipLimitError
from .normalize import normalize_text
from .values import is_number

NARROW_GLYPH = 0.55  # width of a Latin letter or digit, as a share of the font size
BASELINE_TOL = 0.3  # characters whose baselines differ by less (× height) share a line
WORD_GAP = 0.35  # a wider gap (× height) between characters parts two words
OVERPRINT = 0.15  # the same character this close (× height) to itself is drawn twice


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el, name: str):
    return [c for c in el.iter() if _local(c) == name]


def _first_text(el, name: str) -> str:
    found = _children(el, name)
    return (found[0].text or "").strip() if found else ""


def _floats(text: str | None) -> list[float]:
    out = []
    for part in (text or "").replace(",", " ").split():
        try:
            out.append(float(part))
        except ValueError:
            pass
    return out


def _deltas(text: str | None) -> list[float]:
    """``DeltaX``/``DeltaY``: numbers, with ``g N d`` standing for N times d."""
    parts = (text or "").split()
    out: list[float] = []
    i = 0
    while i < len(parts):
        if parts[i] == "g" and i + 2 < len(parts):
            try:
                out += [float(parts[i + 2])] * min(int(float(parts[i + 1])), 10_000)
            except ValueError:
                pass
            i += 3
            continue
        try:
            out.append(float(parts[i]))
        except ValueError:
            pass
        i += 1
    return out


class _Reader:
    def __init__(self, box: SafeZip, doc: Document):
        self.box = box
        self.doc = doc
        self.text_objects = 0

    def xml(self, path: str):
        """A member parsed, or None (flagged) when missing, over a limit or unreadable."""
        name = self.box.find(path)
        if name is None:
            self.doc.flags.append(f"ofd_missing:{path[:80]}")
            return None
        try:
            data = self.box.read(name)
        except ZipLimitError as exc:
            self.doc.flags.append(exc.problem)
            return None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # CRC, truncation
            self.doc.flags.append(f"ofd_broken:{path[:80]}:{type(exc).__name__}")
            return None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                                 remove_comments=True, huge_tree=False)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError:
            root = None
        if root is None or any(e.level >= etree.ErrorLevels.ERROR for e in parser.error_log):
            self.doc.flags.append(f"ofd_broken:{path[:80]}:xml")  # what was recovered is kept
        return root


def _resolve(base_dir: str, loc: str) -> str:
    loc = loc.strip().replace("\\", "/")
    if loc.startswith("/"):
        return posixpath.normpath(loc.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, loc))


def from_ofd(data: bytes) -> Document:
    """Parse an OFD file. Never raises: what cannot be read is flagged."""
    doc = Document(kind="ofd")
    try:
        box = SafeZip(data)
    except ZipLimitError as exc:
        doc.flags.append(exc.problem)
        return doc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        doc.flags.append(f"ofd_broken:{type(exc).__name__}")
        return doc
    reader = _Reader(box, doc)
    root = reader.xml("OFD.xml")
    if root is None:
        return doc
    pages_read = 0
    carry: list[float] | None = None
    for body in _children(root, "DocBody"):
        info = _children(body, "DocInfo")
        if info:
            for key, name in (("Title", "Title"), ("Author", "Author"),
                              ("CreationDate", "CreationDate"), ("Subject", "Subject")):
                if value := _first_text(info[0], name):
                    doc.meta.setdefault(key, normalize_text(value))
        doc_root = _first_text(body, "DocRoot")
        if not doc_root:
            continue
        root_path = _resolve("", doc_root)
        document = reader.xml(root_path)
        if document is None:
            continue
        base = posixpath.dirname(root_path)
        templates = {t.get("ID"): _resolve(base, t.get("BaseLoc", ""))
                     for t in _children(document, "TemplatePage") if t.get("BaseLoc")}
        drawn: dict[str, tuple[list[Box], list[Rule]]] = {}
        for page in _children(document, "Page"):
            loc = page.get("BaseLoc")
            if not loc:
                continue
            pages_read += 1
            if pages_read > limits.MAX_OFD_PAGES:
                doc.flags.append(f"too_large:ofd pages over {limits.MAX_OFD_PAGES}")
                break
            content = reader.xml(_resolve(base, loc))
            if content is None:
                continue
            boxes, rules = _page_objects(content, reader)
            # a template page (letterhead, and with some producers the form itself) is
            # drawn under or over the page's own content
            for ref in _children(content, "Template"):
                path = templates.get(ref.get("TemplateID"))
                if path and path not in drawn:
                    tpl = reader.xml(path)
                    drawn[path] = _page_objects(tpl, reader) if tpl is not None else ([], [])
                if path:
                    boxes, rules = boxes + drawn[path][0], rules + drawn[path][1]
            words = _words(boxes)
            if _unruled(rules):
                try:
                    rules, carry = _virtual_rules(words, carry)
                except (ValueError, IndexError, ZeroDivisionError) as exc:
                    # text placed in ways no table is: read as lines, and said so
                    doc.flags.append(f"ofd_layout:{type(exc).__name__}")
                    carry = None
            else:
                carry = None
            laid = layout_page(words, rules, page=pages_read)
            doc.lines.extend(laid.lines)
            doc.tables.extend(laid.tables)
            if reader.text_objects > limits.MAX_OFD_TEXT_OBJECTS:
                doc.flags.append(f"too_large:ofd text objects over {limits.MAX_OFD_TEXT_OBJECTS}")
                break
    if not doc.lines:
        doc.flags.append("ofd_no_text")
    doc.title = doc.meta.get("Title") or (doc.lines[0] if doc.lines else "")
    return doc


def _unruled(rules: list[Rule]) -> bool:
    """Too few strokes to draw a table (a page rule or a signature line at most)."""
    return sum(r.horizontal for r in rules) < 2 or sum(not r.horizontal for r in rules) < 2


def _ctm(el) -> tuple[float, ...]:
    m = _floats(el.get("CTM"))
    return tuple(m) if len(m) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _apply(m: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _page_objects(content, reader: _Reader) -> tuple[list[Box], list[Rule]]:
    boxes: list[Box] = []
    rules: list[Rule] = []
    for el in content.iter():
        name = _local(el)
        if name == "TextObject":
            reader.text_objects += 1
            if reader.text_objects > limits.MAX_OFD_TEXT_OBJECTS:
                break
            boxes += _text_boxes(el)
        elif name == "PathObject":
            rules += _path_rules(el)
    return boxes, rules


def _text_boxes(obj) -> list[Box]:
    """One box per character of a text object, in page millimetres."""
    bx, by = (_floats(obj.get("Boundary")) + [0.0, 0.0])[:2]
    size = (_floats(obj.get("Size")) or [3.5])[0]
    m = _ctm(obj)
    scale = max(abs(m[3]), abs(m[0]), 1e-6) if obj.get("CTM") else 1.0
    height = size * scale
    out: list[Box] = []
    x = y = 0.0
    for code in (c for c in obj if _local(c) == "TextCode"):
        raw = (code.text or "").replace("\n", "")
        text = normalize_text(raw).replace("\n", "")
        # a full-width bracket is as wide as a CJK character, even once normalised
        full = [ord(ch) > 0x2E7F for ch in (raw if len(raw) == len(text) else text)]
        if code.get("X") is not None:
            x = (_floats(code.get("X")) or [x])[0]
        if code.get("Y") is not None:
            y = (_floats(code.get("Y")) or [y])[0]
        dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
        for i, ch in enumerate(text):
            px, py = _apply(m, x, y)
            glyph = size if full[i] else size * NARROW_GLYPH
            # the advance is the glyph's real width (text is normalised to half-width
            # forms first, so the character no longer tells): a comma advancing half an
            # em must not overlap the next character, nor a full-width bracket fall short
            advance = dx[i] if i < len(dx) else glyph
            wide = (advance if 0 < advance <= size * 1.2 else glyph) * scale
            out.append(Box(bx + px, by + py - 0.85 * height, bx + px + wide,
                           by + py + 0.15 * height, ch))
            x += advance
            y += dy[i] if i < len(dy) else 0.0
    return out


def _baselines(chars: list[Box]) -> list[list[Box]]:
    """Characters grouped by baseline (within a share of their height, so per-character
    objects written in any order come back together), each line left to right."""
    lines: list[list[Box]] = []
    for ch in sorted(chars, key=lambda b: b.y1):
        if lines and abs(ch.y1 - lines[-1][0].y1) < BASELINE_TOL * ch.h:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _words(chars: list[Box]) -> list[Box]:
    """Characters on one baseline with no more than a narrow gap between them → words
    (a number is one box, never one per digit)."""
    out: list[Box] = []
    prev: Box | None = None
    for ch in (c for line in _baselines(chars) for c in line):
        if ch.text == " ":
            continue
        # the same character drawn again a hair to the side is a bold face faked by
        # overprinting (PDF→OFD converters do this), not a second character
        if (prev is not None and ch.text == prev.text and abs(ch.x0 - prev.x0) < OVERPRINT * ch.h
                and abs(ch.y1 - prev.y1) < OVERPRINT * ch.h):
            continue
        prev = ch
        last = out[-1] if out else None
        if (last is not None and abs(last.y1 - ch.y1) < BASELINE_TOL * ch.h
                and -0.3 * ch.h <= ch.x0 - last.x1 <= WORD_GAP * ch.h):
            last.text += ch.text
            last.x1 = max(last.x1, ch.x1)
            last.y0, last.y1 = min(last.y0, ch.y0), max(last.y1, ch.y1)
        else:
            out.append(Box(ch.x0, ch.y0, ch.x1, ch.y1, ch.text))
    return [b for b in out if b.text.strip()]


_PATH_TOKEN = re.compile(r"[A-Za-z]|-?\d*\.?\d+(?:[eE]-?\d+)?")
_ARGS = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}


def _path_rules(obj) -> list[Rule]:
    """Straight horizontal and vertical strokes of a path, in page millimetres."""
    bx, by = (_floats(obj.get("Boundary")) + [0.0, 0.0])[:2]
    m = _ctm(obj)
    data = _first_text(obj, "AbbreviatedData")
    tokens = _PATH_TOKEN.findall(data)
    points: list[tuple[str, tuple[float, float]]] = []
    start = (0.0, 0.0)
    i = 0
    while i < len(tokens):
        op = tokens[i]
        n = _ARGS.get(op)
        if n is None:
            i += 1
            continue
        try:
            args = [float(t) for t in tokens[i + 1:i + 1 + n]]
        except ValueError:
            break
        if len(args) < n:
            break
        i += 1 + n
        if op in ("S", "M"):
            start = (args[0], args[1])
            points.append(("M", start))
        elif op == "L":
            points.append(("L", (args[0], args[1])))
        elif op == "C":
            points.append(("L", start))
        else:  # curves: only their end point matters for what follows
            points.append(("M", (args[-2], args[-1])))
    out: list[Rule] = []
    prev = None
    for op, (x, y) in points:
        px, py = _apply(m, x, y)
        here = (bx + px, by + py)
        if op == "L" and prev is not None:
            (x0, y0), (x1, y1) = prev, here
            if abs(y1 - y0) < 0.2 and abs(x1 - x0) >= 1.0:
                out.append(Rule(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
            elif abs(x1 - x0) < 0.2 and abs(y1 - y0) >= 1.0:
                out.append(Rule(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1)))
        prev = here
    return out


# -- tables printed without rules -------------------------------------------------------
#
# Some producers draw a table's borders as an image, or not at all. The text of an OFD
# page sits exactly where the form put it, so the grid can be recovered from the text:
# value columns where the numbers stand, rows where the values and their labels are,
# and every cell's text centred in its cell (how word processors print forms), which
# tells a heading spanning several columns or rows from one of a single cell. The cells
# found are handed to the layout as rules, as if the producer had drawn them.

MARKERS = frozenset({"/", "-", "—", "——", "－", "无", "／"})
WRAP_GAP = 0.35  # lines of one wrapped cell are closer than this (× line height)
ROW_MATCH = 0.6  # a label centred within this (× line height) of a row's values is its label
BLOCK_GAP = 8.0  # label-only lines between two rows of values (× line height), at most
HEADER_GAP = 3.0  # a header line stands at most this far (× line height) above the next
MAX_HEADER_LINES = 12
MAX_VIRTUAL_CELLS = 4000  # a table's rows × columns, at most, drawn from its text
MAX_HEADING_CHARS = 16  # a column heading is short; a longer text is a line of prose
CENTRE_TOL = 0.8  # a spanning heading's centre lies this close (× line height) to its span's
FIRST_ITEM = re.compile(r"^\s*[1１]\s*[.、．]")  # the first item of a group: 1. / 1、
HEADING = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")


def _is_value(text: str) -> bool:
    text = text.strip()
    return text in MARKERS or is_number(text)


@dataclass
class _Stack:
    """Words of one cell: one word, or the lines of a wrapped one."""

    words: list[Box]

    @property
    def x0(self) -> float:
        return min(b.x0 for b in self.words)

    @property
    def x1(self) -> float:
        return max(b.x1 for b in self.words)

    @property
    def y0(self) -> float:
        return min(b.y0 for b in self.words)

    @property
    def y1(self) -> float:
        return max(b.y1 for b in self.words)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _stacks(words: list[Box], h: float) -> list[_Stack]:
    """Words standing one under the other, close enough to be lines of one cell."""
    out: list[_Stack] = []
    for w in sorted(words, key=lambda b: (b.y0, b.x0)):
        for s in out:
            last = s.words[-1]
            if (0 <= w.y0 - last.y1 + 0.5 * h and w.y0 - last.y1 < WRAP_GAP * h
                    and min(w.x1, s.x1) > max(w.x0, s.x0)):
                s.words.append(w)
                break
        else:
            out.append(_Stack([w]))
    return out


def _bands(boxes: list[Box]) -> list[list[float]]:
    out: list[list[float]] = []
    for b in sorted(boxes, key=lambda b: b.x0):
        if out and b.x0 <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b.x1)
        else:
            out.append([b.x0, b.x1])
    return out


def _value_rows(values: list[Box], h: float) -> list[list[Box]]:
    rows: list[list[Box]] = []
    for b in sorted(values, key=lambda b: b.y1):
        if rows and b.y1 - rows[-1][-1].y1 < BASELINE_TOL * h:
            rows[-1].append(b)
        else:
            rows.append([b])
    return rows


def _is_data(line: list[Box]) -> bool:
    values = [b for b in line if _is_value(b.text)]
    labels = [b for b in line if not _is_value(b.text)]
    if not values:
        return False
    if labels:
        return min(v.x0 for v in values) > min(lb.x1 for lb in labels)
    return len(values) >= 2


Rect = tuple[float, float, float, float]


def _rect_rules(rects: list[Rect]) -> list[Rule]:
    """The four edges of each cell, once each (neighbours share theirs)."""
    out: dict[Rule, None] = {}
    for x0, y0, x1, y1 in rects:
        if x1 - x0 > 0 and y1 - y0 > 0:
            for rule in (Rule(True, y0, x0, x1), Rule(True, y1, x0, x1),
                         Rule(False, x0, y0, y1), Rule(False, x1, y0, y1)):
                out[rule] = None
    return list(out)


def _under(line: list[Box], labels: list[Box], edge: float) -> bool:
    """Every word of ``line`` stands under (or over) a label, left of the values."""
    return all(b.x1 <= edge and any(min(b.x1, lb.x1) > max(b.x0, lb.x0) for lb in labels)
               for b in line)


def _virtual_rules(words: list[Box], carry: list[float] | None
                   ) -> tuple[list[Rule], list[float] | None]:
    """Rules for the tables of a page printed without them, and the column centres of
    its last table (a table going on over the next page keeps its columns, blank ones
    too, even where no header is printed again)."""
    if not words:
        return [], None
    h = text_height(words)
    lines = rows_of(words, h)
    data = [_is_data(line) for line in lines]
    rules: list[Rule] = []
    i = 0
    last_centres = carry
    floor = 0  # the header of a table reaches no higher than the table before it
    while i < len(lines):
        if not data[i]:
            i += 1
            continue
        start = end = i
        j = i + 1
        edge = min(b.x0 for b in lines[i] if _is_value(b.text))
        while j < len(lines):
            if data[j]:
                if lines[j][0].y0 - lines[end][-1].y1 > BLOCK_GAP * h:
                    break
                end = j
                edge = min(edge, min(b.x0 for b in lines[j] if _is_value(b.text)))
            elif any(b.x1 > edge for b in lines[j]):
                break  # a heading, prose, a caption: anything reaching into the values
            j += 1
        # the first and last lines of a label wrapped around its row's values, standing
        # under the labels (a caption centred over the next part of the table does not)
        labels = [b for line in lines[start:end + 1] for b in line if b.x1 <= edge]
        while (start - 1 >= floor and not data[start - 1]
               and _under(lines[start - 1], labels, edge)
               and max(b.y1 for b in lines[start - 1])
               > min(b.y0 for b in lines[start]) - WRAP_GAP * h):
            start -= 1
        while (end + 1 < len(lines) and not data[end + 1] and _under(lines[end + 1], labels, edge)
               and min(b.y0 for b in lines[end + 1]) - max(b.y1 for b in lines[end]) < h):
            end += 1
        built = _block(lines, start, end, h, last_centres, floor)
        if built is not None:
            block_rules, last_centres = built
            rules += block_rules
        i = floor = end + 1
    if floor:
        tail = _tail_header(lines, floor, h)
        if tail is not None:
            rules += tail[0]
            last_centres = tail[1]
    return rules, last_centres


def _tail_header(lines: list[list[Box]], floor: int, h: float
                 ) -> tuple[list[Rule], list[float]] | None:
    """The heading of a table whose rows begin on the next page, printed last on this
    one after another table: drawn as a table of its own, as a ruled page would have
    it, so that the rows over the page read under it."""
    tail = lines[floor:]
    while (len(tail) >= 2 and len(tail[-1]) == 1
           and min(b.y0 for b in tail[-1]) - max(b.y1 for b in tail[-2]) > HEADER_GAP * h):
        tail.pop()  # the page's footer
    if not tail:
        return None
    last = sorted(tail[-1], key=lambda b: b.x0)
    if (len(last) < 2 or any(_is_value(b.text) for b in last)
            or any(len(b.text) > MAX_HEADING_CHARS for b in last)
            or any(b.x0 - a.x1 < 2 * h for a, b in zip(last, last[1:], strict=False))):
        return None
    border = (last[0].x1 + last[1].x0) / 2
    head = [tail[-1]]
    for line in reversed(tail[:-1]):
        if (min(b.y0 for b in head[0]) - max(b.y1 for b in line) > HEADER_GAP * h
                or len(head) >= MAX_HEADER_LINES
                or any(b.x0 < border - h and b.x1 > border + h for b in line)):
            break
        head.insert(0, line)
    words = [b for line in head for b in line]
    left = min(b.x0 for b in words) - 0.5 * h
    right = max(b.x1 for b in words) + 0.5 * h
    while len(head) > 1 and len(head[0]) == 1 and abs(head[0][0].cx - (left + right) / 2) < \
            2 * CENTRE_TOL * h:
        head = head[1:]  # the caption of this part of the table
    words = [b for line in head for b in line]
    stacks = _stacks([b for b in words if b.cx > border], h)
    lowest = [s for s in stacks if not any(
        o is not s and o.y0 > s.y1 and min(o.x1, s.x1) > max(o.x0, s.x0) for o in stacks)]
    if not lowest:
        return None
    centres = sorted(s.cx for s in lowest)
    if len(centres) == 1:
        half = (lowest[0].x1 - lowest[0].x0) / 2 + h
        xs = [centres[0] - half, centres[0] + half]
    else:
        mids = [(a + b) / 2 for a, b in zip(centres, centres[1:], strict=False)]
        xs = [centres[0] - (mids[0] - centres[0])] + mids + [centres[-1] + centres[-1] - mids[-1]]
    xs[0] = min(xs[0], (last[0].x1 + min(s.x0 for s in lowest)) / 2)
    bottom = max(b.y1 for b in words) + 0.5 * h
    top = min(b.y0 for b in words) - 0.5 * h
    rects = _header_rects(stacks, xs, bottom, h)
    rects += [(left, top, xs[0], bottom), (left, top, xs[-1], bottom)]
    return _rect_rules(rects), centres


def _block(lines: list[list[Box]], start: int, end: int, h: float,
           carry: list[float] | None, floor: int) -> tuple[list[Rule], list[float]] | None:
    body_lines = lines[start:end + 1]
    values = [b for line in body_lines if _is_data(line) for b in line if _is_value(b.text)]
    bands = _bands(values)
    value_x0 = bands[0][0]
    body_words = [b for line in body_lines for b in line]
    label_words = [b for b in body_words if b.x1 <= value_x0 and not _is_value(b.text)]
    left = min((b.x0 for b in body_words), default=value_x0)
    # the header: lines above, up to prose running into the values or a heading
    # no label column (table 四): headings and gaps alone end the header
    border = (max(b.x1 for b in label_words) + value_x0) / 2 if label_words else -1.0
    head: list[list[Box]] = []
    k = start - 1
    below = body_lines[0]
    while k >= floor and len(head) < MAX_HEADER_LINES and not _is_data(lines[k]):
        line = lines[k]
        if min(b.y0 for b in below) - max(b.y1 for b in line) > HEADER_GAP * h:
            break
        if any(b.x0 < border - h and b.x1 > border + h for b in line):
            break  # prose running across the label column into the values
        if any(HEADING.match(b.text) or len(b.text) > MAX_HEADING_CHARS and b.x1 > value_x0 + h
               for b in line):
            break  # a section heading, or a sentence over the columns
        head.insert(0, line)
        below = line
        k -= 1
    value_rows = _value_rows(values, h)
    if len(value_rows) < 2 and len(value_rows[0]) < 2 and not any(len(line) > 1 for line in head):
        return None  # one number after one label, under no column heading: a line of text
    head_words = [b for line in head for b in line]
    head_value = [b for b in head_words if b.cx > value_x0 - 0.5 * h]
    head_stacks = _stacks(head_value, h)
    # header cells over no number are columns the body leaves blank
    lowest = [s for s in head_stacks if not any(
        o is not s and o.y0 > s.y1 and min(o.x1, s.x1) > max(o.x0, s.x0) for o in head_stacks)]
    for s in lowest:
        if not any(min(z, s.x1) > max(a, s.x0) for a, z in bands) and s.x0 > value_x0 - h:
            bands.append([s.x0, s.x1])
    bands.sort()
    centres = [(a + z) / 2 for a, z in bands]
    if carry and not head_stacks and len(carry) > len(centres):
        pitch = min((b - a for a, b in zip(carry, carry[1:], strict=False)), default=h * 4)
        if all(min(abs(c - p) for p in carry) < 0.3 * pitch for c in centres):
            centres = list(carry)
    if len(centres) == 1:
        half = max([bands[0][1] - bands[0][0], *(s.x1 - s.x0 for s in lowest)]) / 2 + h
        xs = [centres[0] - half, centres[0] + half]
    else:
        mids = [(a + b) / 2 for a, b in zip(centres, centres[1:], strict=False)]
        xs = [centres[0] - (mids[0] - centres[0])] + mids + [centres[-1] + centres[-1] - mids[-1]]
    label_right = max((b.x1 for b in label_words), default=xs[0])
    first_value = min(b.x0 for b in values)
    if label_words and label_right > xs[0] - 0.2 * h and label_right + 0.2 * h < first_value:
        xs[0] = (label_right + first_value) / 2
    xs[-1] = max(xs[-1], max((b.x1 for b in head_value), default=xs[-1]) + 0.2 * h)
    b0 = xs[0]
    # a caption centred over the whole table, labels and values (第二十条第（一）项), is
    # the title of this part of the table, not a heading of its columns
    for n, line in enumerate(head):
        if (len(line) == 1 and left < b0 - 2 * h and line[0].x0 > b0 - h
                and abs(line[0].cx - (left + xs[-1]) / 2) < 2 * CENTRE_TOL * h):
            head = head[n + 1:]
            head_words = [b for line in head for b in line]
            head_value = [b for b in head_words if b.cx > value_x0 - 0.5 * h]
            head_stacks = _stacks(head_value, h)
    left = min([left, *(b.x0 for b in head_words)]) - 0.5 * h
    if left > b0 - h:
        left = b0

    # rows: each line of values, and each label standing alone (a blank row)
    label_stacks = _stacks([b for b in body_words if b.cx < b0 and not _is_value(b.text)], h)
    groups = [s for s in label_stacks if any(
        o is not s and o.x0 >= s.x1 - 0.2 * h and o.y0 < s.y1 and o.y1 > s.y0
        for o in label_stacks)]
    leaves = [s for s in label_stacks if not any(s is g for g in groups)]
    rows: list[dict] = []
    # values of one row share a baseline: lines of text can run two rows together when
    # wrapped labels fill the space between them
    for vals in _value_rows([b for b in values if b.cx >= b0], h):
        rows.append({"y0": min(b.y0 for b in vals), "y1": max(b.y1 for b in vals),
                     "cy": statistics.fmean(b.cy for b in vals), "label": None})
    split: list[_Stack] = []
    for s in leaves:  # a stack running over two rows of values is two rows' labels
        inside = [r["cy"] for r in rows if s.y0 < r["cy"] < s.y1]
        if len(inside) < 2:
            split.append(s)
            continue
        parts: dict[float, list[Box]] = {}
        for w in s.words:
            parts.setdefault(min(inside, key=lambda c, w=w: abs(c - w.cy)), []).append(w)
        split += [_Stack(ws) for ws in parts.values()]
    for s in split:
        near = min(rows, key=lambda r: abs(r["cy"] - s.cy), default=None)
        if near is not None and abs(near["cy"] - s.cy) < ROW_MATCH * h and near["label"] is None:
            near["label"] = s
            near["y0"], near["y1"] = min(near["y0"], s.y0), max(near["y1"], s.y1)
        else:
            rows.append({"y0": s.y0, "y1": s.y1, "cy": s.cy, "label": s})
    rows.sort(key=lambda r: r["cy"])
    if not rows or len(rows) * len(xs) > MAX_VIRTUAL_CELLS:
        return None  # no table, or a sheet of numbers too large to draw: left to the layout
    gaps = [b["y0"] - a["y1"] for a, b in zip(rows, rows[1:], strict=False)]
    pad = max(statistics.median(gaps) / 2 if gaps else 0.5 * h, 0.2 * h)
    if head_words:
        hb = max(b.y1 for b in head_words)
        ys_top = (hb + rows[0]["y0"]) / 2 if rows[0]["y0"] > hb else hb + 0.1 * h
    else:
        ys_top = rows[0]["y0"] - pad
    ys = [ys_top] + [(a["y1"] + b["y0"]) / 2 for a, b in zip(rows, rows[1:], strict=False)]
    ys.append(rows[-1]["y1"] + pad)

    rects: list[Rect] = []
    # group labels: each over the run of rows its centre stands on
    spans = _group_spans(groups, rows, ys, h)
    row_left = [left] * len(rows)
    for g in sorted(groups, key=lambda s: (s.x0, s.cy)):
        if id(g) not in spans:
            continue
        lo, hi = spans[id(g)]
        inner = [rows[r]["label"].x0 for r in range(lo, hi + 1) if rows[r]["label"] is not None]
        inner += [o.x0 for o in groups if o.x0 > g.x1 - 0.2 * h and id(o) in spans
                  and lo <= spans[id(o)][0] and spans[id(o)][1] <= hi]
        gx1 = (g.x1 + min(inner)) / 2 if inner else g.x1 + 0.2 * h
        gx0 = max(row_left[lo:hi + 1])
        rects.append((gx0, ys[lo], gx1, ys[hi + 1]))
        for r in range(lo, hi + 1):
            row_left[r] = max(row_left[r], gx1)
    for r in range(len(rows)):
        rects.append((row_left[r], ys[r], b0, ys[r + 1]))
        rects += [(xs[c], ys[r], xs[c + 1], ys[r + 1]) for c in range(len(xs) - 1)]
    if head_words:
        rects += _header_rects(head_stacks, xs, ys_top, h)
        top = min(min(b.y0 for b in head_words) - pad, min((r[1] for r in rects), default=ys_top))
        if b0 > left:
            rects.append((left, top, b0, ys_top))
        rects.append((left, top, xs[-1], ys_top))
    return _rect_rules(rects), centres


def _group_spans(groups: list[_Stack], rows: list[dict], ys: list[float], h: float
                 ) -> dict[int, tuple[int, int]]:
    """The rows each group label stands over: rows whose labels start right of it, as many
    as keep it centred, never past a row numbered 1 of its own items (a new group starts
    there) nor into rows another label of its column already holds. Inner groups first,
    so an outer one counts only the rows directly under it."""
    spans: dict[int, tuple[int, int]] = {}
    for g in sorted(groups, key=lambda s: (-s.x0, s.cy)):
        def eligible(r: int, g: _Stack = g) -> bool:
            lab = rows[r]["label"]
            return lab is None or lab.x0 >= g.x1 - 0.2 * h
        taken = {r for o in groups if id(o) in spans and min(o.x1, g.x1) > max(o.x0, g.x0)
                 for r in range(spans[id(o)][0], spans[id(o)][1] + 1)}
        inner = {r for o in groups if id(o) in spans and o.x0 > g.x1 - 0.2 * h
                 for r in range(spans[id(o)][0], spans[id(o)][1] + 1)}
        near = min(range(len(rows)), key=lambda r: abs(rows[r]["cy"] - g.cy))
        if not eligible(near) or near in taken:
            continue
        lo = hi = near
        while lo > 0 and eligible(lo - 1) and lo - 1 not in taken:
            lo -= 1
        while hi + 1 < len(rows) and eligible(hi + 1) and hi + 1 not in taken:
            hi += 1
        firsts = {r for r in range(lo, hi + 1) if r not in inner and rows[r]["label"] is not None
                  and FIRST_ITEM.match(rows[r]["label"].words[0].text)}
        best: tuple[int, int] | None = None
        for a in range(lo, near + 1):
            for z in range(near, hi + 1):
                if abs((ys[a] + ys[z + 1]) / 2 - g.cy) >= CENTRE_TOL * h:
                    continue
                if any(r in firsts for r in range(a + 1, z + 1)):
                    continue
                if best is None or z - a > best[1] - best[0]:
                    best = (a, z)
        spans[id(g)] = best or (near, near)
    return spans


def _header_rects(stacks: list[_Stack], xs: list[float], bottom: float, h: float) -> list[Rect]:
    """Header cells over the value columns ``xs``: the lowest text of each column is its
    own cell down to the body; text above spans the columns whose cells end below it,
    as many as keep it centred."""
    n = len(xs) - 1
    ceil = [bottom] * n
    rects: list[Rect] = []

    def column(x: float) -> int:
        return min(max(bisect_right(xs, x) - 1, 0), n - 1)

    placed: set[int] = set()
    for k in range(n):
        mine = [s for s in stacks if column(s.cx) == k]
        if mine:
            leaf = max(mine, key=lambda s: s.y1)
            placed.add(id(leaf))
            top = min(2 * leaf.cy - bottom, leaf.y0 - 0.1 * h)
            rects.append((xs[k], top, xs[k + 1], bottom))
            ceil[k] = top
    for s in sorted((s for s in stacks if id(s) not in placed), key=lambda s: -s.y1):
        c = column(s.cx)
        # headings side by side share the columns between them half and half
        level = [o.cx for o in stacks if o is not s and o.y0 < s.y1 and o.y1 > s.y0]
        stop_left = max((s.cx + x) / 2 for x in level if x < s.cx) if any(
            x < s.cx for x in level) else float("-inf")
        stop_right = min((s.cx + x) / 2 for x in level if x > s.cx) if any(
            x > s.cx for x in level) else float("inf")
        lo = hi = c
        while lo > 0 and ceil[lo - 1] >= s.y1 - 0.1 * h and xs[lo - 1] >= stop_left - 0.5 * h:
            lo -= 1
        while (hi + 1 < n and ceil[hi + 1] >= s.y1 - 0.1 * h
               and xs[hi + 2] <= stop_right + 0.5 * h):
            hi += 1
        best = (c, c)
        for a in range(lo, c + 1):
            for z in range(c, hi + 1):
                off = abs((xs[a] + xs[z + 1]) / 2 - s.cx)
                if off < CENTRE_TOL * h and z - a > best[1] - best[0]:
                    best = (a, z)
        a, z = best
        low = min(ceil[a:z + 1])
        top = min(2 * s.cy - low, s.y0 - 0.1 * h)
        rects.append((xs[a], top, xs[z + 1], low))
        for k in range(a, z + 1):
            ceil[k] = top
    return rects
