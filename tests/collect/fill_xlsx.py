#!/usr/bin/env python3
"""Fill cells of a questionnaire written by `ictdev questionnaire`, as a
focal point would in Excel: fill_xlsx.py IN OUT CELL=VALUE... Numbers are
written as numbers, anything else as inline text; CELL=f:EXPR writes a
formula. Only the first sheet (Questionnaire) is edited. Standard library
only."""
import re
import sys
import zipfile


def cell_xml(ref, style, value):
    s = ' s="%s"' % style if style else ""
    if value.startswith("f:"):
        return '<c r="%s"%s><f>%s</f><v>0</v></c>' % (ref, s, value[2:])
    try:
        float(value)
        return '<c r="%s"%s><v>%s</v></c>' % (ref, s, value)
    except ValueError:
        esc = value.replace("&", "&amp;").replace("<", "&lt;")
        return '<c r="%s"%s t="inlineStr"><is><t>%s</t></is></c>' % (ref, s, esc)


def main():
    src, dst, edits = sys.argv[1], sys.argv[2], sys.argv[3:]
    zin = zipfile.ZipFile(src)
    zout = zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED)
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            text = data.decode("utf-8")
            for e in edits:
                ref, value = e.split("=", 1)
                pat = re.compile(r'<c r="%s"(?: s="(\d+)")?(?:/>|>.*?</c>)' % ref)
                m = pat.search(text)
                if not m:
                    sys.exit("no cell %s" % ref)
                text = text[:m.start()] + cell_xml(ref, m.group(1), value) + text[m.end():]
            data = text.encode("utf-8")
        zout.writestr(item, data)
    zout.close()


if __name__ == "__main__":
    main()
