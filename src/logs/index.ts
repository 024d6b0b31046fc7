// The logs feature's public face: where each function logs, and the narrow reader the console pages use.
export { logsConfig } from './config';
export { LEVELS, type Level, type LogLine, type LogPage, type LogQuery, queryLogs } from './query';
