// `dyadflow status` (architecture.md, "Contracts"; issue 12 item 5): what a run's output directory holds, read without
// disturbing a run that may be writing it (no lock taken): the last checkpointed window, the source position it
// covers, the model it published and, for a Kafka run with brokers given, the consumer lag now.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_LAYOUT, latestRunCheckpointMeta, readLatestModel } from '../src/adapters/checkpoint/run-dir.js';
import { lagOfPosition, type KafkaClientOptions, type KafkaSourcePosition } from '../src/adapters/kafka/index.js';
import { InputError } from '../src/core/errors.js';
import type { JsonValue } from '../src/core/events/source.js';
import type { WindowEventCounts } from '../src/core/window/window-events.js';
import { CHECKPOINT_KIND, CHECKPOINT_META_VERSION, type CheckpointMeta } from './stream-stages.js';

/** What `status` reports. */
export interface RunStatus {
  outDir: string;
  /** The last checkpointed window, or null when no window has completed yet. */
  checkpoint: {
    seq: number;
    window: { id: string; startS: number; endS: number };
    windowsTotal: number;
    ended: boolean;
    position: JsonValue;
    modelId: string | null;
    state: Record<string, number>;
    /** When the input ended after a window the watermark closed: what followed that window's events, in no window. */
    trailing?: WindowEventCounts;
  } | null;
  /** models/LATEST and the summary of its manifest. */
  latestModel: { id: string; kind: string; parent: string | null; epochs: number; users: number; items: number } | null;
  /** Consumer lag per topic now (Kafka runs with --brokers), else null. */
  lag: Record<string, number> | null;
}

/** Reads a run directory's status; `brokers` asks Kafka for the lag of the checkpointed position. */
export async function readRunStatus(outDir: string, brokers: string[] | null, client: KafkaClientOptions = {}): Promise<RunStatus> {
  try {
    await readFile(join(outDir, RUN_LAYOUT.config), 'utf8');
  } catch {
    throw new InputError('DF_ERR_INPUT_MISSING', `${outDir}: not a dyadflow run directory (no ${RUN_LAYOUT.config})`);
  }
  const found = await latestRunCheckpointMeta(outDir, CHECKPOINT_KIND);
  const meta = found?.meta as CheckpointMeta | undefined;
  if (meta && meta.formatVersion !== CHECKPOINT_META_VERSION) {
    throw new InputError('DF_ERR_CHECKPOINT_VERSION', `${found!.path}: checkpoint metadata version ${meta.formatVersion}; this build reads version ${CHECKPOINT_META_VERSION}`);
  }
  const latestId = await readLatestModel(outDir);
  let latestModel: RunStatus['latestModel'] = null;
  if (latestId !== null) {
    try {
      const m = JSON.parse(await readFile(join(outDir, RUN_LAYOUT.models, latestId, 'manifest.json'), 'utf8')) as {
        kind: string;
        parent: string | null;
        epochs: number;
        parameters: { users: number; items: number };
      };
      latestModel = { id: latestId, kind: m.kind, parent: m.parent, epochs: m.epochs, users: m.parameters.users, items: m.parameters.items };
    } catch {
      latestModel = null;
    }
  }
  let lag: Record<string, number> | null = null;
  const position = meta?.position as { source?: unknown } | undefined;
  if (brokers !== null && position && position.source === 'kafka') lag = await lagOfPosition(brokers, position as unknown as KafkaSourcePosition, client);
  return {
    outDir,
    checkpoint: meta
      ? {
          seq: meta.seq,
          window: meta.window,
          windowsTotal: meta.windowsTotal,
          ended: meta.ended,
          position: meta.position,
          modelId: meta.modelId,
          state: meta.stateCounts,
          ...(meta.trailing ? { trailing: meta.trailing } : {}),
        }
      : null,
    latestModel,
    lag,
  };
}
