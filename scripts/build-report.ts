/**
 * Builds report/index.html from the notebooks' artifacts.
 *
 *   npm run report              (tsx scripts/build-report.ts)
 *
 * Reads data/processed/report-*.json, the run manifests and figures/ under CAE_OUT (default:
 * the project root). Notebooks that have not run are listed as warnings and on the page;
 * the exit code is 0 then. It is 1 only when the report cannot be built (a malformed
 * section artifact, vega not installed, an unwritable folder).
 */
import { pathToFileURL } from "node:url";
import { loadConfig } from "../lib/config";
import { buildReport } from "../lib/report/build";

function main(): void {
  const config = loadConfig();
  const result = buildReport(config);
  console.log(`Report: ${result.file}`);
  console.log(`  ${result.sections} section(s), ${result.figures} figure(s), ${result.warnings.length} warning(s)`);
  for (const w of result.warnings) console.log(`  warning: ${w}`);
  console.log(`Open it offline: ${pathToFileURL(result.file).href}`);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  }
}
