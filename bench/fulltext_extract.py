"""Issue 5 benchmark: full-text extraction throughput and peak memory.

Generates two-column paper PDFs of about 20 pages (pymupdf; body text, a table, running headers,
page numbers, references, an appendix) and the same papers as LaTeXML-shaped HTML, then extracts
them in a fresh child process each, so the peak RSS is the extractor's own:

- PDF: pages per second over all papers, peak RSS of the child (``VmHWM``), and of a
  baseline child that imports the same modules and reads the same files without extracting;
- HTML: papers per second and MB per second.

    .venv/bin/python bench/fulltext_extract.py [--papers 10] [--pages 20] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

CHILD = r"""
import json, sys, time
from pathlib import Path

def hwm():
    # VmHWM: this process's peak RSS since exec (ru_maxrss would carry the parent's from fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
from paperdigest.fulltext import extract_html, extract_pdf  # first: as the app imports pymupdf
import pymupdf
kind, rounds, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
datas = [Path(f).read_bytes() for f in files]
pages = 0
sections = 0
rounds_s = []
for _ in range(rounds):
    start = time.perf_counter()
    for data in datas:
        if kind == "pdf":
            doc = extract_pdf(data)
            sections += len(doc.sections)
        elif kind == "html":
            doc = extract_html(data)
            sections += len(doc.sections)
    rounds_s.append(time.perf_counter() - start)
if kind == "pdf":
    for data in datas:
        with pymupdf.open(stream=data, filetype="pdf") as d:
            pages += d.page_count
seconds = min(rounds_s)
print(json.dumps({"seconds": seconds, "rounds": rounds_s, "pages": pages,
                  "sections": sections / max(1, rounds), "bytes": sum(map(len, datas)),
                  "maxrss_kb": hwm()}))
"""


def child(kind: str, rounds: int, files: list[Path], **env: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(rounds), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return json.loads(proc.stdout)


def main() -> None:
    import pymupdf

    import fulltext_fixtures as F

    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=10)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pdfs: list[Path] = []
        htmls: list[Path] = []
        page_counts = []
        for i in range(args.papers):
            parts = F.paper_parts(body_sentences=40, seed=i + 1)
            data = F.make_pdf(parts, columns=2, min_pages=args.pages - 1)
            with pymupdf.open(stream=data, filetype="pdf") as d:
                page_counts.append(d.page_count)
            pdfs.append(folder / f"p{i}.pdf")
            pdfs[-1].write_bytes(data)
            htmls.append(folder / f"p{i}.html")
            htmls[-1].write_text(F.make_html(F.paper_parts(body_sentences=160, seed=i + 1)))

        base = child("none", args.rounds, pdfs)
        pdf = child("pdf", args.rounds, pdfs)
        html = child("html", args.rounds, htmls)
        helpers = child("pdf", 1, pdfs, PAPERDIGEST_PYMUPDF_LAYOUT="1")
        pdf_seconds = pdf["seconds"]

    cpu = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    print(
        f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pymupdf {pymupdf.__version__} (MuPDF {pymupdf.mupdf_version})"
    )
    print(
        f"PDF: {args.papers} papers, {args.rounds} rounds, {min(page_counts)}-{max(page_counts)} "
        f"pages each ({sum(page_counts) / len(page_counts):.1f} on average), two columns"
    )
    worst = max(pdf["rounds"])
    print(
        f"  best round: {pdf['pages']} pages in {pdf_seconds:.2f} s = "
        f"{pdf['pages'] / pdf_seconds:.0f} pages/s ({pdf_seconds / pdf['pages'] * 1000:.1f} "
        f"ms/page); slowest round {pdf['pages'] / worst:.0f} pages/s; "
        f"{pdf['sections'] / args.papers:.0f} sections per paper"
    )
    print(
        f"  peak RSS: {pdf['maxrss_kb'] / 1024:.0f} MB extracting, "
        f"{base['maxrss_kb'] / 1024:.0f} MB baseline (same imports and files, no extraction) "
        f"→ +{(pdf['maxrss_kb'] - base['maxrss_kb']) / 1024:.0f} MB"
    )
    print(
        f"  with pymupdf's layout/pymupdf4llm helpers loaded (PAPERDIGEST_PYMUPDF_LAYOUT=1): "
        f"{helpers['maxrss_kb'] / 1024:.0f} MB"
    )
    n_html = args.papers
    size_kb = html["bytes"] / n_html / 1024
    print(
        f"HTML (best round): {n_html} pages of {size_kb:.0f} KB in {html['seconds']:.2f} s = "
        f"{n_html / html['seconds']:.0f} papers/s, {html['bytes'] / html['seconds'] / 1e6:.1f} "
        f"MB/s; peak RSS {html['maxrss_kb'] / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
