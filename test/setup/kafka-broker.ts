// vitest global setup: makes `npm test` alone enough on a fresh machine. When no broker answers at the test
// address (DYADFLOW_TEST_BROKERS, else localhost:9092), it starts one with scripts/kafka.sh (Kafka jars
// from Maven Central on Java 17) and stops it after the run; a broker that was already running (started by
// .ci/run, `npm run kafka:start` or docker compose) is used and left alone. If the broker cannot be started,
// the run goes on and the Kafka tests fail with their own message: they never skip.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));

function firstBroker(): { host: string; port: number } {
  const first = (process.env.DYADFLOW_TEST_BROKERS ?? 'localhost:9092').split(',')[0]!.trim();
  const [host, port] = first.split(':');
  return { host: host || 'localhost', port: Number(port) || 9092 };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Starts a broker when none answers; returns the teardown that stops only a broker it started. */
export default async function setup(): Promise<() => void> {
  const { host, port } = firstBroker();
  if (await answers(host, port)) return () => {};
  if (host !== 'localhost' && host !== '127.0.0.1') return () => {};
  const env = { ...process.env, KAFKA_PORT: String(port) };
  try {
    execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  } catch {
    process.stderr.write('test setup: could not start Kafka (see above); the Kafka tests will fail\n');
    return () => {};
  }
  return () => {
    execFileSync('bash', [script, 'stop'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  };
}
