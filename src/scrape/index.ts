// The scrape feature's public face, for the console.
export { describeChanges, showValue } from './changes';
export { lineChartSvg, numericSeries } from './chart';
export { type JobInput, jobInput, type ScrapeJob } from './job';
export {
  createJobFor,
  deleteJobFor,
  jobsFor,
  runFor,
  runNow,
  runsFor,
  updateJobFor,
} from './jobs';
export { snapshotLink } from './snapshot-link';
export type { RunRecord } from './store';
export { getJob as jobById } from './store';
