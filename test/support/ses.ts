// The emails moto's SES has accepted, read from moto's model dump (what /dev/mail shows too).
export type SentEmail = {
  id: string;
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses: string[] };
};

export async function sentEmails(to?: string): Promise<SentEmail[]> {
  const res = await fetch(`${process.env.AWS_ENDPOINT_URL_SES}/moto-api/data.json`);
  const all = ((await res.json()) as { ses?: { Message?: SentEmail[] } }).ses?.Message ?? [];
  return to ? all.filter((m) => m.destinations.ToAddresses.includes(to)) : all;
}

/** Every href in an HTML body, entities decoded. */
export const linksIn = (html: string) =>
  [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&'));
