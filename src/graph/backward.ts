// Reverse-mode autodiff: `backward(loss)` sorts the recorded graph topologically from the loss and walks it in
// reverse, calling each op's backward and accumulating gradients where a tensor feeds several ops.
//
// The walk only follows edges into inputs that need a gradient (Op.needs), so it never visits anything below the
// lowest trainable parameter. Memory is handed back on the way: each op's saved tensors once its backward ran,
// and each intermediate gradient once it has been passed down. Parameter gradients accumulate across calls
// (several micro-batches per optimizer step) until the optimizer's zeroGrad.

import { GpuTensor } from '../gpu/tensor.ts';
import { GraftError, NonFiniteError, fmtShape } from '../gpu/errors.ts';
import { axpyInPlace, fill } from '../kernels/elementwise.ts';
import type { Tensor } from './tensor.ts';

/** Tensors reachable from `root` through edges that need a gradient, inputs before the ops that read them. */
export function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative post-order: ResNet-50 graphs are deep enough to worry a recursive walk.
  const stack: Array<[Tensor, boolean]> = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    const op = t.op;
    if (!op) continue;
    op.inputs.forEach((input, i) => {
      if (op.needs[i] && !visited.has(input)) stack.push([input, false]);
    });
  }
  return order;
}

/**
 * Computes gradients of `loss` for every tensor in its graph that requires one. `loss` is normally a scalar
 * (shape [1]); otherwise pass `dloss`, the gradient to start from (same shape, not consumed).
 */
export function backward(loss: Tensor, dloss?: GpuTensor): void {
  if (!loss.op) {
    throw new GraftError(
      `backward: ${loss.what} has no recorded graph: it was computed under noGrad, depends on no trainable ` +
        'parameter, or backward already ran through it (run the forward pass again)',
    );
  }
  const gpu = loss.value.gpu;
  if (dloss) {
    if (dloss.size !== loss.value.size) {
      throw new GraftError(`backward: dloss${fmtShape(dloss.shape)} does not match ${loss.what} (shape ${fmtShape(loss.shape)})`);
    }
    loss.grad = dloss.clone('dloss');
  } else {
    if (loss.value.size !== 1) {
      throw new GraftError(`backward: ${loss.what} has shape ${fmtShape(loss.shape)}; pass dloss for a non-scalar output`);
    }
    // Filled by a kernel rather than uploaded: an upload would submit the forward's batch early.
    loss.grad = GpuTensor.empty(gpu, loss.shape, 'f32', 'dloss');
    fill(gpu, loss.grad, 1);
  }

  const order = topoSort(loss);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const op = node.op;
    if (!op) continue; // a leaf: its gradient stays for the optimizer (or the caller)
    const dy = node.grad;
    if (dy) {
      const grads = op.backward(gpu, dy);
      grads.forEach((g, i) => {
        if (!g) return;
        if (op.needs[i]) accumulate(op.inputs[i], g, op.name);
        else g.release();
      });
    }
    op.release();
    node.op = null;
    if (!node.retainGrad) node.releaseGrad();
  }
}

function accumulate(input: Tensor, g: GpuTensor, opName: string): void {
  if (input.released) {
    // Released by the caller mid-graph (which also dropped its op): the gradient has nowhere to go.
    g.release();
    return;
  }
  if (g.size !== input.value.size) {
    throw new GraftError(
      `backward of ${opName}: gradient ${fmtShape(g.shape)} does not fit ${input.what} (shape ${fmtShape(input.shape)})`,
    );
  }
  const shaped = sameShape(g.shape, input.shape) ? g : reshapeOwned(g, input.shape);
  if (!input.grad) {
    input.grad = shaped;
  } else {
    axpyInPlace(shaped.gpu, input.grad, shaped, 1);
    shaped.release();
  }
}

/** A view in another shape that takes over `g`'s reference. */
function reshapeOwned(g: GpuTensor, shape: readonly number[]): GpuTensor {
  const view = g.reshape(shape);
  g.release();
  return view;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Reads a scalar loss back to the CPU, throwing NonFiniteError (naming the op that produced it and its shapes)
 * if it is NaN or infinite. The one read-back of a training step.
 */
export async function lossValue(loss: Tensor): Promise<number> {
  if (loss.value.size !== 1) throw new GraftError(`lossValue: ${loss.what} has shape ${fmtShape(loss.shape)}, not a scalar`);
  const [v] = await loss.value.read();
  if (!Number.isFinite(v)) {
    throw new NonFiniteError(
      `${loss.what} gave ${v}: a NaN or infinity reached the loss (check the inputs, the learning rate, and the weights)`,
    );
  }
  return v;
}
