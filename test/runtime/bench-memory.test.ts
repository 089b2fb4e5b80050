import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { sampleTree } from "../../scripts/bench-memory";

const MB = 1024 ** 2;

describe("memory bench: charging processes to notebooks", () => {
  test("each kernel and its children count for the notebook whose executor started them; the runner for none", () => {
    // runner 10 -> executor 20 (01) -> kernel 21 -> helper 22; executor 30 (02) -> kernel 31; an unrelated 40
    const table = new Map([
      [10, { ppid: 1, cmd: "node tsx scripts/run-notebooks.ts" }],
      [
        20,
        {
          ppid: 10,
          cmd: "/usr/bin/python3 /p/scripts/execute_notebook.py /p/notebooks/01-data-eda.ipynb /o --kernel k",
        },
      ],
      [21, { ppid: 20, cmd: "node /p/node_modules/tslab/bin/tslab kernel --config-path x" }],
      [22, { ppid: 21, cmd: "node something" }],
      [30, { ppid: 10, cmd: "/usr/bin/python3 /p/scripts/execute_notebook.py /p/notebooks/02-train-ae.ipynb /o" }],
      [31, { ppid: 30, cmd: "node /p/node_modules/tslab/bin/tslab kernel" }],
      [40, { ppid: 1, cmd: "bash" }],
    ]);
    const rss = new Map([
      [10, 100],
      [20, 50],
      [21, 900],
      [22, 7],
      [30, 60],
      [31, 400],
      [40, 5000],
    ]);
    const { total, perNotebook } = sampleTree(10, table, (pid) => (rss.get(pid) ?? 0) * MB);
    assert.equal(total, (100 + 50 + 900 + 7 + 60 + 400) * MB);
    assert.deepEqual(perNotebook.get("01-data-eda"), { kernel: 907 * MB, executor: 50 * MB });
    assert.deepEqual(perNotebook.get("02-train-ae"), { kernel: 400 * MB, executor: 60 * MB });
    assert.equal(perNotebook.size, 2);
  });
});
