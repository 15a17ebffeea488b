import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { renderLineChartSvg, type LineChartSpec } from '../../../src/core/report/line-chart-svg.js';

/** Checks that every tag is closed in order (an XML-ish well-formedness check) and returns the element names. */
function balancedTags(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  const text = svg.replace(/<\?xml[^>]*\?>/, '');
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(text)) !== null) {
    const between = text.slice(last, m.index);
    // Character data holds no raw markup characters.
    expect(between).not.toMatch(/[<>]/);
    expect(between.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&');
    last = m.index + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else {
      names.push(name!);
      if (!selfClosing) stack.push(name!);
    }
  }
  expect(text.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  return names;
}

const SPEC: LineChartSpec = {
  title: 'Click loss <STL & MTL>',
  xLabel: 'epoch',
  yLabel: 'mean loss per iteration',
  series: [
    { name: 'STL "click"', values: [1.05, 0.9, 0.8, 0.77, 0.75, 0.75] },
    { name: 'MTL', values: Float64Array.from([1.15, 0.8, NaN, 0.65, 0.6, 0.59, Infinity, 0.59]) },
  ],
};

describe('renderLineChartSvg', () => {
  it('is well-formed, escapes text, and draws a path per series with gaps at non-finite values', () => {
    const svg = renderLineChartSvg(SPEC);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400"')).toBe(true);
    const names = balancedTags(svg);
    expect(names[0]).toBe('svg');
    expect(names.filter((n) => n === 'path')).toHaveLength(2);
    expect(svg).toContain('Click loss &lt;STL &amp; MTL&gt;');
    expect(svg).toContain('STL &quot;click&quot;');
    const paths = [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!);
    expect(paths[0]!.match(/M/g)).toHaveLength(1);
    // MTL: runs [0,1], [3,5], [7] → three moves, and the lone last point gets a dot.
    expect(paths[1]!.match(/M/g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('prints every coordinate with two decimals and ticks from the step', () => {
    const svg = renderLineChartSvg(SPEC);
    for (const m of svg.matchAll(/ (?:x|y|x1|y1|x2|y2|cx|cy)="([^"]*)"/g)) expect(m[1]).toMatch(/^-?\d+(\.\d\d)?$/);
    // y from 0.59 to 1.15: ticks 0.4 ... 1.2 every 0.2; x ticks 1 ... 8.
    expect(svg).toContain('>0.4</text>');
    expect(svg).toContain('>1.2</text>');
    expect(svg).toContain('>8</text>');
  });

  it('is deterministic and handles degenerate inputs', () => {
    expect(renderLineChartSvg(SPEC)).toBe(renderLineChartSvg(structuredClone(SPEC)));
    for (const series of [[], [{ name: 'empty', values: [] }], [{ name: 'one', values: [3] }], [{ name: 'flat', values: [0, 0, 0] }]]) {
      const svg = renderLineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series });
      balancedTags(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });

  it('stays well-formed for any finite or non-finite values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.string({ maxLength: 8 }),
            values: fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(NaN)), { maxLength: 30 }),
          }),
          { maxLength: 4 },
        ),
        (series) => {
          const svg = renderLineChartSvg({ title: 'loss', xLabel: 'epoch', yLabel: 'loss', series });
          balancedTags(svg);
          expect(svg).not.toMatch(/NaN|Infinity/);
        },
      ),
      { numRuns: 100, seed: 17 },
    );
  });
});

describe('renderLineChartSvg says what the reader might miss (issue 9)', () => {
  it('a chart with no finite value says so instead of drawing empty axes', () => {
    const svg = renderLineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', values: [NaN, NaN] }], noDataText: 'nothing trained' });
    balancedTags(svg);
    expect(svg).toContain('>nothing trained</text>');
    expect(svg).not.toMatch(/<path |<line /);
    expect(renderLineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain('>no data to plot</text>');
  });

  it('a y axis that does not reach 0 says where it runs', () => {
    const zoomed = renderLineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', values: [0.626, 0.62, 0.618] }] });
    expect(zoomed).toContain('>note: the y axis runs from 0.618 to 0.626, not from 0</text>');
    const negative = renderLineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', values: [-5, -3] }] });
    expect(negative).toContain('not from 0</text>');
    const fromZero = renderLineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', values: [0.9, 0.1] }] });
    expect(fromZero).not.toContain('not from 0');
  });

  it('prints the subtitle under the title', () => {
    const svg = renderLineChartSvg({ ...SPEC, subtitle: 'what <this> is' });
    balancedTags(svg);
    expect(svg).toContain('>what &lt;this&gt; is</text>');
  });
});
