"""The ``nnfit report`` page rendered from the blocks of ``report_sections``: as one
self-contained HTML file, and as Markdown.

The HTML needs nothing from anywhere: the styles are inline, each figure is an ``<img>`` whose
``src`` is a ``data:image/png;base64,...`` URL, there is no script, and a
Content-Security-Policy (``default-src 'none'; img-src data:; style-src 'unsafe-inline'``)
tells the browser to load nothing else, so the page opens offline and never reaches the
network.  Every text from the data (column names, categories, file names) is HTML-escaped.
The Markdown twin refers to its figures as PNG files beside it (names given by the caller);
``|`` in table cells is escaped.
"""
import base64
import html

from .report_sections import sections

POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       max-width: 1040px; margin: 2em auto; padding: 0 1.2em; color: #1d1d1f;
       line-height: 1.45; }
h1 { font-size: 1.55em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em;
     margin-top: 1.8em; }
p.meta { color: #555; font-size: 0.9em; }
div.warnings { background: #fff4e5; border-left: 6px solid #d9480f; padding: 0.6em 1.2em;
               margin: 1.2em 0; }
div.warnings h2 { border: none; margin: 0.3em 0; color: #b03a0b; }
div.warnings li { margin: 0.35em 0; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #c8c8c8; padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; }
th { background: #f0f2f5; }
td { font-variant-numeric: tabular-nums; }
table.scores td { white-space: nowrap; }
span.ci { color: #555; font-size: 0.92em; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e2e2e2; }
figcaption { font-size: 0.9em; color: #333; max-width: 760px; }
"""


def html_page(report):
    """The report as one HTML document (a string)."""
    body, number = [], 0
    for block in sections(report):
        kind = block[0]
        if kind == "title":
            body.append(f"<h1>{_e(block[1])}</h1>")
        elif kind == "heading":
            body.append(f"<h2>{_e(block[1])}</h2>")
        elif kind == "text":
            body.append(f'<p{" class=meta" if len(body) == 1 else ""}>{_e(block[1])}</p>')
        elif kind == "list":
            body.append("<ul>" + "".join(f"<li>{_e(item)}</li>" for item in block[1]) + "</ul>")
        elif kind == "warnings":
            items = "".join(f"<li>{_e(item)}</li>" for item in block[1])
            body.append(f'<div class="warnings" role="alert"><h2>Warnings ({len(block[1])})'
                        f"</h2><ul>{items}</ul></div>")
        elif kind == "table":
            head = "".join(f"<th>{_e(c)}</th>" for c in block[1])
            split = len(block) > 3 and block[3] == "scores"  # intervals on a second line
            rows = "".join("<tr>" + "".join(f"<td>{_cell(c, split)}</td>" for c in row)
                           + "</tr>" for row in block[2])
            css = f' class="{block[3]}"' if len(block) > 3 else ""
            body.append(f"<table{css}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
                        "</table>")
        elif kind == "figure":
            number += 1
            figure = block[1]
            data = base64.b64encode(figure["png"]).decode("ascii")
            body.append(f'<figure id="figure-{_e(figure["name"])}"><img alt="{_e(figure["title"])}"'
                        f' src="data:image/png;base64,{data}"><figcaption><b>Figure {number}. '
                        f'{_e(figure["title"])}.</b> {_e(figure["caption"])}</figcaption>'
                        "</figure>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(report['title'])}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def markdown_page(report, figure_files):
    """The report as Markdown; ``figure_files``: the PNG file of each figure, in order."""
    out, files, number = [], iter(figure_files), 0
    for block in sections(report):
        kind = block[0]
        if kind == "title":
            out.append(f"# {_m(block[1])}")
        elif kind == "heading":
            out.append(f"## {_m(block[1])}")
        elif kind == "text":
            out.append(_m(block[1]))
        elif kind == "list":
            out.append("\n".join(f"- {_m(item)}" for item in block[1]))
        elif kind == "warnings":
            out.append(f"> **Warnings ({len(block[1])})**\n>\n"
                       + "\n".join(f"> - {_m(item)}" for item in block[1]))
        elif kind == "table":
            lines = [_row(block[1]), "|" + "---|" * len(block[1])]
            lines += [_row(row) for row in block[2]]
            out.append("\n".join(lines))
        elif kind == "figure":
            number += 1
            figure = block[1]
            out.append(f"![{_m(figure['title'])}]({next(files)})\n\n"
                       f"*Figure {number}. {_m(figure['title'])}.* {_m(figure['caption'])}")
    return "\n\n".join(out) + "\n"


def _cell(text, split):
    text = _e(text)
    return text.replace(" [", '<br><span class="ci">[', 1) + "</span>" if split and " [" in text \
        else text


def _e(text):
    return html.escape(str(text), quote=True)


def _m(text):
    """Text for Markdown: characters that would start emphasis, code, HTML, a table cell or a
    link are escaped (brackets only where they would close a link text: "[0.1, 0.2]" stays)."""
    text = str(text)
    for char in "\\`*_<>|":
        text = text.replace(char, "\\" + char)
    return text.replace("](", "\\](")


def _row(cells):
    return "| " + " | ".join(_m(c) for c in cells) + " |"
