"""Read ESC/POS bytes back: what a thermal printer would put on paper, as data and as a PNG.

The virtual printer renders from the very bytes a real printer would receive, so its PNG
shows what the byte stream says (code page, sizes, the QR's data), not a separate layout.
The tests decode jobs with the same reader.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import qrcode
from escpos.capabilities import get_profile
from PIL import Image, ImageDraw, ImageFont

from devices import profiles
from devices.layout import CodePage, chosen_pages

PAPER_DOTS = 576  # 80 mm paper at 203 dpi
MARGIN = 10
BASE_FONT = 21  # 42 columns of DejaVu Sans Mono (0.6 em) fit the 556 dots between margins


@dataclass
class Line:
    text: str = ""
    align: int = 0  # 0 left, 1 centre, 2 right
    bold: bool = False
    size: int = 1
    qr: str | None = None


@dataclass
class Job:
    """A decoded job: the lines in order, and the control facts tests check."""

    lines: list[Line] = field(default_factory=list)
    initialised: bool = False
    code_pages: list[str] = field(default_factory=list)
    qr_data: list[str] = field(default_factory=list)
    cut: bool = False
    status_queries: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines if line.qr is None)


@cache
def _code_pages(profile: str, code_page: CodePage | None = None) -> dict[int, str]:
    profiles.register()
    known = get_profile(profile)
    # from the numbers: get_code_pages() keeps one number of a page a profile has twice
    by_number = {int(number): name for number, name in known.codePages.items()}
    if code_page is not None:  # the chosen numbers win over the profile's
        slots = known.get_code_pages()
        by_number.update({n: name for name, n in chosen_pages(code_page, slots).items()})
    return by_number


def _codec(page: str) -> str:
    """Python's codec for a page; a page Python lacks (CP851, Star's own) read as CP437."""
    codec = page.lower().replace("_", "-")
    try:
        codecs.lookup(codec)
    except LookupError:
        return "cp437"
    return codec


# Three-byte commands whose argument only changes looks the reader does not draw.
_IGNORED_ESC = {ord("{"), ord("-"), ord("M"), ord("d")}
_IGNORED_GS = {ord("b"), ord("B")}


def decode(data: bytes, *, profile: str = "default", code_page: CodePage | None = None) -> Job:
    """Interpret an ESC/POS byte stream into lines of text, sizes, QR codes and a cut."""
    job = Job()
    encoding = "cp437"
    current = Line()
    text = bytearray()

    def flush_text() -> None:
        if text:
            current.text += text.decode(encoding, errors="replace")
            text.clear()

    def new_line() -> None:
        nonlocal current
        flush_text()
        job.lines.append(current)
        current = Line(align=current.align, bold=current.bold, size=current.size)

    i = 0
    while i < len(data):
        b = data[i]
        if b == 0x0A:
            new_line()
            i += 1
        elif b == 0x1B and i + 1 < len(data):  # ESC
            flush_text()
            cmd = data[i + 1]
            if cmd == ord("@"):
                job.initialised, encoding, current = True, "cp437", Line()
                i += 2
            elif cmd == ord("t"):
                page = _code_pages(profile, code_page).get(data[i + 2], "CP437")
                job.code_pages.append(page)
                encoding = _codec(page)
                i += 3
            elif cmd == ord("E"):
                current.bold = bool(data[i + 2])
                i += 3
            elif cmd == ord("a"):
                current.align = data[i + 2] % 48 if data[i + 2] >= 48 else data[i + 2]
                i += 3
            elif cmd == ord("!"):
                current.size = 2 if data[i + 2] & 0x30 else 1
                i += 3
            else:
                i += 3 if cmd in _IGNORED_ESC else 2
        elif b == 0x1D and i + 1 < len(data):  # GS
            flush_text()
            cmd = data[i + 1]
            if cmd == ord("!"):
                n = data[i + 2]
                current.size = max((n >> 4) + 1, (n & 0x0F) + 1)
                i += 3
            elif cmd == ord("(") and data[i + 2] == ord("k"):
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + length]
                if body[:2] == b"1P":
                    job.qr_data.append(body[3:].decode("utf-8"))
                elif body[:2] == b"1Q" and job.qr_data:
                    job.lines.append(Line(align=current.align, qr=job.qr_data[-1]))
                i += 5 + length
            elif cmd == ord("V"):
                job.cut = True
                i += 4 if data[i + 2] in (65, 66) else 3
            else:
                i += 3 if cmd in _IGNORED_GS else 2
        elif b == 0x10 and data[i + 1 : i + 2] == b"\x04":  # DLE EOT n: a status query
            job.status_queries.append(data[i + 2])
            i += 3
        else:
            text.append(b)
            i += 1
    flush_text()
    if current.text:
        job.lines.append(current)
    return job


@cache
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    for folder in (Path("/usr/share/fonts/truetype/dejavu"), _matplotlib_fonts()):
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def _matplotlib_fonts() -> Path:
    # matplotlib is a dependency and ships DejaVu, which has Cyrillic
    from importlib.resources import files

    return Path(str(files("matplotlib"))) / "mpl-data" / "fonts" / "ttf"


def render_png(
    data: bytes, path: Path, *, profile: str = "default", code_page: CodePage | None = None
) -> Path:
    """Draw the job as the paper would show it, and save it as a PNG."""
    job = decode(data, profile=profile, code_page=code_page)
    pieces: list[tuple[Image.Image, int]] = []
    for line in job.lines:
        if line.qr is not None:
            img = qrcode.make(line.qr, box_size=5, border=2).get_image().convert("L")
        else:
            font = _font(BASE_FONT * line.size, line.bold)
            width = max(1, int(font.getlength(line.text)))
            height = int(BASE_FONT * line.size * 1.3)
            img = Image.new("L", (min(width, PAPER_DOTS - 2 * MARGIN), height), 255)
            ImageDraw.Draw(img).text((0, 0), line.text, font=font, fill=0)
        pieces.append((img, line.align))
    height = sum(img.height for img, _ in pieces) + 2 * MARGIN + (40 if job.cut else 0)
    paper = Image.new("L", (PAPER_DOTS, height), 255)
    y = MARGIN
    for img, align in pieces:
        x = (
            MARGIN
            + [0, (PAPER_DOTS - 2 * MARGIN - img.width) // 2, PAPER_DOTS - 2 * MARGIN - img.width][
                align
            ]
        )
        paper.paste(img, (x, y))
        y += img.height
    if job.cut:
        draw = ImageDraw.Draw(paper)
        for x in range(0, PAPER_DOTS, 16):
            draw.line((x, height - 20, x + 8, height - 20), fill=128, width=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    paper.save(path)
    return path
