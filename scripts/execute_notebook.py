"""Execute one notebook with the project's kernel and export it to HTML.

Called by scripts/run-notebooks.ts with Debian's /usr/bin/python3 (the interpreter that
has nbclient and nbconvert). Why not `jupyter nbconvert --execute`: on a failing cell it
prints an empty "<Error>:" (tslab puts the real error in the cell's stderr stream) and
saves nothing. Here a failing cell's own outputs are printed, the partly executed notebook
is still saved and exported (so the error is visible in the HTML), and each cell's start
is reported for progress.

usage: execute_notebook.py SOURCE.ipynb OUT_DIR --kernel NAME --timeout SECONDS --templates DIR
exit codes: 0 ok, 1 a cell failed or timed out, 2 usage or setup error.
"""
import argparse
import os
import resource
import sys
import time


def say(line):
    sys.stderr.write(f"[cae-runner] {line}\n")
    sys.stderr.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("out_dir")
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--timeout", type=int, required=True)
    parser.add_argument("--templates", required=True)
    parser.add_argument("--no-html", action="store_true")
    args = parser.parse_args()

    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError
        from nbconvert import HTMLExporter
    except ImportError as err:
        say(f"missing Jupyter component: {err}. Install: apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient jupyter-client")
        return 2

    name = os.path.splitext(os.path.basename(args.source))[0]
    nb = nbformat.read(args.source, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    started = time.time()

    def kernel_cpu():
        """CPU seconds the kernel has used so far (Linux /proc), or None where that is not available."""
        try:
            pid = client.km.provisioner.process.pid
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except Exception:
            return None

    def on_cell_start(cell, cell_index):
        if cell_index not in code_cells:
            return
        number = code_cells.index(cell_index) + 1
        cpu = kernel_cpu()
        # The kernel's CPU so far tells which cells cost what on a machine shared with other work.
        cpu_text = "" if cpu is None else f", kernel {cpu:.1f} s CPU"
        say(f"cell {number}/{len(code_cells)} ({time.time() - started:.0f} s{cpu_text})")

    # Charts stay static (vega-lite JSON + SVG) in executed notebooks and their HTML export:
    # the interactive HTML chart output is for a live Jupyter session only (lib/viz/display.ts).
    os.environ["CAE_STATIC_CHARTS"] = "1"
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        resources={"metadata": {"path": os.getcwd()}},
        on_cell_start=on_cell_start,
    )
    failure = None
    try:
        client.execute()
    except CellTimeoutError as err:
        failure = f"a cell ran longer than the per-cell timeout of {args.timeout} s: {str(err).splitlines()[0]}"
    except CellExecutionError:
        failure = "a cell failed"
    except Exception as err:  # kernel died, could not start, ...
        failure = f"{type(err).__name__}: {err}"

    if failure:
        failed_index = None
        for i in code_cells:
            cell = nb.cells[i]
            if any(o.get("output_type") == "error" or o.get("name") == "stderr" for o in cell.get("outputs", [])):
                failed_index = i
        if failed_index is None:
            # The last cell that started is the one that failed.
            executed = [i for i in code_cells if nb.cells[i].get("execution_count")]
            failed_index = executed[-1] if executed else None
        say(f"FAILED: {failure}")
        if failed_index is not None:
            cell = nb.cells[failed_index]
            number = code_cells.index(failed_index) + 1
            say(f"--- cell {number}/{len(code_cells)} source ---")
            sys.stderr.write("".join(cell.source) + "\n")
            say("--- its error output ---")
            for o in cell.get("outputs", []):
                if o.get("name") == "stderr":
                    sys.stderr.write(o.get("text", ""))
                elif o.get("output_type") == "error":
                    sys.stderr.write(f"{o.get('ename')}: {o.get('evalue')}\n")
                    sys.stderr.write("\n".join(o.get("traceback", [])) + "\n")
            sys.stderr.flush()

    os.makedirs(args.out_dir, exist_ok=True)
    out_ipynb = os.path.join(args.out_dir, f"{name}.ipynb")
    tmp = out_ipynb + ".tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, out_ipynb)

    if not args.no_html:
        exporter = HTMLExporter(template_name="cae", extra_template_basedirs=[args.templates])
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
        out_html = os.path.join(args.out_dir, f"{name}.html")
        with open(out_html + ".tmp", "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(out_html + ".tmp", out_html)

    # CPU seconds of the kernel (a child that has ended and been waited for by now) and of
    # this process (executing, saving, HTML export): the runner records them per notebook.
    kernel = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    say(f"cpu-seconds kernel={kernel.ru_utime + kernel.ru_stime:.2f} runner={own.ru_utime + own.ru_stime:.2f}")
    say(f"{'failed' if failure else 'done'} in {time.time() - started:.1f} s")
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
