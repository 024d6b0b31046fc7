// Typed values and change detection: numbers and prices in either convention, selectors to fields, and a text
// comparison that ignores what the job says to ignore, so an empty or ignored diff is never a change.
import { describe, expect, it } from 'vitest';
import { compareRuns, describeChanges, hasChanges } from '../../src/scrape/changes';
import { extractPage } from '../../src/scrape/extract';
import { parseNumber, parsePrice } from '../../src/scrape/values';

describe('numbers and prices', () => {
  it('reads grouping and decimal marks the way the text uses them', () => {
    expect(
      ['1,234.56', '1.234,56', '1 234,56', '12,99', '1,5', '1.234.567', '-3.2', '42 items', 'none'].map(
        parseNumber,
      ),
    ).toEqual([1234.56, 1234.56, 1234.56, 12.99, 1.5, 1234567, -3.2, 42, null]);
  });

  it('tells the currency by symbol or ISO code', () => {
    expect(['€12,99', '$1,299.00', '£4', "CHF 1'250.-", '12.99 USD', '¥1,200', '99'].map(parsePrice)).toEqual(
      [
        { amount: 12.99, currency: 'EUR' },
        { amount: 1299, currency: 'USD' },
        { amount: 4, currency: 'GBP' },
        { amount: 1250, currency: 'CHF' },
        { amount: 12.99, currency: 'USD' },
        { amount: 1200, currency: 'JPY' },
        { amount: 99, currency: '' },
      ],
    );
  });
});

const page = (price: string, clock: string, extra = '') =>
  `<html><head><script>var tracking = "${Math.random()}"</script></head><body>
   <div class="ad">Ad ${Math.random()}</div><h1>Widget</h1><span class="price">${price}</span>
   <a class="more" href="/details">More</a><ul><li>red</li><li>blue</li></ul>
   <p>Last updated ${clock}</p>${extra}</body></html>`;
const rules = {
  fields: [
    { name: 'price', selector: '.price', type: 'price' as const },
    { name: 'more', selector: 'a.more', type: 'url' as const },
    { name: 'colours', selector: 'li', type: 'list' as const },
    { name: 'missing', selector: '.nothing', type: 'number' as const },
  ],
  ignore: [{ selector: '.ad' }, { text: 'Last updated' }],
};
const extract = (html: string) => extractPage(html, 'https://shop.example/w', rules.fields, rules.ignore);

describe('extraction and change detection', () => {
  it('reads each field by selector and type', () => {
    expect(extract(page('€9,50', '10:00')).fields).toEqual({
      price: { amount: 9.5, currency: 'EUR' },
      more: 'https://shop.example/details',
      colours: ['red', 'blue'],
      missing: null,
    });
  });

  it('no change when only scripts, ignored elements or ignored lines differ', () => {
    const before = extract(page('€9,50', '10:00'));
    const after = extract(page('€9,50', '10:05'));
    const changes = compareRuns([before], [after]);
    expect(hasChanges(changes)).toBe(false);
    expect(describeChanges(changes, false)).toEqual([]);
  });

  it('a changed field shows old -> new; changed text shows its lines', () => {
    const before = extract(page('€9,50', '10:00'));
    const after = extract(page('€8,75', '10:05', '<p>Now with free shipping</p>'));
    const changes = compareRuns([before], [after]);
    expect(changes.fields).toEqual([
      {
        url: 'https://shop.example/w',
        field: 'price',
        old: { amount: 9.5, currency: 'EUR' },
        new: { amount: 8.75, currency: 'EUR' },
      },
    ]);
    expect(describeChanges(changes, false)).toEqual([
      'price: 9.5 EUR → 8.75 EUR',
      'Page text changed:',
      '  - €9,50',
      '  + €8,75',
      '  + Now with free shipping',
    ]);
  });
});
