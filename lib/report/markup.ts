/**
 * Small, safe HTML pieces for the report: findings with `**bold**` and `code` (everything
 * else escaped), formatted headline values, durations, and checks on SVG figures before
 * they are inlined into the page.
 *
 * Token symbols and names come from data files and may contain markup, so every piece of
 * text is escaped first and only the two allowed constructs become tags afterwards.
 */
import { escapeHtml } from "../viz/html";
import { formatNumber, type Cell } from "../viz/display";

/** Significant digits of headline numbers (stat cards), as in the notebooks' tables. */
export const HEADLINE_DIGITS = 4;

/** Inline code spans: a backtick pair on one line with at least one character between. */
const CODE_SPAN = /`([^`\n]+)`/g;

/** Bold: a double-asterisk pair around at least one character (shortest match). */
const BOLD_SPAN = /\*\*(.+?)\*\*/g;

function boldOnly(text: string): string {
  return escapeHtml(text).replace(BOLD_SPAN, "<strong>$1</strong>");
}

/**
 * Render a finding: `code` becomes <code>, **bold** becomes <strong>, all other text is
 * escaped (so `<img src=x onerror=...>` shows as text). Bold markers inside code stay literal.
 */
export function inlineMarkup(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(CODE_SPAN)) {
    out += boldOnly(text.slice(last, m.index));
    out += `<code>${escapeHtml(m[1]!)}</code>`;
    last = m.index! + m[0].length;
  }
  return out + boldOnly(text.slice(last));
}

/** Text of a headline or table value: numbers formatted, booleans as yes/no, empty as a dash. */
export function cellText(v: Cell, digits = HEADLINE_DIGITS): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "number") return formatNumber(v, digits);
  if (typeof v === "boolean") return v ? "yes" : "no";
  return v;
}

/** A duration for people: "12.3 s", "4 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const totalSeconds = Math.round(seconds);
  if (totalSeconds < 3600)
    return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, "0")} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** An ISO timestamp as "2024-06-07 14:05 UTC" (the input unchanged when it does not parse). */
export function formatTimestamp(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** A fragment id from any text: lower-case letters, digits and dashes. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "section"
  );
}

/** Width and height of an SVG document from its root element's attributes (null if absent). */
export function svgSize(svg: string): { width: number; height: number } | null {
  const root = /<svg\b[^>]*>/i.exec(svg)?.[0];
  if (!root) return null;
  const width = Number(/\swidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root)?.[1]);
  if (Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0) return { width, height };
  const box = /\sviewBox="[\d.-]+[\s,]+[\d.-]+[\s,]+([\d.]+)[\s,]+([\d.]+)"/.exec(root);
  return box ? { width: Number(box[1]), height: Number(box[2]) } : null;
}

/** One attribute inside a tag: name, then an optional quoted or bare value. */
const SVG_ATTRIBUTE = /\s([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?/g;

/**
 * True when an SVG can be inlined into the page without running code or loading anything:
 * no <script>, no <foreignObject>, no event-handler attributes, no links other than
 * fragment links (`#id`), no `url(...)` other than `url(#id)`. Attributes are parsed, so
 * data such as `onerror=` inside an escaped aria-label value is text, not a handler.
 */
export function svgIsInert(svg: string): boolean {
  if (/<script\b|<foreignobject\b|<iframe\b|<embed\b|<object\b/i.test(svg)) return false;
  for (const tag of svg.matchAll(/<[a-z][^<>]*>/gi)) {
    for (const attr of tag[0].matchAll(SVG_ATTRIBUTE)) {
      const name = attr[1]!.toLowerCase();
      const value = (attr[2] ?? "").replace(/^["']|["']$/g, "").trim();
      if (name.startsWith("on")) return false;
      if ((name === "href" || name === "xlink:href" || name === "src") && !value.startsWith("#")) return false;
      if (/url\(\s*["']?\s*(?!["'#\s])/i.test(value)) return false;
    }
  }
  return true;
}

/**
 * Prefix every id in an SVG (and its `url(#id)` / `href="#id"` references) so that several
 * inlined figures never share a clip-path or gradient id (vega numbers them per process,
 * so figures from different notebooks repeat them).
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  const tags = /<[a-z][^<>]*>/gi;
  for (const tag of svg.matchAll(tags)) {
    for (const m of tag[0].matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  }
  if (ids.size === 0) return svg;
  const ref = (id: string) => (ids.has(id) ? `${prefix}${id}` : id);
  return svg.replace(tags, (tag) =>
    tag
      .replace(/(\sid=")([^"]+)(")/g, (_m, a: string, id: string, b: string) => `${a}${ref(id)}${b}`)
      .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${ref(id)})`)
      .replace(/(\s(?:xlink:)?href=")#([^"]+)(")/g, (_m, a: string, id: string, b: string) => `${a}#${ref(id)}${b}`),
  );
}
