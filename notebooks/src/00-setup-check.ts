// %% [markdown]
// # test
// %%
import { setupNotebook } from "./lib/runtime/notebook";
import { showChart } from "./lib/viz/display";
const ctx = await setupNotebook("00-setup-check");
console.log(process.cwd());
// %%
await showChart({ title: "demo", data: { values: [{ a: 1, b: 2 }, { a: 2, b: 5 }] }, mark: "line", encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } } }, { save: { dir: ctx.figuresDir, name: "demo" } });
// %%
throw new Error("boom here");
