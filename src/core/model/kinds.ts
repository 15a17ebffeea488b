// One descriptor per model kind (method.md §6): which tasks it learns, which Fig. 2 rows it reports and is
// selected on, the task it is the single-task baseline of, what its heads read, and its SGD kernel. The
// weight layout (layout.ts), the stepper and trainer (sgd.ts), the scorer (score.ts), the model store and
// the experiment's tables all read these, so a new variant is a descriptor here plus its kernel.
import { InvariantError } from '../errors.js';
import { mtlKernel, stlClassKernel, stlClickKernel, stlEmbeddingKernel, type KernelFactory } from './kernels.js';

/** The four tasks, in loss-slot order (the stepper's losses and an EpochLoss's fields). */
export const MODEL_TASKS = ['click', 'bookmark', 'reply', 'embedding'] as const;

/** A task of method.md §6: click ranking, bookmark and reply classification, embedding ranking. */
export type ModelTask = (typeof MODEL_TASKS)[number];

/** A task with a weight vector (a head); the embedding task has none. */
export type HeadTask = Exclude<ModelTask, 'embedding'>;

/** What every head of a kind reads besides the 31 scaled inputs and its intercept. */
export interface HeadInputs {
  /** The kind's heads, in weight order. */
  heads: readonly HeadTask[];
  /** U_u and I_o as inputs (the paper's x = [31 inputs, U_u, I_o]). */
  linearEmbeddings: boolean;
  /** ⟨U_u, I_o⟩ as an input, with a weight per head. */
  bilinear: boolean;
  /** The click head's score of the same dyad as an input of the bookmark and reply heads. */
  stackOnClick: boolean;
}

/** Everything the project knows about one model kind. */
export interface ModelKindDescriptor {
  /** One line for reports and --help. */
  summary: string;
  /** `mtl`: learns the tasks jointly; `stl`: a single-task baseline. */
  family: 'mtl' | 'stl';
  /** The name of an MTL variant in the Fig. 2 output (`fig2.<task>.variants.<name>`); null otherwise. */
  variant: string | null;
  /** The tasks whose losses it learns (its loss slots). */
  tasks: readonly ModelTask[];
  /** The Fig. 2 rows it provides, in report order (an MTL kind's embedding row scores ⟨U_u, I_o⟩). */
  reports: readonly ModelTask[];
  /** The tasks it is judged on when its hyper-parameters are selected. */
  selectedOn: readonly ModelTask[];
  /** For a single-task baseline, the task it is the STL counterpart of. */
  stlOf: ModelTask | null;
  /** Whether it has embeddings U, I. */
  embeddings: boolean;
  heads: HeadInputs;
  /** The SGD step (kernels.ts); run through a private copy per training call. */
  kernel: KernelFactory;
}

const ALL_HEADS: readonly HeadTask[] = ['click', 'bookmark', 'reply'];
const MTL_REPORTS: readonly ModelTask[] = ['click', 'embedding', 'bookmark', 'reply'];
const MTL_SELECTED_ON: readonly ModelTask[] = ['click', 'bookmark', 'reply'];

function stl(task: ModelTask, kernel: KernelFactory, summary: string): ModelKindDescriptor {
  const embeddings = task === 'embedding';
  return {
    summary,
    family: 'stl',
    variant: null,
    tasks: [task],
    reports: [task],
    selectedOn: [task],
    stlOf: task,
    embeddings,
    heads: { heads: embeddings ? [] : [task as HeadTask], linearEmbeddings: false, bilinear: false, stackOnClick: false },
    kernel,
  };
}

function mtl(variant: string | null, heads: Omit<HeadInputs, 'heads' | 'linearEmbeddings'>, summary: string): ModelKindDescriptor {
  return {
    summary,
    family: 'mtl',
    variant,
    tasks: MODEL_TASKS,
    reports: MTL_REPORTS,
    selectedOn: MTL_SELECTED_ON,
    stlOf: null,
    embeddings: true,
    heads: { heads: ALL_HEADS, linearEmbeddings: true, ...heads },
    kernel: mtlKernel,
  };
}

/** The descriptor of every model kind, in report order. */
export const MODEL_KIND_DESCRIPTORS = {
  mtl: mtl(null, { bilinear: false, stackOnClick: false }, "the paper's joint model: three heads over [31 inputs, U_u, I_o] and the embedding ranking loss"),
  'mtl-bilinear': mtl('bilinear', { bilinear: true, stackOnClick: false }, 'the joint model with ⟨U_u, I_o⟩ as an input of every head'),
  'mtl-stacking': mtl('stacking', { bilinear: false, stackOnClick: true }, "the joint model with the click head's score as an input of the bookmark and reply heads"),
  'stl-click': stl('click', stlClickKernel, 'click ranking alone, on the 31 inputs'),
  'stl-bookmark': stl('bookmark', stlClassKernel, 'bookmark classification alone, on the 31 inputs'),
  'stl-reply': stl('reply', stlClassKernel, 'reply classification alone, on the 31 inputs'),
  'stl-embedding': stl('embedding', stlEmbeddingKernel, 'the embedding ranking loss ⟨U_u, I_i+ − I_i−⟩ alone'),
} as const satisfies Record<string, ModelKindDescriptor>;

/** Which model: the paper's joint model, an MTL variant, or a single-task baseline (method.md §6). */
export type ModelKind = keyof typeof MODEL_KIND_DESCRIPTORS;

/** Every model kind, in report order. */
export const MODEL_KINDS = Object.keys(MODEL_KIND_DESCRIPTORS) as readonly ModelKind[];

/** The descriptor of a kind. */
export function modelKind(kind: ModelKind): ModelKindDescriptor {
  return MODEL_KIND_DESCRIPTORS[kind];
}

/** The single-task baseline of a task (the kind whose `stlOf` is that task). */
export function stlKindOf(task: ModelTask): ModelKind {
  const kind = MODEL_KINDS.find((k) => MODEL_KIND_DESCRIPTORS[k].stlOf === task);
  if (kind === undefined) throw new InvariantError(`no single-task baseline for ${task}`);
  return kind;
}

/** The MTL variants beside the paper's MTL, by their Fig. 2 name. */
export function mtlVariants(): { name: string; kind: ModelKind }[] {
  const out: { name: string; kind: ModelKind }[] = [];
  for (const kind of MODEL_KINDS) {
    const variant = MODEL_KIND_DESCRIPTORS[kind].variant;
    if (variant !== null) out.push({ name: variant, kind });
  }
  return out;
}
