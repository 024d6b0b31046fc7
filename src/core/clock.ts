// Injectable time: production reads Date.now(); tests freeze or move the clock.

export type Clock = { now(): number };

const systemClock: Clock = { now: () => Date.now() };
let current: Clock = systemClock;

export const clock = {
  /** Milliseconds since the epoch. */
  now: (): number => current.now(),
  /** Whole seconds since the epoch, as JWTs and DynamoDB TTLs count. */
  seconds: (): number => Math.floor(current.now() / 1000),
};

/** Replaces the clock (tests); returns a function that restores the system clock. */
export function useClock(replacement: Clock): () => void {
  current = replacement;
  return () => {
    current = systemClock;
  };
}
