#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/corpus/xlsx/: small valid workbooks
and broken ones (formulas, macros, zip bombs, DTDs, bad references...).
The unit tests (tests/unit/test_xlsx.c) read some of them by name.
Run: python3 tests/fuzz/tools/make_xlsx_corpus.py"""
import os
import zipfile

OUT = os.path.join(os.path.dirname(__file__), "..", "corpus", "xlsx")

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      '</Types>')
CT_MACRO = CT.replace("sheet.main+xml", "sheet.macroEnabled.main+xml")
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
             '</Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?>'
      '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
      '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
           '</Relationships>')
SST = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">'
       '<si><t>Code</t></si><si><r><t>Val</t></r><r><t>ue</t></r></si><si><t xml:space="preserve"> i112 </t></si>'
       '</sst>')


def sheet(rows):
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData>' + rows + '</sheetData></worksheet>')


GOOD_ROWS = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
             '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1234.5</v></c>'
             '<c r="C2" t="inlineStr"><is><t>note &amp; more</t></is></c><c r="D2" t="b"><v>1</v></c>'
             '<c r="E2" t="e"><v>#N/A</v></c><c r="F2" s="1"/></row>'
             '<row r="7"><c r="C7"><v>-1.5e3</v></c></row>')


def write(name, parts, compression=zipfile.ZIP_DEFLATED):
    path = os.path.join(OUT, name)
    with zipfile.ZipFile(path, "w", compression) as z:
        for n, data in parts:
            z.writestr(n, data)


def base(rows=GOOD_ROWS, ct=CT, sst=SST, extra=()):
    parts = [("[Content_Types].xml", ct), ("_rels/.rels", ROOT_RELS),
             ("xl/workbook.xml", WB), ("xl/_rels/workbook.xml.rels", WB_RELS),
             ("xl/worksheets/sheet1.xml", sheet(rows))]
    if sst is not None:
        parts.append(("xl/sharedStrings.xml", sst))
    parts.extend(extra)
    return parts


def main():
    os.makedirs(OUT, exist_ok=True)
    write("good.xlsx", base())
    write("good-stored.xlsx", base(), zipfile.ZIP_STORED)
    write("no-refs.xlsx", base(rows='<row><c><v>1</v></c><c><v>2</v></c></row><row><c t="inlineStr"><is><t>x</t></is></c></row>', sst=None))
    write("formula.xlsx", base(rows='<row r="7"><c r="C7"><f>SUM(A1:A2)</f><v>3</v></c></row>'))
    write("macro.xlsm", base(ct=CT_MACRO, extra=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")]))
    write("macro-hidden.xlsx", base(extra=[("xl/media/vbaProject.bin", b"x")]))
    write("bomb.xlsx", base(rows=GOOD_ROWS + " " * (40 << 20)))
    write("dtd.xlsx",
          [("[Content_Types].xml", CT), ("xl/workbook.xml", WB),
           ("xl/_rels/workbook.xml.rels", WB_RELS),
           ("xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')])
    write("malformed.xlsx", base(rows='<row r="1"><c r="A1"><v>1</v></row>'))
    write("bad-ref.xlsx", base(rows='<row r="1"><c r="1A"><v>1</v></c></row>'))
    write("bad-number.xlsx", base(rows='<row r="3"><c r="B3"><v>12abc</v></c></row>'))
    write("bad-sst-index.xlsx", base(rows='<row r="1"><c r="A1" t="s"><v>99</v></c></row>'))
    write("duplicate-cell.xlsx", base(rows='<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>'))
    write("no-workbook.xlsx", [("[Content_Types].xml", CT)])
    write("many-entries.xlsx", base(extra=[("x/%d" % i, "") for i in range(1001)]))
    escape = base()
    escape[3] = ("xl/_rels/workbook.xml.rels",
                 WB_RELS.replace("worksheets/sheet1.xml", "../../etc/passwd"))
    write("path-escape.xlsx", escape)
    with open(os.path.join(OUT, "not-a-zip.xlsx"), "wb") as f:
        f.write(b"economy,indicator,year,value\nKEN,i112,2023,5\n")
    with open(os.path.join(OUT, "truncated.xlsx"), "wb") as f:
        data = open(os.path.join(OUT, "good.xlsx"), "rb").read()
        f.write(data[: len(data) // 2])


if __name__ == "__main__":
    main()
