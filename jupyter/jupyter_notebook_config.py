"""Classic Notebook (6.x) settings of the project, read when JUPYTER_CONFIG_PATH includes
this folder (npm run jupyter sets it): notebooks are saved without outputs, which are kept
next to them in .ipynb_outputs/ (see cae_contents.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from notebook.services.contents.filemanager import FileContentsManager  # noqa: E402

import cae_contents  # noqa: E402

c = get_config()  # noqa: F821 (provided by Jupyter when it reads this file)
c.NotebookApp.contents_manager_class = cae_contents.make_manager_class(FileContentsManager)
