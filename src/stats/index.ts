// The stats feature's public face for the console: the dashboard's chart. (StatsAggregatorFunction's entry imports
// the aggregator itself: it carries Powertools Metrics, which the HTTP function must not load.)
export { barChartSvg } from './bar-chart';
