"""Scanned pages (图片版 PDFs, image attachments) → ``Document`` by OCR.

The model is PP-OCRv4 as shipped inside the ``rapidocr_onnxruntime`` wheel, run by
onnxruntime on the CPU: nothing is downloaded, ever. The engine is loaded once per
process, on first use.

A page goes through:

1. deskew: the angle of the page's long ruling lines (or, without rules, of its text
   lines) is measured and undone;
2. ruling lines are found (morphological opening) and erased, so the detector and the
   recogniser see text only; a vertical stroke counts as a column rule only when it runs
   between two row rules (the stems of a bold title are as tall as a table row);
3. text boxes are detected, then each is recognised on a padded crop (tight crops lose
   short numbers; the angle classifier is not used: it turns ``34`` upside down);
4. ``layout.layout_page`` rebuilds lines and table grids from the boxes and the rules;
5. every value cell of a ruled table is read again on its own ink (specks dropped,
   padded like a line of text) and decoded as a number, the probabilities of a digit's
   look-alikes added up (``0``/``O``/``。``); the two readings are compared.

Every grid cell carries the lowest confidence of its boxes; ``flag_cells`` marks each
report cell read by OCR with ``ocr:<conf>`` and turns cells under
``OCR_CELL_MIN_CONF`` into NULL with ``ocr_low_confidence:<conf>`` (unless the table's
own arithmetic confirms the reading). Pages under ``OCR_PAGE_MIN_CONF`` are flagged.
"""

from __future__ import annotations

import io
import math
import re
import statistics
from collections.abc import Collection
from dataclasses import dataclass, replace

from . import limits
from .extract import Document
from .grid import Grid
from .layout import Box, BoxCell, Rule, layout_page
from .normalize import label_key, normalize_text
from .values import is_number, is_value

_ENGINE = None

RULE_JOIN_TOL = 2.0  # a column rule ends within this many rule thicknesses of a row rule
VALUE_JUNK_CHARS = 3  # a value cell read as this many non-CJK marks may be a misread number
CELL_INSET = 3  # pixels of a ruled cell's border left out of its crop
INK_LEVEL = 150  # grey below this is ink
SPECK_SHARE = 0.25  # a blot smaller than this share of a text line's height is a speck
CELL_READ_HEIGHT = 32  # a cell's ink shorter than this (pixels) is scaled up to it
CELL_PAD_Y = 0.5  # white around a cell's ink, as shares of its height (measured: a lone 0
# padded so reads as 0 with 0.99, padded 0.25 x 0.6 as 0 or O at 0.8)
CELL_PAD_X = 0.35
RULE_REMNANT_SHARE = 0.2  # thin ink on a cell crop's edge (this share of a line) is a rule
GLYPH_REACH = 0.1  # ink this near a glyph (share of a line's height) belongs to it
SPECK_MIN_PX = 3  # a blot under this many pixels across never widens a cell's crop
CROP_MARGIN = 0.12  # of a line's height, kept around a cell's ink
CROP_MARGIN_Y_PX = 1
DASH_RATIO = 2.5  # ink this many times wider than tall is a dash, however small
VALUE_BATCH = 16  # value-cell crops recognised together


def engine():
    """The OCR engine, loaded once per process (models from inside the wheel).

    Loading it (with OpenCV and onnxruntime) adds about 630 MB of address space to a
    process, and the first page read about 450 MB more (RSS about 0.5 GB in all), with
    glibc held to two malloc arenas (onnxruntime's threads would reserve 64 MB each): a
    parsing worker under ``RLIMIT_AS`` should call ``preload`` before it measures itself.
    """
    global _ENGINE
    if _ENGINE is None:
        _few_malloc_arenas()
        from rapidocr_onnxruntime import RapidOCR

        _ENGINE = RapidOCR(intra_op_num_threads=limits.OCR_THREADS,
                           inter_op_num_threads=1, print_verbose=False)
    return _ENGINE


def preload() -> None:
    """Load the OCR engine now (a parsing worker does, before its memory is limited)."""
    engine()


def _few_malloc_arenas() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc
        pass


@dataclass
class PageRead:
    boxes: list[Box]
    rules: list[Rule]
    angle: float  # degrees of skew undone
    conf: float | None  # mean confidence of the page's boxes
    image: object = None  # the deskewed page without its rules (for reading cells again)
    unit: float = 20.0  # the height of a line of text, in pixels


# -- image preparation -----------------------------------------------------------------


def _gray(image):
    """A PIL image → 8-bit grayscale array, scaled down past ``MAX_OCR_PIXELS``."""
    import numpy as np

    image = image.convert("L")
    w, h = image.size
    if w * h > limits.MAX_OCR_PIXELS:
        k = math.sqrt(limits.MAX_OCR_PIXELS / (w * h))
        image = image.resize((max(1, int(w * k)), max(1, int(h * k))))
    return np.asarray(image, dtype=np.uint8).copy()


def _ink(gray):
    import cv2

    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                 25, 15)


def _line_masks(ink, unit: int):
    """Masks of long horizontal and vertical strokes (ruling lines)."""
    import cv2

    h_len = max(4 * unit, ink.shape[1] // 30)
    v_len = max(int(1.5 * unit), 12)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    return horizontal, vertical


def _long_strokes(ink, length: int):
    """Horizontal strokes at least ``length`` long: short enough a kernel that a rule
    tilted a few degrees still shows (a thin line tilted 3° runs 38 px a row)."""
    import cv2

    return cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))


def _skew(horizontal) -> float | None:
    """Degrees by which long horizontal lines rise to the right (None: no such lines)."""
    import cv2
    import numpy as np

    n, labels, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    angles = []
    width = horizontal.shape[1]
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if w < width / 5 or h > w / 8:
            continue
        ys, xs = np.nonzero(labels[y:y + h, x:x + w] == i)
        if len(xs) < 50:
            continue
        slope = np.polyfit(xs.astype(float), ys.astype(float), 1)[0]
        angles.append(math.degrees(math.atan(slope)))
    return float(statistics.median(angles)) if angles else None


def _rotate(gray, angle: float):
    import cv2

    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _segments(mask, horizontal: bool, max_thick: int) -> list[Rule]:
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if horizontal and h <= max_thick:
            out.append(Rule(True, y + h / 2, float(x), float(x + w)))
        elif not horizontal and w <= max_thick:
            out.append(Rule(False, x + w / 2, float(y), float(y + h)))
    return out


def _table_verticals(mask, across: list[Rule], thick: int):
    """Vertical strokes that run between two horizontal rules (a table's column rules),
    and the mask of those alone: the stems of large or bold characters (a title's 丰, 中)
    are as tall as a table row but meet no horizontal rule, and erasing them as rules
    would cut the title into garbage."""
    import cv2
    import numpy as np

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    tol = RULE_JOIN_TOL * thick
    keep = np.zeros(n, dtype=bool)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w > thick:
            continue
        cx = x + w / 2

        def meets(at: float, cx: float = cx) -> bool:
            return any(abs(r.pos - at) <= tol and r.start - tol <= cx <= r.end + tol
                       for r in across)

        if meets(y) and meets(y + h):
            keep[i] = True
            out.append(Rule(False, cx, float(y), float(y + h)))
    kept = np.where(keep[labels], 255, 0).astype(np.uint8)
    return kept, out


# -- reading ---------------------------------------------------------------------------


def read_image(image, dpi: float = limits.OCR_DPI) -> PageRead:
    """OCR one page image (PIL): boxes and rules in the deskewed page's pixels."""
    import cv2
    import numpy as np

    gray = _gray(image)
    unit = max(8, int(dpi * 10.5 / 72 * 0.9))  # about one character of body text
    angle = _skew(_long_strokes(_ink(gray), max(unit, 20)))
    if angle is not None and abs(angle) > 0.05:
        gray = _rotate(gray, angle)
    ink = _ink(gray)
    horizontal, vertical = _line_masks(ink, unit)
    thick = max(3, unit // 3)
    across = _segments(horizontal, True, thick)
    vertical, down = _table_verticals(vertical, across, thick)
    rules = across + down
    lines = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    clean = gray.copy()
    clean[lines > 0] = 255
    boxes = _recognise(clean, rules)
    text_angle = 0.0
    if angle is None:
        text_angle = _text_skew(boxes)
        if abs(text_angle) > 0.05:
            boxes = _unrotate(boxes, text_angle, clean.shape)
    confs = [b.conf for b in boxes]
    unit = statistics.median([b.h for b in boxes]) if boxes else float(unit)
    return PageRead(boxes, rules, angle if angle is not None else text_angle,
                    statistics.fmean(confs) if confs else None, clean, unit)



def _split_at_rules(places: list[tuple[float, float, float, float]], rules: list[Rule]
                    ) -> list[tuple[float, float, float, float]]:
    """Boxes cut where a vertical rule crosses them: the detector joins the words of
    neighbouring cells once the rule between them is erased."""
    vertical = [r for r in rules if not r.horizontal]
    out = []
    for x0, y0, x1, y1 in places:
        cy, h = (y0 + y1) / 2, y1 - y0
        cuts = sorted(r.pos for r in vertical
                      if x0 + 0.3 * h < r.pos < x1 - 0.3 * h and r.start <= cy <= r.end)
        edges = [x0, *cuts, x1]
        out += [(a, y0, b, y1) for a, b in zip(edges, edges[1:], strict=False) if b - a > 2]
    return out


def read_crops(crops) -> list[tuple[str, float]]:
    """Recognise grayscale crops: (text, confidence) each."""
    import numpy as np

    if not crops:
        return []
    results, _ = engine().text_rec([np.stack([c] * 3, axis=-1) for c in crops])
    return [(_clean(r[0]), round(float(r[1]), 3)) for r in results]


# Characters a value cell may print, and the shapes the recogniser confuses with them:
# read as a number, a cell's ``O`` is a ``0`` (their probabilities are added up).
_NUMERIC_READING = {
    "0": "0Oo〇○。DQ口", "1": "1lI|丨i!", "2": "2Z", "3": "3", "4": "4", "5": "5S", "6": "6",
    "7": "7", "8": "8B", "9": "9", "+": "+十", "-": "-－", ".": ".", ",": ",，", "/": "/",
    "%": "%", "个": "个", "件": "件", "元": "元", "万": "万", "项": "项", "条": "条",
    "次": "次", "人": "人", "无": "无", "—": "—一",
}


def _number_groups():
    global _GROUPS
    if _GROUPS is None:
        chars = engine().text_rec.postprocess_op.character
        at = {c: i for i, c in enumerate(chars)}
        _GROUPS = ([k for k in _NUMERIC_READING],
                   [[at[c] for c in v if c in at] for v in _NUMERIC_READING.values()])
    return _GROUPS


_GROUPS = None


def read_value_crops(crops) -> list[tuple[str, float]]:
    """Recognise crops of value cells, reading them as numbers: at each step of the
    recogniser's output the probability of a digit is that of its look-alikes added up
    (``0``, ``O``, ``o``, ``。``). A crop whose reading needs another character somewhere
    is read plainly instead (``read_crops``)."""
    import numpy as np

    if not crops:
        return []
    rec = engine().text_rec
    names, groups = _number_groups()
    images = [np.stack([c] * 3, axis=-1) for c in crops]
    order = sorted(range(len(images)), key=lambda k: images[k].shape[1] / images[k].shape[0])
    out: list[tuple[str, float] | None] = [None] * len(images)
    plain = []
    _, height, width = rec.rec_image_shape
    for at in range(0, len(order), VALUE_BATCH):
        chunk = order[at:at + VALUE_BATCH]
        ratio = max([width / height] + [images[k].shape[1] / images[k].shape[0] for k in chunk])
        batch = np.concatenate([rec.resize_norm_img(images[k], ratio)[np.newaxis, :]
                                for k in chunk]).astype(np.float32)
        probs = rec.session(batch)[0]
        for k, p in zip(chunk, probs, strict=False):
            mass = np.stack([p[:, 0]] + [p[:, g].sum(axis=1) for g in groups], axis=1)
            other = 1.0 - mass.sum(axis=1)
            best = mass.argmax(axis=1)
            if np.any(other > mass.max(axis=1)):
                plain.append(k)
                continue
            # a character's confidence is its surest step: CTC spreads one glyph over
            # several steps, and the first of them is often half blank
            text, confs, last = [], [], 0
            for step, b in enumerate(best):
                if b != 0 and b != last:
                    text.append(names[b - 1])
                    confs.append(float(mass[step, b]))
                elif b != 0:
                    confs[-1] = max(confs[-1], float(mass[step, b]))
                last = b
            out[k] = (_clean("".join(text)), round(float(np.mean(confs)), 3) if confs else 0.0)
    for k, got in zip(plain, read_crops([crops[k] for k in plain]), strict=False):
        out[k] = got
    return [o if o is not None else ("", 0.0) for o in out]


def _recognise(gray, rules: list[Rule]) -> list[Box]:
    import numpy as np

    eng = engine()
    quads, _ = eng.text_det(np.stack([gray] * 3, axis=-1))
    if quads is None or len(quads) == 0:
        return []
    heights = sorted(float(q[:, 1].max() - q[:, 1].min()) for q in quads)
    line_h = heights[len(heights) // 2]
    found = [(float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()),
              float(q[:, 1].max())) for q in quads]
    places = []
    wide_crops, tight_crops = [], []
    for x0, y0, x1, y1 in _split_at_rules(found, rules):
        h = y1 - y0
        if x1 - x0 < 2 or h < 2:
            continue
        unit = min(h, line_h)
        wide = _crop(gray, x0, y0, x1, y1, max(2.0, 0.25 * unit), max(2.0, 0.12 * unit))
        if h > 2.5 * (x1 - x0) and h > 2 * line_h:  # vertical text: stack its characters
            wide = _unstack(wide)
        places.append((x0, y0, x1, y1))
        wide_crops.append(wide)
        tight_crops.append(_crop(gray, x0, y0, x1, y1, max(1.0, 0.08 * unit), 1.0))
    first = read_crops(wide_crops)
    # numbers are read twice (two crops): a lone short number is where the recogniser
    # slips, and two readings that differ make the cell a weak one
    numeric = [k for k, (text, conf) in enumerate(first)
               if is_number(text) and conf < limits.OCR_SURE_CONF]
    second = dict(zip(numeric, read_crops([tight_crops[k] for k in numeric]), strict=False))
    boxes = []
    for k, ((x0, y0, x1, y1), (text, conf)) in enumerate(zip(places, first, strict=False)):
        if not text:
            continue
        alts: tuple[str, ...] = ()
        if k in second:
            other, other_conf = second[k]
            if other == text:
                conf = max(conf, other_conf)
            else:
                alts = (other,)
                conf = round(min(conf, other_conf, limits.OCR_CELL_MIN_CONF) / 2, 3)
        boxes.extend(_split_words(Box(x0, y0, x1, y1, text, conf, alts)))
    return boxes


def _width(text: str) -> float:
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def _split_words(box: Box) -> list[Box]:
    """A box the detector drew over several short words (header cells of an unruled
    table: ``结果维持 结果纠正``) → one box per word, placed by character widths.

    >>> [(b.text, round(b.x0), round(b.x1)) for b in _split_words(Box(0, 0, 90, 10, "结果维持 结果纠正"))]
    [('结果维持', 0, 42), ('结果纠正', 48, 90)]
    """
    words = box.text.split(" ")
    if len(words) < 2 or any(len(w) > 10 for w in words) or not all(words):
        return [box]
    total = _width(box.text)
    scale = (box.x1 - box.x0) / total if total else 0.0
    out, at = [], box.x0
    for w in words:
        width = _width(w) * scale
        out.append(replace(box, x0=at, x1=at + width, text=w, alts=()))
        at += width + _width(" ") * scale
    return out


def _crop(gray, x0: float, y0: float, x1: float, y1: float, pad_x: float, pad_y: float):
    hgt, wid = gray.shape
    a0, b0 = int(max(0, x0 - pad_x)), int(max(0, y0 - pad_y))
    a1, b1 = int(min(wid, x1 + pad_x)), int(min(hgt, y1 + pad_y))
    return gray[b0:max(b1, b0 + 1), a0:max(a1, a0 + 1)]


def _unstack(crop):
    """A column of vertical text → one row of its characters, left to right."""
    import numpy as np

    h, w = crop.shape
    n = max(1, round(h / max(w, 1)))
    step = h / n
    pieces = [crop[int(k * step):int((k + 1) * step), :] for k in range(n)]
    side = min(p.shape[0] for p in pieces)
    return np.concatenate([p[:side, :] for p in pieces], axis=1)


_EDGE_JUNK = re.compile(r"^[|丨｜'`\s]+|[|丨｜'`\s]+$")
_NUMBER_JUNK = re.compile(r"^[.:;,'`#*_~·•。、，：；]+|[.:;,'`#*_~·•。、，：；]+$")


def _clean(text: str) -> str:
    """Recognised text without the specks read as punctuation around a number.

    >>> [_clean(t) for t in ("427.", "#22.", ":35", "9024.36", "1,036", " | 12 ")]
    ['427', '22', '35', '9024.36', '1,036', '12']
    """
    text = normalize_text(text).strip()
    text = _EDGE_JUNK.sub("", text)
    compact = text.replace(" ", "")
    if re.fullmatch(r"[+-]?[\d,.]+", _NUMBER_JUNK.sub("", compact) or "x"):
        text = _NUMBER_JUNK.sub("", compact)  # a number read with specks or a stray space
    return text


def _text_skew(boxes: list[Box]) -> float:
    """Skew from text alone: the slope of rows of boxes (long lines weigh most)."""
    # Without rules the detector's axis-aligned boxes carry no angle; pairs of boxes on
    # one line do: the median slope between neighbours of similar height.
    slopes = []
    ordered = sorted(boxes, key=lambda b: (round(b.cy / max(b.h, 1)), b.x0))
    for a, b in zip(ordered, ordered[1:], strict=False):
        dx = b.cx - a.cx
        if dx > 3 * max(a.h, 1) and abs(b.cy - a.cy) < 0.5 * a.h and abs(a.h - b.h) < 0.3 * a.h:
            slopes.append((b.cy - a.cy) / dx)
    return math.degrees(math.atan(statistics.median(slopes))) if len(slopes) >= 5 else 0.0


def _unrotate(boxes: list[Box], angle: float, shape) -> list[Box]:
    h, w = shape
    cx, cy = w / 2, h / 2
    t = math.radians(angle)
    cos, sin = math.cos(t), math.sin(t)
    out = []
    for b in boxes:
        x, y = b.cx - cx, b.cy - cy
        nx, ny = x * cos + y * sin + cx, -x * sin + y * cos + cy
        out.append(replace(b, x0=nx - (b.x1 - b.x0) / 2, x1=nx + (b.x1 - b.x0) / 2,
                           y0=ny - b.h / 2, y1=ny + b.h / 2))
    return out


# -- documents -------------------------------------------------------------------------


def from_images(images, title: str = "", meta: dict[str, str] | None = None) -> Document:
    """A ``Document`` from page images (PIL), OCR'd in order."""
    doc = Document(kind="ocr", meta=dict(meta or {}))
    for n, image in enumerate(images, start=1):
        if n > limits.MAX_OCR_PAGES:
            doc.flags.append(f"ocr_pages_truncated:{limits.MAX_OCR_PAGES}")
            break
        add_page(doc, read_image(image), n)
    doc.title = title or (doc.lines[0] if doc.lines else "")
    return doc


def add_page(doc: Document, page: PageRead, n: int) -> None:
    """Append an OCR'd page's lines and tables to ``doc``, flagging a weak page."""
    if not page.boxes:
        doc.flags.append(f"ocr_empty_page:{n}")
        return
    laid = layout_page(page.boxes, page.rules, page=n, conf_floor=limits.OCR_CELL_MIN_CONF,
                       reread=lambda grid: _reread(grid, page.image, page.unit))
    doc.lines.extend(line for line in laid.lines if line.strip())
    doc.tables.extend(laid.tables)
    if page.conf is not None and page.conf < limits.OCR_PAGE_MIN_CONF:
        doc.flags.append(f"ocr_low_confidence:page{n}:{page.conf:.2f}")


def _reread(grid: Grid, image, unit: float) -> None:
    """Read every value cell of a ruled table again, on the ink of that cell alone.

    The page's detector draws a lone short number (``0``) as a box too small for the
    recogniser, which then reads a ring as ``。`` or ``o``; a crop around the cell's own
    ink, specks dropped, padded like a line of text, reads right. The two readings are
    compared: agreeing, the cell is settled; a reading that is no number yields to one
    that is; two different numbers leave the cell weak (flagged, for the sums to decide).
    """
    if image is None:
        return
    todo: list[BoxCell] = []
    crops, talls = [], []
    for r in range(grid.nrows):
        for cell in grid.row_cells(r):
            if (isinstance(cell, BoxCell) and cell.row == r and cell.bbox is not None
                    and cell.col > 0 and _value_like(cell.text)):
                crop = _ink_crop(image, cell.bbox, unit)
                if crop is None:
                    if not is_value(cell.text):  # a speck read as a mark: an empty cell
                        cell.text, cell.conf, cell.alts = "", None, ()
                    continue
                todo.append(cell)
                crops.append(crop)
                talls.append(_ink_crop(image, cell.bbox, unit, tall=True))
    # two crops of each cell: with paper above and below the glyphs, thin print reads
    # better, without it a lone 0 does; a reading that agrees with the page's wins
    pairs = zip(read_value_crops(crops), read_value_crops(talls), strict=False)
    for cell, readings in zip(todo, pairs, strict=False):
        first = _as_digits(cell.text)
        agree = [(t, c) for t, c in readings if _as_digits(t) == first and first]
        text, conf = max(agree or readings, key=lambda tc: tc[1])
        text = _as_digits(text)
        if not text or not is_value(text):
            if first != cell.text and is_value(first):
                cell.text = first
                cell.conf = round(min(cell.conf or 0.0, limits.OCR_CELL_MIN_CONF) / 2, 3)
            continue
        if not first or not is_value(first):  # the page read junk or nothing here
            cell.text, cell.conf, cell.alts = text, conf, ()
        elif text == first or text in cell.alts:  # a second reading agrees: settled
            cell.text, cell.conf, cell.alts = text, max(conf, cell.conf or 0.0), ()
        else:
            if conf > (cell.conf or 0.0):
                text, first = first, text
                cell.text = first
            cell.alts = (text, *cell.alts)
            cell.conf = round(min(conf, cell.conf or 0.0, limits.OCR_CELL_MIN_CONF) / 2, 3)


_DIGIT_LOOKALIKES = str.maketrans({"。": "0", "o": "0", "O": "0", "〇": "0", "○": "0",
                                   "D": "0", "l": "1", "I": "1", "|": "1", "丨": "1",
                                   "S": "5", "B": "8", "Z": "2"})


def _as_digits(text: str) -> str:
    """A value cell's reading with look-alike letters as digits, when that makes it a
    number (``o`` → ``0``, ``l5`` → ``15``); else the reading unchanged.

    >>> [_as_digits(t) for t in ("。", "O", "l5", "1O2", "无", "规章", "Ol个")]
    ['0', '0', '15', '102', '无', '规章', '01个']
    """
    mapped = _clean(text.translate(_DIGIT_LOOKALIKES))
    return mapped if mapped != text and is_number(mapped) else text


def _value_like(text: str) -> bool:
    """Text a value cell may hold as read: nothing, a value, or a few marks and letters
    (a number misread), not a label."""
    if not text or is_value(text) or is_value(_as_digits(text)):
        return True
    return len(text) <= VALUE_JUNK_CHARS and not re.search(r"[\u4e00-\u9fff]", text)


def _ink_crop(image, bbox: tuple[float, float, float, float], unit: float,
              tall: bool = False):
    """The ink of a ruled cell (specks and rule remnants left out), padded like a line
    of text; None for a cell with no ink but specks."""
    import cv2
    import numpy as np

    x0, y0, x1, y1 = (int(v) for v in bbox)
    inset = CELL_INSET
    cell = image[y0 + inset:max(y1 - inset, y0 + inset + 1),
                 x0 + inset:max(x1 - inset, x0 + inset + 1)]
    if cell.size == 0:
        return None
    ink = (cell < INK_LEVEL).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    speck = SPECK_SHARE * unit
    ch, cw = ink.shape
    thin = RULE_REMNANT_SHARE * unit

    def remnant(x: int, y: int, w: int, h: int) -> bool:  # what is left of a cell's rule
        edge = x == 0 or y == 0 or x + w >= cw or y + h >= ch
        return edge and min(w, h) <= thin

    # a minus sign is as thin as a speck but much wider than tall
    big = [i for i in range(1, n) if not remnant(*stats[i][:4]) and (
        max(stats[i][2], stats[i][3]) >= speck
        or stats[i][2] >= max(DASH_RATIO * stats[i][3], 0.5 * speck))]
    if not big:
        return None
    ax0 = min(stats[i][0] for i in big)
    ay0 = min(stats[i][1] for i in big)
    ax1 = max(stats[i][0] + stats[i][2] for i in big)
    ay1 = max(stats[i][1] + stats[i][3] for i in big)
    # the thin pieces of a glyph (the flag of a 5, cut off by the threshold) touch it
    near = GLYPH_REACH * unit
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if (i not in big and not remnant(x, y, w, h) and x < ax1 + near and x + w > ax0 - near
                and y < ay1 + near and y + h > ay0 - near and max(w, h) >= SPECK_MIN_PX):
            ax0, ax1 = min(ax0, x), max(ax1, x + w)
            ay0, ay1 = min(ay0, y), max(ay1, y + h)
    clean = cell.copy()
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if remnant(x, y, w, h):
            clean[labels == i] = 255
    # the faint edges of thin strokes fall short of the ink level: a margin at the sides
    # keeps them (above and below only a pixel: more cell paper costs a lone 0 its confidence)
    margin = int(math.ceil(CROP_MARGIN * unit))
    glyph_h = ay1 - ay0
    ax0, ax1 = max(0, ax0 - margin), min(cw, ax1 + margin)
    margin_y = margin if tall else CROP_MARGIN_Y_PX
    ay0, ay1 = max(0, ay0 - margin_y), min(ch, ay1 + margin_y)
    piece = clean[ay0:ay1, ax0:ax1]
    k = 1.0
    if glyph_h < CELL_READ_HEIGHT:  # small print: scaled up so the recogniser sees strokes
        k = CELL_READ_HEIGHT / glyph_h
        piece = cv2.resize(piece, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
    # the white around the glyph as measured, the margin counted in
    pad_y = int(CELL_PAD_Y * glyph_h * k)
    pad_x = max(0, int(CELL_PAD_X * glyph_h * k - margin * k))
    return cv2.copyMakeBorder(piece, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT,
                              value=255)


def from_image_bytes(data: bytes) -> Document:
    """An image attachment (PNG, JPEG, GIF, TIFF, BMP): every frame OCR'd."""
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = limits.MAX_OCR_PIXELS * 4  # refuse decompression bombs
    with Image.open(io.BytesIO(data)) as im:
        frames = [f.convert("RGB") for _, f in zip(range(limits.MAX_OCR_PAGES),
                                                   ImageSequence.Iterator(im), strict=False)]
    dpi = limits.OCR_DPI
    return from_images(frames) if frames else Document(kind="ocr", flags=[f"ocr_empty:{dpi}"])


def pdf_page_images(data: bytes, pages: list[int] | None = None, dpi: float = limits.OCR_DPI):
    """Yield (page number from 1, PIL image) of a PDF's pages, rasterised by pdfium."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        numbers = pages if pages is not None else list(range(1, len(pdf) + 1))
        for n in numbers[:limits.MAX_OCR_PAGES]:
            page = pdf[n - 1]
            w, h = page.get_size()
            scale = dpi / 72
            if w * h * scale * scale > limits.MAX_OCR_PIXELS:
                scale = math.sqrt(limits.MAX_OCR_PIXELS / (w * h))
            yield n, page.render(scale=scale, grayscale=True).to_pil()
            page.close()
    finally:
        pdf.close()


def image_only_pages(data: bytes, skip: Collection[int] = ()) -> tuple[int, list[int]]:
    """(page count, pages with next to no text but an image): the pages OCR must read.
    Pages in ``skip`` (over a limit) are not opened: pdfium parses a page as it opens it."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(data)
    try:
        found = []
        for n in range(1, len(pdf) + 1):
            if n in skip:
                continue
            page = pdf[n - 1]
            textpage = page.get_textpage()
            chars = len(re.sub(r"\s", "", textpage.get_text_range()))
            textpage.close()
            if chars < limits.OCR_TEXT_PAGE_CHARS:
                images = any(obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE
                             for obj in page.get_objects(max_depth=2))
                if images:
                    found.append(n)
            page.close()
        return len(pdf), found
    finally:
        pdf.close()


def scanned_pages(data: bytes, pages: list[int] | None = None) -> list[tuple[int, Document]]:
    """(page number, that page's document) for each PDF page OCR'd."""
    out = []
    for n, image in pdf_page_images(data, pages):
        page = Document(kind="ocr")
        add_page(page, read_image(image), n)
        out.append((n, page))
    return out


def from_scanned_pdf(data: bytes, pages: list[int] | None = None,
                     meta: dict[str, str] | None = None) -> Document:
    """A ``Document`` of a scanned PDF (or of its ``pages``), every page OCR'd."""
    doc = Document(kind="ocr", meta=dict(meta or {}))
    for _, page in scanned_pages(data, pages):
        doc.lines += page.lines
        doc.tables += page.tables
        doc.flags += page.flags
    if pages is not None and len(pages) > limits.MAX_OCR_PAGES:
        doc.flags.append(f"ocr_pages_truncated:{limits.MAX_OCR_PAGES}")
    doc.title = doc.meta.get("Title") or (doc.lines[0] if doc.lines else "")
    return doc


# -- report cells ----------------------------------------------------------------------


def _value_cells(grids: list[Grid]) -> list[BoxCell]:
    out = []
    for grid in grids:
        for r in range(grid.nrows):
            for cell in grid.row_cells(r):
                if cell.row == r and isinstance(cell, BoxCell) and is_value(cell.text):
                    out.append(cell)
    return out


def _align(raws: list[str], cells: list[BoxCell]) -> dict[int, BoxCell]:
    """Report cells (their raw text, in order) matched to grid cells in reading order:
    the longest common subsequence of texts."""
    a = [label_key(r) for r in raws]
    b = [label_key(c.text) for c in cells]
    n, m = len(a), len(b)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = (best[i + 1][j + 1] + 1 if a[i] == b[j]
                          else max(best[i + 1][j], best[i][j + 1]))
    out, i, j = {}, 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            out[i] = cells[j]
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def flag_cells(report, doc: Document, every_cell: bool = True) -> None:
    """Settle the cells of a report read from an OCR'd document.

    Grid cells come flagged from the layout (``ocr:<conf>``, or
    ``ocr_low_confidence:<conf>`` under ``OCR_CELL_MIN_CONF``). A weak cell becomes NULL
    — unless its row's total, all read confidently, confirms it
    (``ocr:<conf>:confirmed``). A cell read from the text lines instead of a grid gets
    the confidence of the grid cell it matches in reading order, else of the weakest
    box with its text; with ``every_cell`` False (a PDF with only some pages scanned)
    such unmatched cells are left alone."""
    if report is None or not report.cells:
        return
    cells = _value_cells(doc.tables)
    floor = limits.OCR_CELL_MIN_CONF
    weakest = min((c.conf for c in cells if c.conf is not None), default=None)
    by_table: dict[str, list[int]] = {}
    for k, cv in enumerate(report.cells):
        if _ocr_flag(cv.flag) is None:
            by_table.setdefault(cv.table, []).append(k)
    conf_of: dict[int, float | None] = {}
    for k, cv in enumerate(report.cells):
        if (found := _ocr_flag(cv.flag)) is not None:
            conf_of[k] = found
    for keys in by_table.values():
        matched = _align([report.cells[k].raw for k in keys], cells)
        for i, k in enumerate(keys):
            if i in matched:
                conf_of[k] = matched[i].conf
            elif every_cell:
                same = [c.conf for c in cells if c.conf is not None
                        and label_key(c.text) == label_key(report.cells[k].raw)]
                conf_of[k] = min(same) if same else weakest
    values = {(c.table, c.row_key, c.col_key): c.value for c in report.cells}
    low = 0
    out = []
    for k, cv in enumerate(report.cells):
        if k not in conf_of:
            out.append(cv)
            continue
        conf = conf_of[k]
        rest = [f for f in (cv.flag or "").split(",") if f and _ocr_flag(f) is None]
        mark = "ocr:?" if conf is None else f"ocr:{conf:.2f}"
        if conf is not None and conf < floor and cv.raw:
            if cv.value is not None and _confirmed(cv, values, conf_of, report.cells):
                mark += ":confirmed"
            else:
                low += 1
                out.append(replace(cv, value=None, flag=",".join(
                    [f"ocr_low_confidence:{conf:.2f}", *rest])))
                continue
        out.append(replace(cv, flag=",".join([mark, *rest])))
    report.cells = out
    report.flags.append(f"ocr_cells:{len(conf_of)}")
    if low:
        report.flags.append(f"ocr_low_confidence:cells={low}")


def _ocr_flag(flag: str | None) -> float | None:
    """The confidence an ``ocr:``/``ocr_low_confidence:`` flag carries."""
    for part in (flag or "").split(","):
        m = re.match(r"ocr(?:_low_confidence)?:(\d(?:\.\d+)?)", part)
        if m:
            return float(m.group(1))
    return None


_SUMS = {  # table → (the parts of a row, its total column): R3 and R4
    "requests": (("natural_person", "commercial", "research", "nonprofit", "legal_service",
                  "other_org"), "total"),
    "reviews": (("upheld", "corrected", "other", "pending"), "total"),
}


def _confirmed(cv, values, conf_of, cells) -> bool:
    """A weakly read cell whose row adds up with it (R3 in table 三, R4 in table 四),
    every other figure of that sum read confidently."""
    if cv.table not in _SUMS:
        return False
    parts, total = _SUMS[cv.table]
    strong = {(c.table, c.row_key, c.col_key) for k, c in enumerate(cells)
              if conf_of.get(k) is not None and conf_of[k] >= limits.OCR_CELL_MIN_CONF}
    keys = [(cv.table, cv.row_key, c) for c in (*parts, total)]
    me = (cv.table, cv.row_key, cv.col_key)
    if me not in keys or any(values.get(k) is None for k in keys):
        return False
    if not all(k in strong for k in keys if k != me):
        return False
    return sum(values[k] for k in keys[:-1]) == values[keys[-1]]


# -- PDFs with scanned pages -----------------------------------------------------------


def with_scanned_pages(doc: Document, data: bytes) -> Document:
    """A PDF's document with its image-only pages read by OCR: the whole document when
    every page is a scan, else the OCR'd pages' lines put after the text of the pages
    before them."""
    try:
        total, pages = image_only_pages(data, skip=doc.unread_pages)
    except Exception as exc:  # pdfium refusing what pdfplumber read: keep the text
        doc.flags.append(f"ocr_failed:{type(exc).__name__}")
        return doc
    if not pages:
        return doc
    if len(pages) == total or not doc.lines:
        scanned = from_scanned_pdf(data, pages, meta=doc.meta)
        scanned.flags = [f for f in doc.flags if f != "pdf_no_text"] + scanned.flags
        scanned.flags.append(f"ocr_pages:{len(pages)}/{total}")
        return scanned
    keys = _page_line_keys(data, skip=doc.unread_pages)
    lines = list(doc.lines)
    done = 0  # where the last OCR'd page ended: a later page goes after it
    for n, page in scanned_pages(data, pages):
        before = set().union(*(keys.get(q, set()) for q in range(1, n)))
        after = set().union(*(keys.get(q, set()) for q in range(n, total + 1)))
        at = done
        for i, line in enumerate(lines):
            key = label_key(line)
            if i >= done and key in before and key not in after:
                at = i + 1
        lines[at:at] = page.lines
        done = at + len(page.lines)
        doc.tables.extend(page.tables)
        doc.flags.extend(page.flags)
    if len(pages) > limits.MAX_OCR_PAGES:
        doc.flags.append(f"ocr_pages_truncated:{limits.MAX_OCR_PAGES}")
    doc.lines = lines
    doc.tables.sort(key=lambda g: g.page if g.page is not None else 0)
    doc.flags.append(f"ocr_pages:{len(pages)}/{total}")
    return doc


def _page_line_keys(data: bytes, skip: Collection[int] = ()) -> dict[int, set[str]]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        out = {}
        for n in range(1, len(pdf) + 1):
            if n in skip:
                continue
            page = pdf[n - 1]
            textpage = page.get_textpage()
            text = normalize_text(textpage.get_text_range())
            out[n] = {label_key(line) for line in text.splitlines() if line.strip()}
            textpage.close()
            page.close()
        return out
    finally:
        pdf.close()


def settle(report, doc: Document) -> None:
    """After parsing: the OCR flags of a scanned document's cells (see ``flag_cells``)."""
    if doc.kind == "ocr":
        flag_cells(report, doc)
    elif any(f.startswith("ocr_pages:") for f in doc.flags):
        flag_cells(report, doc, every_cell=False)
