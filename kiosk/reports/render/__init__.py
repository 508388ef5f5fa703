"""The report rendered for people: charts, the workbook, the HTML/PDF page, the letters."""
