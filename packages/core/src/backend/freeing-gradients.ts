import * as tf from '@tensorflow/tfjs-core';

/**
 * A backward pass that frees memory as it goes.
 *
 * tfjs-core's `engine.gradients` (behind `tf.grads`, `tf.variableGrads`, optimizers' `minimize`)
 * walks the tape backwards keeping every intermediate gradient in a map, and disposes them, and the
 * tensors each kernel saved for its gradient, only when the whole backward pass is over. The peak
 * of a training step is therefore everything the forward saved plus every gradient of every
 * intermediate: in a U-Net, about twice what the step needs at any one moment.
 *
 * `installFreeingGradients()` replaces the engine's `gradients` with the same computation (the same
 * tape, the same kernels in the same order, so the same numbers bit for bit) that, once a tape node
 * has been differentiated, disposes the gradients of its outputs (no node still to come reads them),
 * the gradients it folded into a running sum, and the tensors it saved (nodes off every path from
 * xs to y give theirs up before the first). The gradients returned and
 * a `dy` passed in are never freed. Inside a gradient that itself runs under a tape (higher-order
 * gradients) it frees nothing early, as tfjs does.
 */

/** The parts of tfjs' tape node this module reads (tfjs-core's TapeNode). */
interface TapeNode {
  readonly kernelName: string;
  readonly inputs: Record<string, tf.Tensor>;
  readonly outputs: tf.Tensor[];
  readonly gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  readonly saved?: tf.Tensor[];
}

/** The engine internals a gradient computation drives (tfjs-core 4's Engine). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string | (() => T), fn?: () => T): T;
  gradients: GradientsFn;
}

type GradientsFn = <T extends tf.Tensor>(
  f: () => T,
  xs: tf.Tensor[],
  dy?: T,
  allowNoGradients?: boolean,
) => { value: T; grads: tf.Tensor[] };

const engine = () => tf.engine() as unknown as EngineInternals;

/**
 * The nodes of `tape` on a path from one of `xs` to `y`, in tape order, each with its inputs cut
 * down to those that depend on `xs` (tfjs differentiates exactly these).
 */
export function nodesFromXsToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const dependsOnX = new Set(xs.map((x) => x.id));
  const fromX = new Set<TapeNode>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => dependsOnX.has(input.id))) {
      fromX.add(node);
      for (const output of node.outputs) dependsOnX.add(output.id);
    }
  }
  const leadsToY = new Set([y.id]);
  const toY = new Set<TapeNode>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((output) => leadsToY.has(output.id))) {
      toY.add(node);
      for (const input of Object.values(node.inputs)) leadsToY.add(input.id);
    }
  }
  return tape
    .filter((node) => fromX.has(node) && toY.has(node))
    .map((node) => ({ ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, input]) => dependsOnX.has(input.id))) }));
}

/** engine.gradients with memory freed as the backward pass goes (see the module comment). */
function freeingGradients<T extends tf.Tensor>(this: EngineInternals, f: () => T, xs: tf.Tensor[], dy?: T, allowNoGradients = false): { value: T; grads: tf.Tensor[] } {
  if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  const y = this.scopedRun(
    () => this.startTape(),
    () => this.endTape(),
    () => this.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const nodes = nodesFromXsToY(this.state.activeTape ?? [], xs, y);
  if (!allowNoGradients && nodes.length === 0) {
    throw new Error('Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.');
  }
  const outermost = this.state.gradientDepth === 0; // otherwise an outer tape may still need what this one holds
  return this.tidy('backward', () => {
    const seed = dy ?? tf.ones(y.shape);
    const gradient = new Map<number, tf.Tensor>([[y.id, seed]]);
    // How many entries of `gradient` hold each tensor object: a gradient function may hand back dy
    // itself, so one object can be the gradient of several tensors.
    const holders = new Map<tf.Tensor, number>([[seed, 1]]);
    const returned = new Set(xs.map((x) => x.id));
    const hold = (id: number, value: tf.Tensor) => {
      gradient.set(id, value);
      holders.set(value, (holders.get(value) ?? 0) + 1);
    };
    const release = (id: number) => {
      const value = gradient.get(id);
      if (value === undefined) return undefined;
      gradient.delete(id);
      const left = holders.get(value)! - 1;
      if (left === 0) holders.delete(value);
      else holders.set(value, left);
      return value;
    };
    // Disposes a tensor no entry holds any more (never the seed): a running sum's previous value at
    // any depth, as tfjs does; the rest only in an outermost computation.
    const free = (value: tf.Tensor, always = false) => {
      if ((outermost || always) && value !== seed && !holders.has(value)) value.dispose();
    };

    if (outermost) {
      // Nodes off every path from xs to y are never differentiated: what they saved can go now.
      const differentiated = new Set(nodes.map((node) => node.saved));
      for (const node of this.state.activeTape ?? []) if (!differentiated.has(node.saved)) node.saved?.forEach((t) => t.dispose());
    }
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      const dys = node.outputs.map((output) => gradient.get(output.id) ?? null);
      if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      const thunks = node.gradient(dys);
      const folded: tf.Tensor[] = [];
      for (const [name, x] of Object.entries(node.inputs)) {
        if (!(name in thunks)) throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(thunks)}.`);
        const dx = this.tidy(() => thunks[name]!());
        if (dx.dtype !== 'float32') {
          throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
        }
        if (!tf.util.arraysEqual(dx.shape, x.shape)) {
          throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
        }
        const sofar = release(x.id);
        if (sofar === undefined) {
          hold(x.id, dx);
        } else {
          hold(x.id, tf.add(sofar, dx));
          free(sofar, true);
          folded.push(dx);
        }
      }
      // This node is done: nothing still to come reads its outputs' gradients or its saved tensors.
      for (const output of node.outputs) {
        if (returned.has(output.id)) continue;
        const value = release(output.id);
        if (value !== undefined) free(value);
      }
      for (const value of folded) free(value);
      if (outermost) node.saved?.forEach((t) => t.dispose());
    }

    const grads = xs.map((x) => gradient.get(x.id)!);
    if (outermost) {
      for (const node of this.state.activeTape ?? []) node.saved?.forEach((t) => t.dispose());
      this.state.activeTape = null;
    }
    return { value: y, grads };
  });
}

/** Whether the current tfjs engine runs the freeing backward pass. */
export function freeingGradientsInstalled(): boolean {
  return engine().gradients === (freeingGradients as unknown as GradientsFn);
}

/**
 * Makes the current tfjs engine free intermediate gradients and saved tensors as the backward pass
 * goes (see the module comment). Idempotent; `uninstallFreeingGradients()` puts tfjs' own back.
 */
export function installFreeingGradients(): void {
  const e = engine();
  if (e.gradients !== (freeingGradients as unknown as GradientsFn)) e.gradients = freeingGradients as unknown as GradientsFn;
}

/** Restores tfjs-core's own `engine.gradients` (for comparisons and tests). */
export function uninstallFreeingGradients(): void {
  const e = engine() as unknown as Record<string, unknown>;
  delete e.gradients; // the instance property shadowed the prototype's method
}
