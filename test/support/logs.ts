// Everything the process writes to stdout and stderr while `run` runs (Powertools Logger writes there), with the
// logger at DEBUG so the scan sees every line a deployment could print: the S43 log scans use it.
import { logger } from '../../src/core/log';

export async function captureOutput(run: () => Promise<void>): Promise<string> {
  const written: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  const level = logger.getLevelName();
  logger.setLogLevel('DEBUG');
  try {
    await run();
  } finally {
    logger.setLogLevel(level);
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
  return written.join('');
}
