// CloudWatch metrics as Embedded Metric Format log lines (Powertools Metrics): no API calls, CloudWatch extracts
// them from the function's log group. Worker functions only: the HTTP function's request metrics come from metric
// filters on its access-log lines (template.yaml), which keeps this module off the sign-in cold path.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Counts } from './db/stats';

export const METRICS_NAMESPACE = 'lambdalith';
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'lambdalith' });
let pending = false;

/** `sign_ins` → `SignIns`: the metric a counter is published as. */
export const metricName = (counter: string) =>
  counter.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

export function addCountMetrics(counts: Counts): void {
  for (const [counter, n] of Object.entries(counts)) {
    if (!n) continue;
    metrics.addMetric(metricName(counter), MetricUnit.Count, n);
    pending = true;
  }
}

export function addLatencyMetric(name: string, milliseconds: number): void {
  metrics.addMetric(name, MetricUnit.Milliseconds, milliseconds);
  pending = true;
}

/** Wraps a handler so what it recorded is written (one EMF line) before the invocation ends, even when it throws. */
export function withMetrics<A extends unknown[], R>(handler: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await handler(...args);
    } finally {
      if (pending) {
        pending = false;
        metrics.publishStoredMetrics();
      }
    }
  };
}
