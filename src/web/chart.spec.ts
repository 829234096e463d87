import { barChart, niceStep } from './chart';

describe('barChart', () => {
  it('draws one bar per non-zero value, scaled to the largest, with a title and a description', () => {
    const svg = barChart({
      id: 'c',
      title: 'Annonces par jour',
      description: 'Offres et demandes',
      labels: ['1', '2', '3'],
      series: [{ className: 'bar-offer', label: 'Offres', values: [2, 0, 4] }],
    });
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg).toContain('role="img" aria-labelledby="c-titre c-desc"');
    expect(svg).toContain('<title id="c-titre">Annonces par jour</title>');
    const heights = [...svg.matchAll(/height="([\d.]+)"\/>/g)].map((m) => Number(m[1]));
    expect(heights[1] / heights[0]).toBeCloseTo(2, 1);
    expect(svg).not.toMatch(/style=/);
  });

  it('escapes labels', () => {
    expect(barChart({ id: 'c', title: '<b>', description: '', labels: ['<x>'], series: [] })).not.toContain('<b>');
  });

  it('chooses round ticks', () => {
    expect(niceStep(4)).toBe(1);
    expect(niceStep(37)).toBe(10);
    expect(niceStep(120)).toBe(50);
  });
});
