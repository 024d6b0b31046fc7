// How long a console session lives, by security level (seed 002): standard 60 minutes idle, elevated 30, high 15,
// with the absolute lifetime shrinking alongside. The deployment picks the level (CONSOLE_SECURITY_LEVEL); platform
// admins, who can reach every site, get the next level up. Fixed on the session at sign-in.
import type { User } from '../core/db/users';
import { isPlatformAdmin } from '../core/roles';
import { consoleSecurityConfig, SECURITY_LEVELS, type SecurityLevel } from './config';

const LIMITS: Record<SecurityLevel, { idleSeconds: number; absoluteSeconds: number }> = {
  standard: { idleSeconds: 60 * 60, absoluteSeconds: 12 * 3600 },
  elevated: { idleSeconds: 30 * 60, absoluteSeconds: 8 * 3600 },
  high: { idleSeconds: 15 * 60, absoluteSeconds: 4 * 3600 },
};

export function consoleLevelOf(user: User, deployment = consoleSecurityConfig().level): SecurityLevel {
  if (!isPlatformAdmin(user)) return deployment;
  return SECURITY_LEVELS[Math.min(SECURITY_LEVELS.indexOf(deployment) + 1, SECURITY_LEVELS.length - 1)];
}

export function consoleSessionLimits(user: User, deployment?: SecurityLevel) {
  const level = consoleLevelOf(user, deployment);
  return { level, ...LIMITS[level] };
}
