// The rate-limit classes' deployment budgets (RATE_LIMIT_<CLASS>_RPM/_BURST), apart from the meter so the HTTP
// function's init check reads only this (rate-classes.ts loads with the routes that count).
import { configSlice, number } from './config';

export const RATE_CLASSES = ['admin', 'auth', 'public', 'send'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];
type Rate = { perMinute: number; burst: number };

const rpm = () => number(1, 1_000_000);
const burst = () => number(1, 100_000);

export const rateClassConfig = configSlice(
  {
    RATE_LIMIT_ADMIN_RPM: rpm().or(100),
    RATE_LIMIT_ADMIN_BURST: burst().or(20),
    RATE_LIMIT_AUTH_RPM: rpm().or(600),
    RATE_LIMIT_AUTH_BURST: burst().or(100),
    RATE_LIMIT_PUBLIC_RPM: rpm().or(300),
    RATE_LIMIT_PUBLIC_BURST: burst().or(60),
    RATE_LIMIT_SEND_RPM: rpm().or(120),
    RATE_LIMIT_SEND_BURST: burst().or(30),
  },
  (e): Record<RateClass, Rate> => ({
    admin: { perMinute: e.RATE_LIMIT_ADMIN_RPM, burst: e.RATE_LIMIT_ADMIN_BURST },
    auth: { perMinute: e.RATE_LIMIT_AUTH_RPM, burst: e.RATE_LIMIT_AUTH_BURST },
    public: { perMinute: e.RATE_LIMIT_PUBLIC_RPM, burst: e.RATE_LIMIT_PUBLIC_BURST },
    send: { perMinute: e.RATE_LIMIT_SEND_RPM, burst: e.RATE_LIMIT_SEND_BURST },
  }),
);
