"""One hardened reader for every workbook a user uploads (预算明细, 绩效目标, 科目表).

Every import goes through the same three steps, so a hostile or damaged file is refused the same
way wherever it is uploaded, always with a Chinese `ValidationError` (never an exception text
and never an HTTP 500):

1. `archive` checks the bytes before any spreadsheet code sees them: the upload size; that it
   is a zip at all; the number of members; each member's declared size against what is left of
   the inflated-size budget (a zip bomb is refused from the zip directory alone); then it
   streams every member with a hard byte count (a member whose declared size lies is never
   inflated past it: the CRC check fails), refuses DTDs and entity declarations (XXE, billion
   laughs) with expat before any other XML parser runs, and records per worksheet its rows,
   its cells, the formula cells without a cached value and the first cell longer than Excel's
   32,767 characters — with the sheet, row and column, so a 150 MB cell is reported as such;
2. `reader` opens the checked file with openpyxl (read-only; openpyxl must keep parsing through
   defusedxml, so lxml is not installed), reads numbers from the cell's stored text as
   `Decimal`, finds the columns by their header text and locates every problem as
   「sheet」表 第N行 X列;
3. `cells` turns raw values into typed ones (text, amounts, codes, small whole numbers) with
   one rule each for all imports.
"""
