"""The plan as an Excel workbook: written with live formulas, and read back into a plan.

* ``models.excel.export``: ``plan_workbook`` and ``write_plan_workbook``, built
  one sheet per module (``summary``, ``assumptions``, ``marketing``, ``pnl``,
  ``kpis``) from ``parts``, ``formulas`` (the engine's formulas as a
  spreadsheet's) and ``styles``, as data (``book``), then written by ``writer``
  with every formula's value (``values``).
* ``models.excel.reader``: ``plan_from_workbook``, which reads the cells that
  ``layout`` places, and depends on nothing of the writer.
* ``models.excel.worker``: a process that builds workbooks for the app.
"""
