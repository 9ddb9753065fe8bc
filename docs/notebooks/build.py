"""Write each ``src/mNN_<topic>.py`` (jupytext percent format) as ``mNN_<topic>.ipynb``, without outputs.

Run after editing a source: ``python docs/notebooks/build.py``. The sources diff well; the
notebooks are what learners open (``microgradrnn notebooks DIR`` copies them out).
"""

from __future__ import annotations

from pathlib import Path

import jupytext

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for source in sorted((HERE / "src").glob("m[0-9][0-9]_*.py")):
        notebook = jupytext.read(source)
        kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.metadata = {"kernelspec": kernel}
        jupytext.write(notebook, HERE / f"{source.stem}.ipynb", fmt="ipynb")
        print(f"wrote {source.stem}.ipynb")
