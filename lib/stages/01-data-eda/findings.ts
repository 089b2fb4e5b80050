/**
 * The findings sentences of notebook 01 (data): which tokens the market statistics leave
 * out, which features this data cannot give, how fat the return tails are, how much tokens
 * move together, and what validation kept.
 */
import type { DistributionSummary } from "../../data/eda";
import { NORMAL_TAIL_4 } from "../../data/eda";
import type { TokenClass } from "../../data/taxonomy";
import type { ValidationReport } from "../../data/validate";
import type { LeftOutFeature } from "../../features/feature-catalogue";

/** Non-market token ids listed by name in the exclusion finding before ", ...". */
const LISTED_EXCLUDED = 10;

/** What the data findings are computed from (all measured earlier in notebook 01). */
export interface DataFindingsInput {
  /** Non-market tokens by class, and whether they were actually left out of the market statistics. */
  excluded: { tokenClass: TokenClass; ids: string[] }[];
  excludedApplied: boolean;
  leftOut: LeftOutFeature[];
  /** Distribution of market tokens' daily returns. */
  returns: Pick<DistributionSummary, "excessKurtosis" | "tail4">;
  withinSector: number;
  betweenSector: number;
  rolling: { date: string; correlation: number }[];
  report: Pick<ValidationReport, "rowsRead" | "rowsKept">;
}

/** The findings of notebook 01, in the order the report shows them. */
export function dataFindings(x: DataFindingsInput): string[] {
  const out: string[] = [];
  const nExcluded = x.excluded.reduce((s, c) => s + c.ids.length, 0);
  out.push(
    nExcluded > 0 && x.excludedApplied
      ? `${nExcluded} non-market token(s) (${x.excluded.map((c) => `${c.ids.length} ${c.tokenClass}`).join(", ")}) are left out of the market statistics: ${x.excluded
          .flatMap((c) => c.ids)
          .slice(0, LISTED_EXCLUDED)
          .join(", ")}${nExcluded > LISTED_EXCLUDED ? ", ..." : ""}.`
      : "Every token counts in the market statistics (no stablecoin, fiat, leveraged, wrapped or commodity token was recognised, or all were included).",
  );
  if (x.leftOut.length > 0)
    out.push(`Features left out for this data: ${x.leftOut.map((f) => `${f.feature} (${f.reason})`).join("; ")}.`);
  out.push(
    `Daily returns of market tokens are fat-tailed: excess kurtosis **${x.returns.excessKurtosis.toFixed(1)}** and **${(x.returns.tail4 * 100).toFixed(2)}%** of days beyond 4 standard deviations, against ${(NORMAL_TAIL_4 * 100).toFixed(4)}% for a normal distribution.`,
  );
  out.push(
    `Tokens move together: mean pairwise return correlation is **${x.withinSector.toFixed(2)}** within a sector and **${x.betweenSector.toFixed(2)}** between sectors.`,
  );
  if (x.rolling.length) {
    const maxR = x.rolling.reduce((a, r) => (r.correlation > a.correlation ? r : a));
    out.push(
      `Co-movement changes over time: the 60-day average pairwise correlation ranges from **${Math.min(...x.rolling.map((r) => r.correlation)).toFixed(2)}** to **${maxR.correlation.toFixed(2)}** (window ending ${maxR.date}).`,
    );
  }
  out.push(
    `Validation read **${x.report.rowsRead.toLocaleString("en-US")}** rows and kept **${x.report.rowsKept.toLocaleString("en-US")}**; every repair and drop is listed in the validation table.`,
  );
  return out;
}
