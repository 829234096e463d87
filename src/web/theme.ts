/** Colour maths for the tenants' themes: every text/background pair of the site meets WCAG 2.1 AA. */

export interface Theme {
  primary: string;
  primaryContrast: string;
  accent: string;
}

const DARK_TEXT = '#1e1e1e';
const WHITE = '#ffffff';
const LIGHT_GREY = '#f3f3f3';

function channels(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}

/** The colour darkened step by step until it reaches `ratio` against `background` (links, focus rings). */
export function darkenFor(hex: string, ratio: number, background = WHITE): string {
  let [r, g, b] = channels(hex);
  let out = hex.toLowerCase();
  while (contrast(out, background) < ratio && r + g + b > 0) {
    [r, g, b] = [r, g, b].map((v) => Math.max(0, Math.floor(v * 0.92)));
    out = `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  }
  return out;
}

/** White or dark text, whichever reads better on `background`. */
export function textOn(background: string): string {
  return contrast(background, WHITE) >= contrast(background, DARK_TEXT) ? WHITE : DARK_TEXT;
}

/**
 * The tenant's custom properties for /assets/theme.css. The header text is the tenant's own
 * `primaryContrast` when it reads well enough on `primary` (4.5:1), else the better of white
 * and dark; links use `primary`, darkened if needed to read on white.
 */
export function themeVariables(theme: Theme): Record<string, string> {
  const onPrimary =
    contrast(theme.primary, theme.primaryContrast) >= 4.5 ? theme.primaryContrast : textOn(theme.primary);
  return {
    '--primary': theme.primary,
    '--on-primary': onPrimary,
    '--accent': theme.accent,
    '--on-accent': textOn(theme.accent),
    // Links also sit on the light grey of the filters and the footer.
    '--link': darkenFor(theme.primary, 4.5, LIGHT_GREY),
    '--focus': darkenFor(theme.primary, 3),
  };
}

export function themeCss(theme: Theme): string {
  const vars = Object.entries(themeVariables(theme))
    .map(([k, v]) => `  ${k}: ${v};`)
    .join('\n');
  return `:root {\n${vars}\n}\n`;
}
