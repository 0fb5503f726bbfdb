#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# read-xlsx.py FILE — the first sheet of an XLSX workbook as JSON {"A1": value, …}:
# shared and inline strings as text, numbers as numbers, plus "_formats": {"B4": "0.0%"}
# the number format of each numeric cell. Standard library only (zipfile, ElementTree),
# so tests read back what voronkactl wrote without trusting the writer.
import json
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
BUILTIN = {0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00', 9: '0%', 10: '0.00%'}

with zipfile.ZipFile(sys.argv[1]) as book:
    names = book.namelist()
    strings = []
    if 'xl/sharedStrings.xml' in names:
        for si in ET.fromstring(book.read('xl/sharedStrings.xml')).findall('m:si', NS):
            strings.append(''.join(t.text or '' for t in si.iter('{%s}t' % NS['m'])))
    styles = ET.fromstring(book.read('xl/styles.xml'))
    custom = {int(f.get('numFmtId')): f.get('formatCode')
              for f in styles.findall('m:numFmts/m:numFmt', NS)}
    xfs = [int(xf.get('numFmtId', '0')) for xf in styles.findall('m:cellXfs/m:xf', NS)]
    sheet = ET.fromstring(book.read('xl/worksheets/sheet1.xml'))
    cells = {}
    formats = {}
    for c in sheet.iter('{%s}c' % NS['m']):
        ref, kind = c.get('r'), c.get('t')
        v = c.find('m:v', NS)
        if kind == 's':
            cells[ref] = strings[int(v.text)]
        elif kind == 'inlineStr':
            cells[ref] = ''.join(t.text or '' for t in c.iter('{%s}t' % NS['m']))
        elif kind == 'str':
            cells[ref] = v.text if v is not None else ''
        elif v is not None:
            cells[ref] = float(v.text)
            fmt = xfs[int(c.get('s', '0'))]
            formats[ref] = custom.get(fmt, BUILTIN.get(fmt, str(fmt)))
    cells['_formats'] = formats
    print(json.dumps(cells, ensure_ascii=False))
