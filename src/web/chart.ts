/** A server-rendered SVG bar chart (no script, no inline style): the page shows the same figures as a table. */

export interface Series {
  /** CSS class of the bars (colours come from the site's stylesheet). */
  className: string;
  label: string;
  values: number[];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Grouped bars, one group per label (e.g. per day), a y axis with a few round ticks.
 * `title` and `description` name the chart for assistive technologies (role="img").
 */
export function barChart(opts: {
  id: string;
  title: string;
  description: string;
  labels: string[];
  series: Series[];
  width?: number;
  height?: number;
}): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 240;
  const pad = { top: 12, right: 8, bottom: 28, left: 36 };
  const max = Math.max(1, ...opts.series.flatMap((s) => s.values));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const group = plotW / Math.max(1, opts.labels.length);
  const bar = Math.max(1, (group * 0.8) / opts.series.length);
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;

  const parts: string[] = [];
  for (let t = 0; t <= top; t += step) {
    parts.push(
      `<line class="chart-grid" x1="${pad.left}" x2="${width - pad.right}" y1="${y(t).toFixed(1)}" ` +
        `y2="${y(t).toFixed(1)}"/>`,
    );
    parts.push(
      `<text class="chart-tick" x="${pad.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`,
    );
  }
  opts.labels.forEach((label, i) => {
    const x0 = pad.left + i * group + group * 0.1;
    opts.series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (v > 0)
        parts.push(
          `<rect class="${esc(s.className)}" x="${(x0 + k * bar).toFixed(1)}" y="${y(v).toFixed(1)}" ` +
            `width="${bar.toFixed(1)}" height="${(pad.top + plotH - y(v)).toFixed(1)}"/>`,
        );
    });
    // A label every few groups, so they do not overlap.
    const every = Math.ceil(opts.labels.length / 10);
    if (i % every === 0)
      parts.push(
        `<text class="chart-tick" x="${(x0 + (bar * opts.series.length) / 2).toFixed(1)}" y="${height - 8}" ` +
          `text-anchor="middle">${esc(label)}</text>`,
      );
  });
  return [
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${opts.id}-titre ` +
      `${opts.id}-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${opts.id}-titre">${esc(opts.title)}</title>`,
    `<desc id="${opts.id}-desc">${esc(opts.description)}</desc>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

/** 1, 2 or 5 times a power of ten, giving at most ~5 ticks up to `max`. */
export function niceStep(max: number): number {
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? pow * 10;
}
