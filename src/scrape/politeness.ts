// Crawling politely, shared by every worker through ScrapeHosts: robots.txt is read once a day per origin and
// obeyed (our User-Agent's group, else *), including Crawl-delay; and each host gets at most one request per
// second (or its crawl delay), by taking the host's next slot with a compare-and-set before fetching.
import robotsParser from 'robots-parser';
import { clock } from '../core/clock';
import { OutboundError, outboundFetch, type Resolver } from '../core/outbound/fetch';
import { getHost, saveRobots, takeSlot } from './store';

const DAY = 86_400;
const DEFAULT_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** Waiting longer than this for a slot, the run gives the message back to the queue instead. */
const MAX_WAIT_MS = 20_000;
const BOT = 'lambdalith-scraper';

export class HostBusyError extends Error {
  constructor(readonly waitMs: number) {
    super(`the host's next polite slot is ${Math.round(waitMs / 1000)} s away`);
    this.name = 'HostBusyError';
  }
}

export type Robots = { allowed: boolean; delayMs: number };

/** What robots.txt says about this URL, from the day's cached copy (fetched when missing or stale). */
export async function robotsFor(url: URL, resolver?: Resolver): Promise<Robots> {
  const origin = url.origin;
  const host = await getHost(origin);
  let text = host.robots;
  if (text === undefined || (host.robotsFetchedAt ?? 0) < clock.seconds() - DAY) {
    text = await fetchRobots(origin, resolver);
    await saveRobots(origin, text, clock.seconds());
  }
  const robots = robotsParser(`${origin}/robots.txt`, text);
  const delay = robots.getCrawlDelay(BOT);
  return {
    allowed: robots.isAllowed(url.href, BOT) !== false,
    delayMs: Math.min(MAX_DELAY_MS, Math.max(DEFAULT_DELAY_MS, (delay ?? 0) * 1000)),
  };
}

/** robots.txt, or "" (allow all) when there is none; a server error there means "come back later". */
async function fetchRobots(origin: string, resolver?: Resolver): Promise<string> {
  const response = await outboundFetch(`${origin}/robots.txt`, { maxBytes: 500_000, resolver });
  if (response.status >= 500) throw new OutboundError('network', `robots.txt answered ${response.status}`);
  // 4xx: no robots.txt, everything allowed (what Google and Scrapy do).
  return response.status === 200 ? response.body.toString('utf8') : '';
}

/** Waits for this host's next slot, taking it so the next fetch anywhere waits `delayMs` after ours. */
export async function waitForSlot(origin: string, delayMs: number): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const seen = (await getHost(origin)).nextSlotMs;
    const now = clock.now();
    const at = Math.max(now, seen ?? 0);
    if (at - now > MAX_WAIT_MS) throw new HostBusyError(at - now);
    if (await takeSlot(origin, seen, at + delayMs)) {
      if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
      return;
    }
  }
  throw new HostBusyError(MAX_WAIT_MS);
}
