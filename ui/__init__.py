"""The dashboard's edge: session state, grids, tables and charts shared by the pages.

Pages describe screens; this package turns the plan into grids and figures
and grid edits back into plan changes. The arithmetic stays in models/.
"""
