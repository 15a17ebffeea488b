// Turns the generator's records into a Dataset the way the file loader would (deletes dropped and counted).
import { ImpressionTableBuilder, InteractionTableBuilder, type Dataset } from '../../../src/core/events/tables.js';
import { buildSynthetic, type SynthPresetName, type SynthRecord } from '../../../src/core/synth/index.js';

/** The records of a preset and the Dataset they make. */
export function synthDataset(preset: SynthPresetName, seed: number): { dataset: Dataset; records: SynthRecord[] | null } {
  const ds = buildSynthetic(preset, seed);
  const ib = new InteractionTableBuilder(1 << 16);
  const pb = new ImpressionTableBuilder(1 << 16);
  const keep = preset === 'tiny';
  const records: SynthRecord[] | null = keep ? [] : null;
  let droppedDeletes = 0;
  for (const r of ds.records()) {
    records?.push(r);
    if (r.kind === 'interaction') {
      const x = r.record;
      if (x.interaction_type === 4) droppedDeletes++;
      else ib.push(x.user_id, x.item_id, x.interaction_type, x.created_at);
    } else if (r.kind === 'impression') {
      for (const item of r.record.items) pb.push(r.record.user_id, item, r.record.year * 100 + r.record.week);
    }
  }
  return {
    dataset: { interactions: ib.finish(), impressions: pb.finish(), users: null, items: null, droppedDeletes, badRows: 0 },
    records,
  };
}
