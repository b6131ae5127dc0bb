"""HTML reports, run comparison and the live views (``watch``, ``serve``).

Assets (chart JavaScript, CSS) are Python string modules, so the package needs no
package-data and a report is one self-contained file that fetches nothing.
"""
