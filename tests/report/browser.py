"""The report page in headless Chromium (Debian's package; scripts/test installs it): the page is loaded in an
iframe of a harness page beside it (same directory, file access between files allowed), which reports every
image's decoded size and whether its pixels vary (blank images have at most two colours), and the page's own
console messages and errors are taken from Chromium's log."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

HARNESS = """<!DOCTYPE html><html><body><iframe id="r" src="%s" style="width:1000px;height:2000px"></iframe><script>
const frame = document.getElementById("r");
frame.onload = () => {
  const doc = frame.contentDocument;
  const images = [];
  for (const img of doc.images) {
    let colours = 0;
    if (img.naturalWidth) {
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set();
      for (let i = 0; i < px.length && seen.size < 50; i += 4 * 13) {
        seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      }
      colours = seen.size;
    }
    images.push({src: img.getAttribute("src"), alt: img.alt, width: img.naturalWidth, height: img.naturalHeight,
                 shown: img.getBoundingClientRect().width, colours: colours});
  }
  const out = document.createElement("pre");
  out.id = "result";
  out.textContent = JSON.stringify({title: doc.title, images: images, text: doc.body.innerText});
  document.body.appendChild(out);
};
</script></body></html>"""

CONSOLE = re.compile(r":CONSOLE(?::\d+|\(\d+\))\] \"(.*)\", source: (\S+)")


@dataclass(frozen=True)
class PageCheck:
    title: str
    images: list[dict]
    text: str
    console: list[str]  # console messages and uncaught errors of the page


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise AssertionError("chromium is not installed: run scripts/test (it installs Debian's chromium package)")
    return path


def _flags(profile: Path) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",  # tests run as root in CI containers
        "--disable-gpu",
        f"--user-data-dir={profile}",
        "--allow-file-access-from-files",
        "--enable-logging=stderr",
        "--v=0",
        "--log-level=0",
    ]


def inspect(page: Path, profile: Path) -> PageCheck:
    harness = page.parent / "_harness.html"
    harness.write_text(HARNESS % page.name, encoding="utf-8")
    try:
        done = subprocess.run(
            [chromium(), *_flags(profile), "--virtual-time-budget=10000", "--dump-dom", harness.as_uri()],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        harness.unlink()
    match = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert match, f"the harness did not report (exit {done.returncode}): {done.stderr[-2000:]}"
    result = json.loads(html.unescape(match.group(1)))
    console = [m.group(1) for m in CONSOLE.finditer(done.stderr) if m.group(2).endswith(page.name)]
    return PageCheck(result["title"], result["images"], result["text"], console)


def screenshot(page: Path, out: Path, profile: Path, width: int = 1000, height: int = 2400) -> None:
    subprocess.run(
        [
            chromium(),
            *_flags(profile),
            f"--window-size={width},{height}",
            "--hide-scrollbars",
            f"--screenshot={out}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
