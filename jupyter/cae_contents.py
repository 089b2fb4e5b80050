"""Jupyter contents manager of the project: notebooks are saved without outputs.

Jupyter writes a notebook's outputs, execution counts and user-interface state into the
.ipynb on every save. The project's notebooks are generated from notebooks/src and kept
in git without outputs, so a save would dirty the repository. This manager splits each
save in two:

  - the notebook file gets the committed form: no outputs, no execution counts, no UI
    state, cell ids by position (the same form as scripts/notebook-format.cjs, which
    scripts/build-notebooks.ts writes), so `git status` stays clean unless a cell's source
    changed;
  - the whole notebook, outputs included, goes to `.ipynb_outputs/<name>.ipynb` next to it
    (ignored by git). Opening the notebook merges those outputs back into every cell whose
    source is unchanged, so a reload shows the last run, and the notebook stays trusted
    (the full notebook is what gets signed), so interactive chart outputs still run.

Loaded by jupyter_notebook_config.py / jupyter_server_config.py in this folder when
JUPYTER_CONFIG_PATH includes it (npm run jupyter sets it).
"""
import copy
import os

import nbformat

OUTPUTS_DIR = ".ipynb_outputs"
UI_CELL_METADATA = ("collapsed", "scrolled", "trusted", "execution", "ExecuteTime", "jupyter")
TRANSIENT_NOTEBOOK_METADATA = ("orig_nbformat", "orig_nbformat_minor", "signature", "widgets")


def cell_id(index):
    """The id of the cell at `index` in a generated notebook (c000, c001, ...)."""
    return f"c{index:03d}"


def clean_notebook(nb):
    """The committed form of a notebook (changed in place and returned)."""
    for key in TRANSIENT_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    for i, cell in enumerate(nb.cells):
        for key in UI_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.id = cell_id(i)
    return nb


def _same_cell(a, b):
    return a.get("cell_type") == b.get("cell_type") and a.get("source") == b.get("source")


def merge_outputs(nb, full):
    """Take each cell of `full` whose type and source equal the cell at the same place in `nb`."""
    cells = full.get("cells", [])
    for i, cell in enumerate(nb.cells):
        if i < len(cells) and _same_cell(cell, cells[i]):
            nb.cells[i] = cells[i]
    return nb


def make_manager_class(base):
    """A subclass of `base` (a FileContentsManager) that keeps outputs out of notebook files."""

    class OutputKeepingContentsManager(base):
        def _outputs_path(self, path):
            os_path = self._get_os_path(path)
            return os.path.join(os.path.dirname(os_path), OUTPUTS_DIR, os.path.basename(os_path))

        def save(self, model, path=""):
            path = path.strip("/")
            if model.get("type") == "notebook" and "content" in model:
                full = nbformat.from_dict(model["content"])
                for i, cell in enumerate(full.cells):
                    cell.id = cell_id(i)
                    if cell.cell_type != "code":  # the file never holds it, so the signature must not
                        cell.metadata.pop("trusted", None)
                self.check_and_sign(full, path)
                outputs_path = self._outputs_path(path)
                os.makedirs(os.path.dirname(outputs_path), exist_ok=True)
                tmp = f"{outputs_path}.{os.getpid()}.tmp"
                with open(tmp, "w", encoding="utf-8") as f:
                    nbformat.write(full, f)
                os.replace(tmp, outputs_path)
                model = dict(model, content=clean_notebook(copy.deepcopy(full)))
            return super().save(model, path)

        def get(self, path, content=True, type=None, format=None, **kwargs):
            model = super().get(path, content=content, type=type, format=format, **kwargs)
            if content and model.get("type") == "notebook":
                outputs_path = self._outputs_path(path)
                if os.path.exists(outputs_path):
                    try:
                        full = nbformat.read(outputs_path, as_version=4)
                    except Exception as err:  # a damaged outputs file only loses the outputs
                        self.log.warning("Ignoring saved outputs %s: %s", outputs_path, err)
                        return model
                    nb = merge_outputs(model["content"], full)
                    self.mark_trusted_cells(nb, path)
                    model["content"] = nb
            return model

    OutputKeepingContentsManager.__name__ = f"OutputKeeping{base.__name__}"
    return OutputKeepingContentsManager
