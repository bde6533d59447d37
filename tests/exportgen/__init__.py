"""Foreign exports for the loader to prove itself on: random, seeded, with the truth of each.

`make_draw(seed, index, out_dir)` writes one export (CSV or workbook) laid out the way a tool that
councils and trusts use would write it, roughened the way people roughen them (title rows, units
rows, totals, merged headers, odd encodings...), and returns a `Draw`: the files, the `--org`
value if any, and the exact applications that should load. `judge.judge_draw` loads a draw through
the library and says whether the outcome was exact, a request for a mapping, wrong, or a crash.

Nothing here is in `sample_inventories/`: the team did not design these layouts, the tools did.
"""

from exportgen.generate import AS_OF, Draw, ExpectedApp, make_draw

__all__ = ["AS_OF", "Draw", "ExpectedApp", "make_draw"]
