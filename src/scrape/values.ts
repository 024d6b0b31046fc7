// Typed values from scraped text. Numbers in either convention ("1,234.56", "1.234,56", "1 234,56"), and prices
// with their currency, told by a symbol or an ISO code next to the amount ("€12,99", "12.99 USD", "CHF 1'250.-").

const SYMBOLS: [RegExp, string][] = [
  [/US\$|\$US/, 'USD'],
  [/C\$|CA\$/, 'CAD'],
  [/A\$|AU\$/, 'AUD'],
  [/NZ\$/, 'NZD'],
  [/HK\$/, 'HKD'],
  [/R\$/, 'BRL'],
  [/€/, 'EUR'],
  [/£/, 'GBP'],
  [/¥|円/, 'JPY'],
  [/₹/, 'INR'],
  [/₩/, 'KRW'],
  [/₽/, 'RUB'],
  [/₺/, 'TRY'],
  [/₪/, 'ILS'],
  [/₫/, 'VND'],
  [/zł/i, 'PLN'],
  [/kr\.?/i, 'SEK'],
  [/\$/, 'USD'],
];
const ISO =
  /\b(USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|INR|CNY|HKD|SGD|BRL|MXN|ZAR|KRW|TRY|ILS|RUB)\b/i;

/** The first number in the text, reading "," and "." the way the text uses them; null when there is none. */
export function parseNumber(text: string): number | null {
  const match = /[-−]?\d[\d.,'’\u00a0\u202f ]*/.exec(text);
  if (!match) return null;
  let digits = match[0]
    .replace(/[−]/, '-')
    .replace(/['’\u00a0\u202f ]/g, '')
    .replace(/[.,]+$/, '');
  const lastDot = digits.lastIndexOf('.');
  const lastComma = digits.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    // Both: the later one is the decimal mark.
    const decimal = lastDot > lastComma ? '.' : ',';
    const grouping = decimal === '.' ? ',' : '.';
    digits = digits.split(grouping).join('').replace(decimal, '.');
  } else if (lastComma >= 0) {
    // Only commas: "1,234" and "1,234,567" group thousands; "12,99" and "1,5" are decimals.
    const groups = digits.split(',');
    const thousands =
      groups.length > 2 || (groups[1]?.length === 3 && groups[0] !== '0' && groups[0] !== '-0');
    digits = thousands ? groups.join('') : digits.replace(',', '.');
  } else if (lastDot >= 0 && digits.split('.').length > 2) {
    digits = digits.split('.').join(''); // "1.234.567"
  }
  const value = Number(digits);
  return Number.isFinite(value) ? value : null;
}

/** An amount and its ISO 4217 currency; null when no amount. The currency is "" when the text names none. */
export function parsePrice(text: string): { amount: number; currency: string } | null {
  const amount = parseNumber(text.replace(/\.-/, ''));
  if (amount === null) return null;
  const iso = ISO.exec(text)?.[1];
  if (iso) return { amount, currency: iso.toUpperCase() };
  const symbol = SYMBOLS.find(([pattern]) => pattern.test(text));
  return { amount, currency: symbol?.[1] ?? '' };
}
