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
import zipfile

from lxml import etree

from . import limits
from .extract import Document
from .layout import Box, Rule, layout_page
from .limits import SafeZip, ZipLimitError
from .normalize import normalize_text

NARROW_GLYPH = 0.55  # width of a Latin letter or digit, as a share of the font size
BASELINE_TOL = 0.3  # characters whose baselines differ by less (× height) share a line
WORD_GAP = 0.35  # a wider gap (× height) between characters parts two words


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
            laid = layout_page(_words(boxes), rules, page=pages_read)
            doc.lines.extend(laid.lines)
            doc.tables.extend(laid.tables)
            if reader.text_objects > limits.MAX_OFD_TEXT_OBJECTS:
                doc.flags.append(f"too_large:ofd text objects over {limits.MAX_OFD_TEXT_OBJECTS}")
                break
    if not doc.lines:
        doc.flags.append("ofd_no_text")
    doc.title = doc.meta.get("Title") or (doc.lines[0] if doc.lines else "")
    return doc


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
        text = normalize_text(code.text or "").replace("\n", "")
        if code.get("X") is not None:
            x = (_floats(code.get("X")) or [x])[0]
        if code.get("Y") is not None:
            y = (_floats(code.get("Y")) or [y])[0]
        dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
        for i, ch in enumerate(text):
            px, py = _apply(m, x, y)
            glyph = size if ord(ch) > 0x2E7F else size * NARROW_GLYPH
            # the advance is the glyph's real width: a full-width comma advancing half an
            # em must not overlap the next character, or words part at every comma
            advance = dx[i] if i < len(dx) else glyph
            wide = (advance if 0 < advance <= glyph * 1.2 else glyph) * scale
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
    for ch in (c for line in _baselines(chars) for c in line):
        if ch.text == " ":
            continue
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
